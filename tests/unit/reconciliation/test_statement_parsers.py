"""The statement parsers on real bank files (tests/fixtures/bank_statements/, see its
PROVENANCE.md): counts of statements, entries and transactions per file, read off the files
(camt: `Stmt`/`Ntfctn`, `Ntry`, `TxDtls`; MT940: `:20:` messages and `:61:` lines), and
genkgo/camt's expected JSON as an oracle for the camt entries' amounts, dates and
references."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from tarifa.errors import ValidationError
from tarifa.reconciliation.formats import parse_statement_file
from tarifa.reconciliation.model import ParsedFile, transaction_key

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bank_statements"
CAMT = FIXTURES / "camt"
MT940 = FIXTURES / "mt940"


def parse(path: Path) -> ParsedFile:
    return parse_statement_file(path.read_bytes())


def shape(parsed: ParsedFile) -> tuple[int, int, int]:
    entries = [e for s in parsed.statements for e in s.entries]
    return len(parsed.statements), len(entries), sum(len(e.transactions) for e in entries)


# (file, format, statements, entries, transactions): counted in the files by hand.
CAMT_FILES = [
    # camt.053.001.02: one Stmt, one Ntry with one TxDtls.
    ("genkgo_camt053.v2.minimal.xml", "camt.053", 1, 1, 1),
    # Two Stmt of one Ntry each.
    ("genkgo_camt053.v2.multi.statement.xml", "camt.053", 2, 2, 2),
    ("genkgo_camt053.v3.xml", "camt.053", 1, 1, 1),
    ("genkgo_camt053.v4.xml", "camt.053", 1, 1, 1),
    ("genkgo_camt053.v8.xml", "camt.053", 1, 1, 1),
    # One Ntry of three TxDtls without amounts: not splittable, one transaction.
    ("genkgo_camt054.v2.xml", "camt.054", 1, 1, 1),
    # The same batch with amounts (3.1, 3.2, 3.2 CHF): three transactions.
    ("genkgo_camt054.v4.xml", "camt.054", 1, 1, 3),
    ("genkgo_camt054.v8.xml", "camt.054", 1, 1, 3),
    # PostFinance camt.053.001.04: five Ntry, each with one TxDtls.
    (
        "postfinance_camt.053_P_CH2909000000250094239_1110092698_0_2020112503071366.xml",
        "camt.053",
        1,
        5,
        5,
    ),
    # ESR credit of five TxDtls (1537.00) and one debit (147.00).
    (
        "postfinance_200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_2019042500372179.xml",
        "camt.054",
        1,
        2,
        6,
    ),
    # CH-DD collection 4.50 = 1.50 + 3.00.
    (
        "postfinance_200519_camt054-chdd_p_ch2909000000250094239_1110097484_0_20190520700381159.xml",
        "camt.054",
        1,
        1,
        2,
    ),
    (
        "postfinance_200519_camt.054-Credit_P_CH2909000000250094239_1110092691_0_2019042421291293.xml",
        "camt.054",
        1,
        1,
        1,
    ),
    (
        "postfinance_camt054-returns_p_ch5109000000250092291_1110097606_0_2020112500512470.xml",
        "camt.054",
        1,
        1,
        1,
    ),
]

# (file, statements = `:20:` messages, entries = `:61:` lines), from PROVENANCE.md and grep.
MT940_FILES = [
    ("jejik_abnamro.sta", 2, 10),
    ("jejik_ing.sta", 1, 7),
    ("jejik_knab.sta", 2, 3),
    ("jejik_postfinance.sta", 2, 4),
    ("jejik_rabobank.sta", 4, 5),
    ("jejik_triodos.sta", 1, 2),
    ("cmxl_mt940.sta", 3, 16),
    ("betterplace_sepa_snippet.sta", 2, 11),
    ("mBank_mt940.sta", 1, 3),
    ("sberbank_171011_01234945.sta", 1, 3),
    ("self-provided_raphaelm.sta", 3, 9),
]


@pytest.mark.parametrize(("name", "fmt", "statements", "entries", "transactions"), CAMT_FILES)
def test_every_camt_version_gives_its_statements_entries_and_transactions(
    name: str, fmt: str, statements: int, entries: int, transactions: int
) -> None:
    parsed = parse(CAMT / name)
    assert parsed.format == fmt
    assert shape(parsed) == (statements, entries, transactions)
    assert parsed.skipped == 0


@pytest.mark.parametrize(("name", "statements", "entries"), MT940_FILES)
def test_mt940_files_of_many_banks_give_one_statement_per_message_and_one_entry_per_line(
    name: str, statements: int, entries: int
) -> None:
    parsed = parse(MT940 / name)
    assert parsed.format == "mt940"
    # An MT940 entry is one transaction.
    assert shape(parsed) == (statements, entries, entries)
    assert parsed.skipped == 0


@pytest.mark.parametrize(
    "name",
    [
        "genkgo_camt053.v2.minimal.xml",
        "genkgo_camt053.v3.xml",
        "genkgo_camt053.v4.xml",
        "genkgo_camt053.v8.xml",
        "genkgo_camt054.v2.xml",
        "genkgo_camt054.v8.xml",
    ],
)
def test_camt_entries_agree_with_genkgos_expected_output(name: str) -> None:
    """genkgo/camt's JSON gives each entry's signed amount in minor units, currency, booking
    date, indicator and account servicer reference."""
    oracle = json.loads((CAMT / "genkgo_expected_json" / name.replace(".xml", ".json")).read_text())
    expected = [
        (
            Decimal(e["getAmount"]["getAmount"]) / 100,
            e["getAmount"]["getCurrency"]["getCode"],
            dt.date.fromisoformat(e["getBookingDate"]["0"][:10]),
            "credit" if e["getCreditDebitIndicator"] == "CRDT" else "debit",
            e["getAccountServicerReference"],
        )
        for e in oracle["getEntries"]
    ]
    (statement,) = parse(CAMT / name).statements
    got = [
        (
            e.amount if e.direction == "credit" else -e.amount,
            e.currency,
            e.booking_date,
            e.direction,
            e.bank_reference,
        )
        for e in statement.entries
    ]
    assert got == expected


def test_a_camt_transaction_carries_its_payer_reference_and_text() -> None:
    (statement,) = parse(CAMT / "genkgo_camt053.v2.minimal.xml").statements
    (transaction,) = statement.entries[0].transactions
    assert statement.account == "NL26VAYB8060476890"
    assert (transaction.amount, transaction.currency) == (Decimal("8.85"), "EUR")
    assert transaction.structured_reference == "4654654654654654"
    assert transaction.payer_iban == "NL56AGDH9619008421"


def test_a_batch_is_one_transaction_per_detail_keyed_apart() -> None:
    """The PostFinance ESR credit of 1537.00 books five payments under their own
    AcctSvcrRef; the CH-DD collection 4.50 = 1.50 ('Rechnung 1001') + 3.00 ('Rechnung
    1002')."""
    (esr,) = parse(
        CAMT / "postfinance_200519_camt054-ESR-ASR_P_CH2909000000250094239_1110092704_0_"
        "2019042500372179.xml"
    ).statements
    credit, debit = esr.entries
    assert [t.amount for t in credit.transactions] == [
        Decimal(a) for a in ("250.00", "200.00", "300.00", "324.00", "463.00")
    ]
    assert sum(t.amount for t in credit.transactions) == credit.amount == Decimal("1537.00")
    assert (debit.direction, debit.amount) == ("debit", Decimal("147.00"))
    keys = {transaction_key(esr, e, t) for e in esr.entries for t in e.transactions}
    assert len(keys) == 6
    (chdd,) = parse(
        CAMT / "postfinance_200519_camt054-chdd_p_ch2909000000250094239_1110097484_0_"
        "20190520700381159.xml"
    ).statements
    assert [(t.amount, t.remittance) for t in chdd.entries[0].transactions] == [
        (Decimal("1.50"), "Rechnung 1001"),
        (Decimal("3.00"), "Rechnung 1002"),
    ]


def test_a_return_is_read_as_a_reversal() -> None:
    (statement,) = parse(
        CAMT / "postfinance_camt054-returns_p_ch5109000000250092291_1110097606_0_"
        "2020112500512470.xml"
    ).statements
    (entry,) = statement.entries
    assert (entry.reversal, entry.direction, entry.amount) == (True, "credit", Decimal("500.00"))


def test_mt940_amounts_directions_and_bank_references_are_read() -> None:
    """Knab: +500, -7260, +500 with bank references; mBank: three 0.01 PLN credits on an
    IBAN account; a funds code (`CM5000,00`, raphaelm) does not stop the amount."""
    knab = [e for s in parse(MT940 / "jejik_knab.sta").statements for e in s.entries]
    assert [(e.direction, e.amount, e.bank_reference) for e in knab] == [
        ("credit", Decimal(500), "B4E07XM00J000023"),
        ("debit", Decimal(7260), "B4G29PGCVO7Q06US"),
        ("credit", Decimal(500), "B4G29PGDCK1QFV3E"),
    ]
    (mbank,) = parse(MT940 / "mBank_mt940.sta").statements
    assert mbank.account == "PL29114010810000267002001002"
    assert [e.bank_reference for e in mbank.entries] == [
        "MB170119012058",
        "MB170119012085",
        "MB170119012121",
    ]
    first = parse(MT940 / "self-provided_raphaelm.sta").statements[0].entries[0]
    assert (first.direction, first.amount, first.currency) == ("credit", Decimal(5000), "DEM")


def test_mt940_without_a_bank_reference_is_keyed_by_a_hash_that_tells_entries_apart() -> None:
    """ABN AMRO writes NONREF: every entry still gets its own key, the same on every read."""
    parsed = parse(MT940 / "jejik_abnamro.sta")
    keys = [transaction_key(s, e, t) for s in parsed.statements for e in s.entries
            for t in e.transactions]  # fmt: skip
    assert len(set(keys)) == 10
    assert all(":NONREF:" in k for k in keys)
    again = parse(MT940 / "jejik_abnamro.sta")
    assert keys == [transaction_key(s, e, t) for s in again.statements for e in s.entries
                    for t in e.transactions]  # fmt: skip


def test_intraday_reports_are_skipped_one_per_report() -> None:
    camt052 = parse(CAMT / "genkgo_camt052.v2.xml")
    assert (camt052.format, camt052.statements, camt052.skipped) == ("camt.052", (), 1)
    mt942 = parse(MT940 / "mBank_mt942.sta")
    assert (mt942.format, mt942.statements, mt942.skipped) == ("mt942", (), 1)


def test_a_malformed_file_is_a_validation_error_naming_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="holds no statement"):
        parse(CAMT / "genkgo_camt053.v2.wrong.xml")
    broken = tmp_path / "broken.xml"
    broken.write_text("<Document><unclosed></Document>")
    with pytest.raises(ValidationError, match="not well-formed"):
        parse(broken)
    other = tmp_path / "other.xml"
    other.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')
    with pytest.raises(ValidationError, match="not an ISO 20022 camt"):
        parse(other)
    text = tmp_path / "notes.txt"
    text.write_text("just some notes")
    with pytest.raises(ValidationError, match="neither a camt document nor an MT940"):
        parse(text)


def test_a_bad_entry_is_skipped_and_the_good_ones_are_kept(tmp_path: Path) -> None:
    """An entry with a broken amount in the middle of a statement counts as skipped."""
    source = (CAMT / "genkgo_camt053.v2.multi.statement.xml").read_text()
    broken = source.replace('<Amt Ccy="EUR">8.85</Amt>', '<Amt Ccy="EUR">8,85x</Amt>', 1)
    assert broken != source
    path = tmp_path / "broken.xml"
    path.write_text(broken)
    parsed = parse(path)
    assert shape(parsed) == (2, 1, 1)
    assert parsed.skipped == 1
    assert "not a number" in parsed.problems[0]


def test_an_unreadable_mt940_message_is_skipped_with_its_entries_and_the_next_is_read() -> None:
    """Knab's first message with a value date that is not a date: its one `:61:` line is
    skipped, the second message (two entries) is read."""
    source = (MT940 / "jejik_knab.sta").read_text()
    broken = source.replace(":61:140507", ":61:14XX07", 1)
    assert broken != source
    parsed = parse_statement_file(broken.encode())
    assert shape(parsed) == (1, 2, 2)
    assert parsed.skipped == 1
    assert "14XX07" in parsed.problems[0]
