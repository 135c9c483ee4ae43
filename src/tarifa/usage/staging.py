"""Rows of the import's staging table, in COPY text format.

A reader turns each physical line into one staging row: a good line with its parsed fields,
a bad one with its reason (and the hash of its bytes, the key of a quarantined line). The
database does the rest set-based (sql/queries/usage.sql, `load_chunk`). The columns are
those of the `copy_staging` query:

    line, line_hash, raw, reason, record_id, id_kind, id_value, service, unit, destination,
    started_at, usage, billable, disposition

An import of parts of sessions adds each part's session and sequence (`copy_staging_parts`):
the database finds the part before each by them. Other imports do not send these columns
(they stay NULL).
"""

from __future__ import annotations

from tarifa.usage import lines

NULL = "\\N"


def needs_escape(text: str) -> bool:
    return "\\" in text or "\t" in text or "\r" in text or "\n" in text


def escape(text: str) -> str:
    """`text` as a COPY text-format field."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def good(
    number: int,
    line: str,
    record_id: str,
    id_kind: str,
    id_value: str,
    service: str,
    unit: str,
    destination: str,
    started_at: str,
    usage: str,
    billable: bool,
    disposition: str | None,
    line_hash: str | None = None,
) -> str:
    """The staging row of a line that parsed. `line` is clean (valid UTF-8, no NUL).

    Every field is a part of the line, or decoded from it (a JSON string), or a fixed word:
    when the line holds no backslash, tab or CR, no field does, and nothing needs escaping.
    """
    if "\\" in line or "\t" in line or "\r" in line:
        line, record_id, id_value, destination = (
            escape(line),
            escape(record_id),
            escape(id_value),
            escape(destination),
        )
        disposition = None if disposition is None else escape(disposition)
    return (
        f"{number}\t{line_hash or NULL}\t{line}\t{NULL}\t{record_id}\t{id_kind}\t{id_value}\t"
        f"{service}\t{unit}\t{destination}\t{started_at}\t{usage}\t{'t' if billable else 'f'}\t"
        f"{NULL if disposition is None else disposition}\n"
    )


def bad(number: int, line: str, reason: str, line_hash: str | None = None) -> str:
    """The staging row of a line that cannot be taken in, and why."""
    return (
        f"{number}\t{line_hash or lines.line_hash(line)}\t{escape(lines.printable(line))}\t"
        f"{escape(reason)}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t{NULL}\t"
        f"{NULL}\t{NULL}\n"
    )


def with_part(row: str, session: str | None, sequence: int | None) -> str:
    """`row` with the session and sequence of a part (NULL for a line that did not parse)."""
    if session is None or sequence is None:
        return f"{row[:-1]}\t{NULL}\t{NULL}\n"
    return f"{row[:-1]}\t{escape(session)}\t{sequence}\n"


COLUMNS = (
    "line", "line_hash", "raw", "reason", "record_id", "id_kind", "id_value", "service", "unit",
    "destination", "started_at", "usage", "billable", "disposition",
)  # fmt: skip
PART_COLUMNS = (*COLUMNS, "session", "sequence")
_UNESCAPE = {"\\\\": "\\", "\\t": "\t", "\\r": "\r", "\\n": "\n"}


def decode(row: str) -> dict[str, str | None]:
    """A staging row back as named fields (NULL as None): for tests and troubleshooting."""
    cells = row.rstrip("\n").split("\t")
    names = PART_COLUMNS if len(cells) == len(PART_COLUMNS) else COLUMNS
    if len(cells) != len(names):
        raise ValueError(f"a staging row has {len(COLUMNS)} fields, not {len(cells)}")
    return {
        name: None if cell == NULL else _unescape(cell)
        for name, cell in zip(names, cells, strict=True)
    }


def _unescape(cell: str) -> str:
    if "\\" not in cell:
        return cell
    out, i = [], 0
    while i < len(cell):
        pair = cell[i : i + 2]
        if pair in _UNESCAPE:
            out.append(_UNESCAPE[pair])
            i += 2
        else:
            out.append(cell[i])
            i += 1
    return "".join(out)
