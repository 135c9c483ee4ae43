"""Physical lines: blocks, line ends, broken bytes, endless lines, constant memory."""

from __future__ import annotations

import hashlib
import io
import tracemalloc
from pathlib import Path

from tarifa.usage import lines, readers


def read(data: bytes, block: int = lines.BLOCK) -> list[str]:
    return list(lines.physical_lines(io.BytesIO(data), block=block))


def test_lines_end_at_newlines_with_or_without_carriage_returns() -> None:
    assert read(b"a\r\nb\nc\r\n") == ["a", "b", "c"]
    assert read(b"a\nb") == ["a", "b"]  # the last line may lack its newline
    assert read(b"a\n\nb\n") == ["a", "", "b"]  # blank lines count for numbering


def test_a_carriage_return_inside_a_line_stays_in_it() -> None:
    assert read(b"a\rb\n") == ["a\rb"]


def test_lines_are_the_same_whatever_the_block_size() -> None:
    data = b"".join(f"line {i},\xc3\xa9t\xc3\xa9\r\n".encode("latin-1") for i in range(200))
    expected = read(data)
    assert len(expected) == 200
    for block in (1, 2, 3, 7, 64, 1000):
        assert read(data, block=block) == expected


def test_bytes_that_are_not_utf8_are_kept_and_reported() -> None:
    (line,) = read(b"caf\xe9 ok\n")
    assert not lines.is_clean(line)
    assert lines.problem(line) == "the line is not valid UTF-8"
    assert lines.original_bytes(line) == b"caf\xe9 ok"
    assert lines.printable(line) == "caf\\xe9 ok"


def test_nul_bytes_are_binary_junk() -> None:
    (line,) = read(b"\x00\x01\x02junk\n")
    assert lines.problem(line) == "binary data (NUL bytes) in the line"
    assert lines.printable(line) == "\\x00\x01\x02junk"


def test_an_endless_line_is_cut_and_reading_goes_on() -> None:
    data = b"first\n" + b"x" * (lines.MAX_LINE * 3) + b"\nlast\n"
    for block in (1000, lines.BLOCK):
        found = read(data, block=block)
        assert found[0] == "first"
        assert found[-1] == "last"
        assert len(found) == 3
        assert found[1].endswith(lines.TOO_LONG)
        assert lines.problem(found[1]) == "the line is longer than 65536 bytes"
        assert len(lines.printable(found[1])) == lines.MAX_LINE


def test_the_line_hash_is_md5_of_the_original_bytes() -> None:
    (line,) = read(b"caf\xe9\n")
    assert lines.line_hash(line) == hashlib.md5(b"caf\xe9", usedforsecurity=False).hexdigest()


def test_reading_a_large_file_takes_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    line = (
        '"","+4930901820","4989123456","from-internal","""Test User"" <1001>",'
        '"SIP/1001-00000001","SIP/trunk-00000002","Dial","SIP/trunk/4989123456,60",'
        '"2026-03-02 09:15:00","2026-03-02 09:15:05","2026-03-02 09:16:10",70,65,"ANSWERED",'
        '"DOCUMENTATION","{}",""\n'
    )
    with path.open("w", encoding="utf-8") as handle:
        for i in range(200_000):
            handle.write(line.format(i))
    reader = readers.AsteriskReader(timezone="Europe/Berlin")
    tracemalloc.start()
    try:
        with path.open("rb") as handle:
            count = sum(1 for _ in readers.records(reader, lines.physical_lines(handle)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    # The file is ~50 MB; reading it holds about two 1 MB blocks and their lines at a time.
    assert peak < 12 * 1024 * 1024, peak
