"""The `tarifa` command against an embedded server of its own (a TARIFA_HOME per test)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tarifa.db.embedded import SYSTEM_USER, EmbeddedServer


def tarifa(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TARIFA_DATABASE_URL"}
    env |= {"TARIFA_HOME": str(home), "TARIFA_EMBEDDED_DURABLE": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "tarifa", *args],
        env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    if check and result.returncode != 0:
        raise AssertionError(f"tarifa {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def home(tmp_path: Path):
    home = tmp_path / "home"
    yield home
    if home.exists():
        EmbeddedServer(home).destroy()  # as root the cluster is outside tmp_path


def test_init_starts_a_private_server_creates_and_migrates_the_database(home: Path) -> None:
    first = json.loads(tarifa(home, "init", "--json").stdout)
    assert first["embedded"] is True
    assert first["created"] is True
    assert first["migrations_applied"][0] == "0001_create_extensions"

    again = json.loads(tarifa(home, "init", "--json").stdout)
    assert again["created"] is False
    assert again["migrations_applied"] == []

    status = json.loads(tarifa(home, "db", "status", "--json").stdout)
    assert status["running"] is True
    assert status["pending_migrations"] == []
    assert status["server_version"].startswith("18")


def test_the_server_outlives_the_process_and_is_reused_then_stops(home: Path) -> None:
    tarifa(home, "init")
    pid = json.loads(tarifa(home, "db", "status", "--json").stdout)["pid"]
    # Another process finds the running server instead of starting a second one.
    tarifa(home, "audit", "verify")
    assert json.loads(tarifa(home, "db", "status", "--json").stdout)["pid"] == pid

    assert json.loads(tarifa(home, "db", "stop", "--json").stdout) == {"stopped": True}
    assert json.loads(tarifa(home, "db", "status", "--json").stdout)["running"] is False
    assert json.loads(tarifa(home, "db", "stop", "--json").stdout) == {"stopped": False}
    # The next command that needs the database starts it again, data intact.
    assert json.loads(tarifa(home, "db", "migrate", "--json").stdout)["applied"] == []


@pytest.mark.skipif(os.geteuid() != 0, reason="checks the layout tarifa uses when run as root")
def test_as_root_the_server_runs_as_its_own_user_and_no_folder_is_opened_up(
    home: Path, tmp_path: Path
) -> None:
    tmp_path.chmod(0o700)
    before = {p: p.stat().st_mode for p in (tmp_path, *tmp_path.parents)}
    tarifa(home, "init")

    server = EmbeddedServer(home)
    cluster = server.pgdata.parent
    assert str(cluster).startswith("/var/lib/tarifa/clusters/")
    for folder in (cluster, server.pgdata, server.socket_dir):
        info = folder.stat()
        assert stat.S_IMODE(info.st_mode) == 0o700
        assert info.st_uid == __import__("pwd").getpwnam(SYSTEM_USER).pw_uid
    postmaster = int((server.pgdata / "postmaster.pid").read_text().split()[0])
    owner = Path(f"/proc/{postmaster}").stat().st_uid
    assert owner == __import__("pwd").getpwnam(SYSTEM_USER).pw_uid
    # Nothing on the way to the caller's folders had its permissions changed.
    assert {p: p.stat().st_mode for p in before} == before


def test_a_database_url_bypasses_the_embedded_server(home: Path, fresh_db: str) -> None:
    env_home = home  # never started: the URL wins
    result = subprocess.run(
        [sys.executable, "-m", "tarifa", "db", "status", "--json"],
        env=os.environ | {"TARIFA_HOME": str(env_home), "TARIFA_DATABASE_URL": fresh_db},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    status = json.loads(result.stdout)
    assert status["embedded"] is False
    assert status["pending_migrations"] == []
    assert not env_home.exists()


def _unprivileged_python() -> list[str] | None:
    """A command running this Python's tarifa as `nobody`, or None when that cannot work here.

    The venv's interpreter may live under /root (unreadable to other users), so the system
    interpreter of the same version runs with this checkout's `src` and site-packages.
    """
    system_python = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if os.geteuid() != 0 or not system_python.exists() or not shutil.which("setpriv"):
        return None
    site = next(p for p in sys.path if p.endswith("site-packages"))
    src = str(Path(__file__).resolve().parents[2] / "src")
    psycopg_init = f"{site}/psycopg/__init__.py"
    probe = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "test",
             "-r", psycopg_init, "-a", "-r", f"{src}/tarifa/cli/db.py"]  # fmt: skip
    if subprocess.run(probe, check=False).returncode != 0:
        return None
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env",
            f"PYTHONPATH={src}:{site}", str(system_python), "-m", "tarifa"]  # fmt: skip


@pytest.mark.skipif(
    _unprivileged_python() is None,
    reason="needs root, setpriv, a system "
    "Python of this version and a checkout readable by `nobody`",
)
def test_as_an_ordinary_user_the_cluster_lives_in_tarifa_home() -> None:
    command = _unprivileged_python()
    assert command is not None
    # pytest's tmp_path is private to root; nobody gets a folder of its own under /tmp.
    scratch = Path(tempfile.mkdtemp(prefix="tarifa-nobody-"))
    os.chown(scratch, 65534, 65534)
    home = scratch / "home"
    env = {"PATH": os.environ["PATH"], "TARIFA_HOME": str(home), "TARIFA_EMBEDDED_DURABLE": "0"}
    try:
        run = subprocess.run([*command, "init", "--json"], env=env, capture_output=True,
                             text=True, timeout=180, check=False)  # fmt: skip
        assert run.returncode == 0, run.stderr
        for folder in (home / "pgdata", home / "run"):
            info = folder.stat()
            assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (65534, 0o700)
    finally:
        subprocess.run([*command, "db", "stop"], env=env, capture_output=True, check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def test_destroy_deletes_the_cluster_and_the_next_init_starts_empty(home: Path) -> None:
    tarifa(home, "init")
    refused = tarifa(home, "db", "destroy", check=False)
    assert refused.returncode == 1
    assert "--yes" in refused.stderr
    pgdata = EmbeddedServer(home).pgdata
    assert json.loads(tarifa(home, "db", "destroy", "--yes", "--json").stdout) == {
        "destroyed": True
    }
    assert not pgdata.exists()
    assert json.loads(tarifa(home, "init", "--json").stdout)["created"] is True


@pytest.mark.skipif(os.geteuid() != 0, reason="the cluster is outside TARIFA_HOME only as root")
def test_a_recreated_home_at_the_same_path_gets_a_new_empty_cluster(home: Path) -> None:
    tarifa(home, "init")
    first = EmbeddedServer(home).pgdata
    tarifa(home, "db", "stop")
    shutil.rmtree(home)  # as `rm -rf .tarifa` would, without `tarifa db destroy`
    assert json.loads(tarifa(home, "init", "--json").stdout)["created"] is True
    assert EmbeddedServer(home).pgdata != first
    shutil.rmtree(first.parent)  # the orphaned cluster, stopped above
