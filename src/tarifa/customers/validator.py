"""Reading and checking a customers CSV file in a child process, for bulk imports.

Checking rows is pure Python and loading them is PostgreSQL's work; in one process the two
share the interpreter lock, and the thread that feeds the database waits for the lock each
time the database answers, so the database idles for a good part of the import. A child
process takes the reading and checking away: it reads the file (its standard input), checks
every row with the very same code (:func:`tarifa.customers.csvrows.checked_batches`, in
file order, so "the first row wins" holds as it does in one process) and sends the
:class:`~tarifa.customers.csvrows.Batch` es back, pickled, through a pipe of its own.

Only the importer's bulk mode uses it (a short-lived process per import, started with the
same Python): a library call imports in its own process.

Messages from the child, in order: ``("header", columns)`` or ``("invalid", errors)``, then
``("batch", Batch)`` for each batch and ``("done", None)``; ``("failed", traceback)`` if
anything went wrong.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pickle
import shutil
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from tarifa.customers.csvrows import (
    Batch,
    RowChecker,
    checked_batches,
    read_header,
    records,
)
from tarifa.errors import TarifaError, ValidationError


class ValidationProcess:
    """The child process that reads and checks one file (`handle`, positioned at its start).

    Use it as a context manager; leaving it stops the child if it still runs.
    """

    def __init__(self, handle: IO[bytes], *, batch_rows: int, shares_descriptor: bool) -> None:
        """`batch_rows`: good rows per batch. `shares_descriptor`: `handle` is a file of the
        importer's own, whose descriptor the child may read directly; otherwise (a caller's
        stream) a thread copies it over."""
        results, child_end = os.pipe()
        source_root = str(Path(__file__).resolve().parents[2])  # where `tarifa` is found
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (source_root, env.get("PYTHONPATH"))))
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tarifa.customers.validator",
                    str(child_end),
                    str(batch_rows),
                ],
                stdin=handle if shares_descriptor else subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                pass_fds=(child_end,),
                env=env,
            )
        except BaseException:
            os.close(results)
            raise
        finally:
            os.close(child_end)
        self.results = os.fdopen(results, "rb")
        self.feeder: threading.Thread | None = None
        self.feed_error: BaseException | None = None
        if not shares_descriptor:
            self.feeder = threading.Thread(
                target=self._feed, args=(handle,), name="tarifa-import-feed", daemon=True
            )
            self.feeder.start()

    def __enter__(self) -> ValidationProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        if self.feeder is not None:
            self.feeder.join()
        self.results.close()

    def header(self) -> tuple[str, ...]:
        """The file's columns; ValidationError when the header cannot be used."""
        kind, value = self._next()
        if kind == "invalid":
            raise ValidationError(value)
        if kind != "header":
            raise self._unexpected(kind)
        header: tuple[str, ...] = value
        return header

    def batches(self) -> Iterator[Batch]:
        while True:
            kind, value = self._next()
            if kind == "done":
                if self.feed_error is not None:
                    raise self.feed_error
                return
            if kind != "batch":
                raise self._unexpected(kind)
            yield value

    def _next(self) -> tuple[str, Any]:
        try:
            # Trusted: our own child process, over a pipe only it and this process hold.
            message: tuple[str, Any] = pickle.load(self.results)  # noqa: S301
        except EOFError:
            if self.feed_error is not None:
                raise self.feed_error from None
            code = self.process.wait()
            raise TarifaError(
                f"the import's validation process ended early (exit {code})"
            ) from None
        if message[0] == "failed":
            raise TarifaError(f"the import's validation process failed:\n{message[1]}")
        return message

    def _unexpected(self, kind: str) -> TarifaError:
        return TarifaError(f"the import's validation process sent {kind!r} out of turn")

    def _feed(self, handle: IO[bytes]) -> None:
        stdin = self.process.stdin
        if stdin is None:  # pragma: no cover (created with a pipe above)
            return
        try:
            shutil.copyfileobj(handle, stdin, 1 << 20)
        except BrokenPipeError:
            pass  # the child stopped reading: it failed, or the import is being abandoned
        except BaseException as err:  # reported by the reading side, never lost
            self.feed_error = err
        finally:
            with contextlib.suppress(OSError):
                stdin.close()


class _Counted(io.RawIOBase):
    """A raw stream that counts the bytes read through it (the import's progress)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += n or 0
        return n  # type: ignore[no-any-return]


def main() -> None:
    """The child: read standard input, send messages to the descriptor named in argv (then
    the number of good rows per batch)."""
    # Short-lived and free of reference cycles worth collecting: the collector would only
    # walk the growing tables of external ids and identifiers again and again.
    gc.disable()
    with os.fdopen(int(sys.argv[1]), "wb") as out:

        def send(kind: str, value: object) -> None:
            pickle.dump((kind, value), out, protocol=pickle.HIGHEST_PROTOCOL)
            out.flush()

        try:
            raw = _Counted(open(0, "rb", buffering=0, closefd=False))  # noqa: SIM115
            text = io.TextIOWrapper(
                io.BufferedReader(raw, 1 << 16),
                encoding="utf-8-sig",
                errors="surrogateescape",
                newline="",
            )
            rows = records(text)
            first = next(rows, None)
            try:
                header = read_header(None if first is None else first[1])
            except ValidationError as err:
                send("invalid", err.errors)
                return
            send("header", header)
            checker = RowChecker(header)
            for batch in checked_batches(rows, checker, int(sys.argv[2]), lambda: raw.count):
                send("batch", batch)
            send("done", None)
        except BaseException:
            send("failed", traceback.format_exc())
            raise SystemExit(1) from None


if __name__ == "__main__":
    main()
