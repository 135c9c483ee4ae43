"""Asterisk ``cdr_csv`` (Master.csv): one staging row per line.

No header; at least 18 fields: accountcode, src, dst, dcontext, clid, channel, dstchannel,
lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags, uniqueid,
userfield (fields after these, which some deployments add, are ignored). Only ANSWERED calls
are billable, on billsec; NO ANSWER, BUSY, FAILED, CONGESTION (and CANCEL) are filtered; any
other disposition is quarantined. The account is the accountcode when set, else the caller
(src): a phone number, or a SIP user when src is not a number. The record id is the MD5 of
uniqueid, dstchannel, start and answer (one uniqueid repeats across the legs of a call).
Times are the switch's local time: --timezone is required.
"""

from __future__ import annotations

import re
from datetime import datetime
from hashlib import md5

from tarifa.usage import lines, model, staging, times
from tarifa.usage.csvline import LineSplitter

ASTERISK_FIELDS = 18
_ANSWERED = "ANSWERED"
_NOT_ANSWERED = frozenset({"NO ANSWER", "NOANSWER", "BUSY", "FAILED", "CONGESTION", "CANCEL"})
# A caller that looks like a phone number (else it is taken for a SIP user name).
_PHONE = re.compile(r"[+0-9\s\-.()/]*")


def _count(text: str, name: str) -> tuple[int, str | None]:
    value = text.strip()
    if value.isdigit() and value.isascii():
        return int(value), None
    if value.startswith("-") and value[1:].isdigit() and value[1:].isascii():
        return int(value), f"negative {name} {value}"
    return 0, f"{name} {value!r} is not a whole number of seconds"


class AsteriskReader:
    needs_timezone = True

    def __init__(self, *, timezone: str | None) -> None:
        self._split = LineSplitter().split
        self._zone_given = timezone is not None

    def parse(self, number: int, line: str) -> str:
        """The staging row of one line of Master.csv.

        Most lines of a real file are answered or unanswered calls from a phone number to a
        phone number: :meth:`_fast` handles those, and only says "don't know" otherwise; every
        other line, and every line with any problem, takes :meth:`_general`, which finds
        and words all its problems.
        """
        if "\x00" in line or not (line.isascii() or lines.is_clean(line)):
            return staging.bad(number, line, lines.problem(line))
        fields = self._split(line)
        if type(fields) is list and len(fields) >= ASTERISK_FIELDS:
            row = self._fast(number, line, fields)
            if row is not None:
                return row
        return self._general(number, line, fields)

    def _fast(self, number: int, line: str, fields: list[str]) -> str | None:
        (accountcode, src, dst, _dcontext, _clid, _channel, dstchannel, _lastapp, _lastdata,
         start, answer, _end, duration, billsec, disposition, _amaflags, uniqueid,
         _userfield) = fields[:ASTERISK_FIELDS]  # fmt: skip
        if disposition == _ANSWERED:
            billable = "t"
        elif disposition in _NOT_ANSWERED:
            billable = "f"
        else:
            return None
        if (
            accountcode
            or not (duration.isdigit() and duration.isascii())
            or not (billsec.isdigit() and billsec.isascii())
            or int(billsec) > int(duration)
            or not (src[:1] == "+" and src[1:2] != "0" and 3 <= len(src) <= 16)
            or not (src[1:].isdigit() and src.isascii())
            or not (dst.isdigit() and dst.isascii())
            or dst[:2] == "00"
            or len(start) != 19
            or start[10] != " "
            or not self._zone_given
            or "\\" in line
            or "\t" in line
            or "\r" in line
        ):
            return None
        try:
            datetime.fromisoformat(start)
        except ValueError:
            return None
        record_id = md5(
            f"{uniqueid}\x1f{dstchannel}\x1f{start}\x1f{answer}".encode(), usedforsecurity=False
        ).hexdigest()
        return (
            f"{number}\t\\N\t{line}\t\\N\t{record_id}\te164\t{src}\tvoice\tseconds\t{dst}\t"
            f"{start}\t{billsec}\t{billable}\t{disposition}\n"
        )

    def _general(self, number: int, line: str, fields: list[str] | str) -> str:
        if isinstance(fields, str):
            return staging.bad(number, line, fields)
        if len(fields) < ASTERISK_FIELDS:
            reason = f"expected at least {ASTERISK_FIELDS} fields, found {len(fields)}"
            return staging.bad(number, line, reason)
        (accountcode, src, dst, _dcontext, _clid, _channel, dstchannel, _lastapp, _lastdata,
         start, answer, _end, duration_text, billsec_text, disposition, _amaflags, uniqueid,
         _userfield) = fields[:ASTERISK_FIELDS]  # fmt: skip
        problems: list[str] = []
        duration, problem = _count(duration_text, "duration")
        if problem:
            problems.append(problem)
        billsec, problem = _count(billsec_text, "billsec")
        if problem:
            problems.append(problem)
        elif billsec > duration and not problems:
            problems.append(f"billsec {billsec} is above the duration {duration}")
        started_at, problem = times.iso(start, zone_given=self._zone_given)
        if problem:
            problems.append(problem)
        status = disposition.strip().upper()
        if status != _ANSWERED and status not in _NOT_ANSWERED:
            problems.append(f"unknown disposition {disposition!r}")
        code = accountcode.strip()
        if code:
            kind, (identifier, problem) = "account_code", model.identifier("account_code", code)
        else:
            kind = "e164" if _PHONE.fullmatch(src) else "sip"
            identifier, problem = model.identifier(kind, src)
        if problem:
            problems.append(problem)
        destination, problem = model.destination(dst)
        if problem:
            problems.append(problem)
        elif not destination:
            problems.append("no destination (dst)")
        if problems:
            return staging.bad(number, line, "; ".join(problems))
        record_id = md5(
            f"{uniqueid}\x1f{dstchannel}\x1f{start}\x1f{answer}".encode(), usedforsecurity=False
        ).hexdigest()
        return staging.good(
            number, line, record_id, kind, identifier, "voice", "seconds", destination,
            started_at, str(billsec), status == _ANSWERED, status,
        )  # fmt: skip
