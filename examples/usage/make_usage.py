"""Write the usage examples for the customers of examples/customers.csv, deterministically.

    python examples/usage/make_usage.py        # rewrites the files below

- ``Master.csv``: an Asterisk cdr_csv file of a few hundred calls in October 2026 (local
  time Europe/Berlin, across the end of summer time on the 25th) made from the customers'
  phone numbers and account codes: answered calls, unanswered, busy and failed ones (filtered),
  the two legs of a forked call, one call written twice, and at the end a handful of
  deliberately bad lines, each wrong in its own way (see BAD_LINES);
- ``mediation.csv`` + ``mediation.yaml``: a mediation platform's export (voice, data, SMS,
  MMS, video) read through a column mapping;
- ``events.jsonl``: JSON lines as an application would post them;
- ``radius.csv`` + ``radius.yaml``: interim updates of data sessions whose byte counters are
  the session's total so far (`counters: cumulative`): each part is stored with the
  difference from the part before it; one session's second update never came (its third
  waits in quarantine) and one counter goes down (refused).

Import them with (after the customers, whose phone numbers must be valid in October 2026):

    tarifa usage import examples/usage/Master.csv --format asterisk --source pbx-fra1 \\
        --timezone Europe/Berlin
    tarifa usage import examples/usage/mediation.csv --format csv \\
        --mapping examples/usage/mediation.yaml --source mediation --timezone Europe/Berlin
    tarifa usage import examples/usage/events.jsonl --format jsonl --source app
    tarifa usage import examples/usage/radius.csv --format csv \\
        --mapping examples/usage/radius.yaml --source radius

The same seed always gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from make_customers import generate  # noqa: E402  (the customers' own generator)

SEED = 20_261_001
CUSTOMERS = 300  # as examples/customers.csv
MONTH = datetime(2026, 10, 1)  # noqa: DTZ001 - local switch time, as Asterisk writes it
DAYS = 31
#: Destinations: (prefix, digits after it, weight). International ones as dialled: 00…
DESTINATIONS = (
    ("4930", 8, 20), ("4940", 8, 8), ("4989", 8, 8), ("49151", 8, 10), ("49170", 7, 8),
    ("0033", 9, 4), ("0044", 10, 4), ("+3906", 8, 3), ("001212", 7, 3), ("0081", 9, 1),
)  # fmt: skip
DISPOSITIONS = (("ANSWERED", 80), ("NO ANSWER", 10), ("BUSY", 6), ("FAILED", 4))


@dataclass(frozen=True)
class Caller:
    external_id: str
    number: str
    account_code: str | None


def callers(seed: int) -> list[Caller]:
    """The customers of examples/customers.csv that have a phone number."""
    found = []
    for row in generate(CUSTOMERS, seed=seed):
        number = row["phone_numbers"].split(";")[0]
        if number:
            found.append(Caller(row["external_id"], number, row["account_codes"] or None))
    return found


def cdr_line(fields: list[str | int]) -> str:
    """One Master.csv line as Asterisk writes it: text quoted (quotes doubled), numbers bare."""
    return ",".join(
        '"' + field.replace('"', '""') + '"' if isinstance(field, str) else str(field)
        for field in fields
    )


class Calls:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible examples, not secrets
        self.callers = callers(seed=20_240_601)  # the seed of examples/customers.csv
        self.sequence = 0

    def destination(self) -> str:
        prefix, digits, _ = self.rng.choices(DESTINATIONS, [d[2] for d in DESTINATIONS])[0]
        if prefix.startswith("49") and self.rng.random() < 0.3:
            prefix = "0" + prefix[2:]  # dialled nationally: kept as dialled
        return prefix + "".join(self.rng.choice("0123456789") for _ in range(digits))

    def call(self, caller: Caller, start: datetime, dst: str, leg: str = "") -> list[str | int]:
        rng = self.rng
        self.sequence += 1
        disposition = rng.choices([d[0] for d in DISPOSITIONS], [d[1] for d in DISPOSITIONS])[0]
        ring = rng.randint(2, 25)
        billsec = rng.choice((rng.randint(1, 60), rng.randint(30, 900), rng.randint(300, 3600)))
        if disposition != "ANSWERED":
            billsec = 0
        duration = ring + billsec
        answer = start + timedelta(seconds=ring) if billsec else None
        end = start + timedelta(seconds=duration)
        uniqueid = f"{int(start.timestamp())}.{self.sequence}"
        code = caller.account_code if caller.account_code and rng.random() < 0.5 else ""
        channel = f"PJSIP/{caller.number[1:]}-{self.sequence:08x}"
        dstchannel = f"PJSIP/carrier{leg}-{self.sequence:08x}"
        name = caller.external_id.split("-")[-1]
        return [
            code, caller.number, dst, "from-customers", f'"Customer {name}" <{caller.number}>',
            channel, dstchannel, "Dial", f"PJSIP/{dst}@carrier,60,tT", _t(start), _t(answer),
            _t(end), duration, billsec, disposition, "BILLING", uniqueid, "",
        ]  # fmt: skip

    def month(self, count: int) -> list[str]:
        lines = []
        for _ in range(count):
            caller = self.rng.choice(self.callers)
            start = MONTH + timedelta(seconds=self.rng.randrange(DAYS * 86_400))
            dst = "voicemail" if self.rng.random() < 0.02 else self.destination()
            lines.append((start, cdr_line(self.call(caller, start, dst))))
        # A forked call: two legs, one uniqueid, two dstchannels: two records.
        caller, start = self.callers[0], MONTH + timedelta(days=3, hours=10)
        first = self.call(caller, start, "4930901800", leg="a")
        second = list(first)
        second[6] = str(first[6]).replace("carriera", "carrierb")
        lines += [(start, cdr_line(first)), (start, cdr_line(second))]
        lines.sort()
        ordered = [line for _, line in lines]
        ordered.append(ordered[10])  # one call written twice: a duplicate
        return ordered


#: Bad lines at the end of Master.csv, each with its own problem (and the reason shown).
def bad_lines(calls: Calls) -> list[str]:
    caller = calls.callers[1]
    start = MONTH + timedelta(days=12, hours=14)

    def variant(**changes: object) -> str:
        fields = calls.call(caller, start, "4940123456")
        fields[14], fields[12], fields[13] = "ANSWERED", 120, 100
        for index, value in changes.items():
            fields[int(index[1:])] = value  # type: ignore[assignment]
        return cdr_line(fields)

    return [
        variant(f13=150),  # billsec above the duration
        variant(f12=-5, f13=0),  # a negative duration
        variant(f1="+4930999999"),  # a number no customer holds
        variant(f9="2099-01-01 10:00:00"),  # an event in the future
        variant(f9="2026-10-32 10:00:00"),  # no such day
        variant(f14="DROPPED"),  # an unknown disposition
        '"","+4930901820","4930123456","from-customers","broken quote',  # never closed
        "\x00\x07junk from a disk error\x00",  # binary junk
        '"","+4930901820","4930123456"',  # three fields
    ]


def mediation(calls: Calls) -> list[dict[str, str]]:
    """Rows of a mediation platform's export for the same customers."""
    rng = calls.rng
    rows = []
    kinds = (("MOC", "SEC", 40), ("GPRS", "BYTE", 30), ("SMSMO", "EVT", 20), ("MMSMO", "EVT", 5),
             ("VT", "SEC", 5))  # fmt: skip
    for number in range(1, 61):
        caller = rng.choice(calls.callers)
        kind, unit, _ = rng.choices(kinds, [k[2] for k in kinds])[0]
        start = MONTH + timedelta(seconds=rng.randrange(DAYS * 86_400))
        volume = {"MOC": rng.randint(5, 1800), "GPRS": rng.randint(10**4, 5 * 10**8),
                  "SMSMO": 1, "MMSMO": 1, "VT": rng.randint(30, 900)}[kind]  # fmt: skip
        result = "OK" if kind != "MOC" or rng.random() < 0.85 else rng.choice(("NOANSWER", "BUSY"))
        rows.append({
            "CDR_ID": f"MED-{number:06d}", "A_NUMBER": caller.number.replace("+", "00"),
            "B_NUMBER": "" if kind == "GPRS" else calls.destination(),
            "START": start.strftime("%d.%m.%Y %H:%M:%S"),
            "VOLUME": str(volume if result == "OK" else 0), "TYPE": kind, "UNIT": unit,
            "RESULT": result,
        })  # fmt: skip
    rows.append(dict(rows[0], CDR_ID="MED-BAD-1", TYPE="FAX"))  # an unknown service
    rows.append(dict(rows[1], CDR_ID="MED-BAD-2", VOLUME="-20"))  # negative usage
    return rows


def events(calls: Calls) -> list[str]:
    """JSON lines: times with their UTC offset, so no --timezone is needed."""
    rng = calls.rng
    out = []
    for number in range(1, 31):
        caller = rng.choice(calls.callers)
        start = MONTH.replace(hour=12) + timedelta(minutes=rng.randrange(DAYS * 24 * 60))
        offset = "+02:00" if start < datetime(2026, 10, 25, 2) else "+01:00"  # noqa: DTZ001
        service = rng.choice(("sms", "sms", "data", "voice"))
        event: dict[str, object] = {
            "id": f"app-{number:05d}", "account": caller.number, "service": service,
            "start": start.strftime("%Y-%m-%dT%H:%M:%S") + offset,
        }  # fmt: skip
        if service == "data":
            event |= {"usage": rng.randint(10**5, 10**8), "unit": "bytes"}
        else:
            event["destination"] = calls.destination()
        if service == "voice":
            event["usage"] = rng.randint(1, 600)
        out.append(json.dumps(event))
    out.append('{"id": "app-bad-1", "account": "+4930901820", "service": "sms"')  # cut short
    return out


MAPPING = """\
# The column mapping of mediation.csv (docs/rating.md, "Usage intake").
delimiter: ";"
header: true
record_id: {column: CDR_ID}
account: {column: A_NUMBER}
account_kind: {value: e164}
destination: {column: B_NUMBER}
start: {column: START, format: "%d.%m.%Y %H:%M:%S"}
usage: {column: VOLUME}
service: {column: TYPE, values: {MOC: voice, GPRS: data, SMSMO: sms, MMSMO: mms, VT: video}}
unit: {column: UNIT, values: {SEC: seconds, BYTE: bytes, EVT: events}}
disposition: {column: RESULT, billable: [OK], filtered: [NOANSWER, BUSY]}
"""


def interim_updates(calls: Calls) -> list[dict[str, str]]:
    """Rows of interim updates of data sessions: three per session, byte counters that are
    the session's total so far, times in UTC."""
    rng = calls.rng
    rows = []
    for number in range(1, 9):
        caller = rng.choice(calls.callers)
        start = MONTH + timedelta(seconds=rng.randrange(DAYS * 86_400))
        counter = 0
        for sequence in (1, 2, 3):
            counter += rng.randint(10**5, 10**7)
            rows.append({
                "SESSION": f"rad-{number:04d}", "SEQ": str(sequence),
                "MSISDN": caller.number, "TIME": f"{start:%Y-%m-%dT%H:%M:%S}Z",
                "OCTETS": str(counter),
            })  # fmt: skip
            start += timedelta(minutes=15)
    del rows[4]  # session rad-0002 lost its second update: its third waits in quarantine
    rows.append(dict(rows[-1], SEQ="4", OCTETS="1000"))  # a counter that went down
    return rows


RADIUS_MAPPING = """\
# The column mapping of radius.csv (docs/rating.md, "Parts of sessions").
header: true
session: {column: SESSION}
sequence: {column: SEQ}
counters: cumulative
account: {column: MSISDN}
start: {column: TIME}
usage: {column: OCTETS}
service: {value: data}
"""


def _t(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--calls", type=int, default=400)
    parser.add_argument("-o", "--output", type=Path, default=HERE)
    args = parser.parse_args()
    calls = Calls(SEED)
    master = calls.month(args.calls) + bad_lines(calls)
    (args.output / "Master.csv").write_text("\n".join(master) + "\n", encoding="utf-8")
    rows = mediation(calls)
    with (args.output / "mediation.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";",
                                lineterminator="\n")  # fmt: skip
        writer.writeheader()
        writer.writerows(rows)
    (args.output / "mediation.yaml").write_text(MAPPING, encoding="utf-8")
    (args.output / "events.jsonl").write_text("\n".join(events(calls)) + "\n", encoding="utf-8")
    radius = interim_updates(calls)
    with (args.output / "radius.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(radius[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(radius)
    (args.output / "radius.yaml").write_text(RADIUS_MAPPING, encoding="utf-8")
    print(
        f"wrote {len(master)} CDR lines, {len(rows)} mediation rows and JSON lines to {args.output}"
    )


if __name__ == "__main__":
    main()
