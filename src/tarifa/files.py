"""Input files of bulk operations (customer imports, usage imports)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tarifa.errors import ValidationError


@contextmanager
def opened(source: Path | str | IO[bytes]) -> Iterator[tuple[IO[bytes], int]]:
    """A path opened for reading (or a caller's binary file, left open), with its size in
    bytes (0 when a stream cannot tell): what a progress bar counts against.

    ValidationError naming the file when it cannot be opened."""
    if not isinstance(source, Path | str):
        try:
            size = source.seek(0, io.SEEK_END) - source.seek(0, io.SEEK_SET)
        except (OSError, ValueError):
            size = 0
        yield source, size
        return
    path = Path(source)
    try:
        handle = path.open("rb")
    except OSError as err:
        raise ValidationError.single("file", f"cannot read {path}: {err.strerror}") from None
    with handle:
        yield handle, path.stat().st_size
