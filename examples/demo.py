"""`make demo`: tarifa's main job so far, end to end, on the embedded database.

1. start the private PostgreSQL server (./.tarifa), create and migrate tarifa's database;
2. import examples/customers.csv (a few hundred customers, a few deliberately bad rows);
3. show what was accepted and what was rejected, and why;
4. look a customer up by a phone number at a point in time;
5. load the example catalogs (mobile operator, fibre ISP, video streaming) and quote a month;
   add the seller that will issue the invoices (examples/sellers/acme-de.yaml);
6. subscribe six accounts from 1 October 2026: Mobile S, Mobile S with a coupon (billing day
   15), a Mobile S that will be cancelled, Fibre 300 that will be upgraded, Fibre 1000 with a
   trial, and Mobile Business for a Dutch business (reverse charge); their phone numbers move
   to the subscriptions;
7. load the example tariff, import October's Asterisk CDRs (examples/usage/Master.csv) and
   rate them with the batch rater, showing what was filtered, quarantined and refused;
8. load the VAT rates and run the bill runs of 1 October (fees in advance) and, after an
   upgrade and a cancellation in October, of 1 November (usage, settlements, November in
   advance), finalized at once: numbered by the seller, with VAT and RF references;
9. write every invoice as PDF, CSV, itemized usage CSV and Factur-X into ./demo-output/;
10. get paid: payment methods for the six accounts (cards, a SEPA mandate, a bank transfer
    payer); collect the due invoices through the sandbox gateway on 1 December (a card
    succeeds, one is declined, one answers too late and is resolved by asking the gateway,
    one is disputed); export the SEPA direct-debit batch; import a bank statement that books
    the debit and pays an invoice by transfer; settle the dispute; run dunning on 8
    December; print the receivables aging and the trial balance (it sums to zero);
11. verify the audit log and export its head.

Running it again is safe: the import recognises every customer, the catalog loads, the
subscriptions and the CDRs create nothing the second time, and the bill runs find every
invoice made. (`make clean-demo` starts over.)
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table
from rich.text import Text

import tarifa
from tarifa.cli.customers import rejections_table
from tarifa.customers import IdentifierKind
from tarifa.customers.importer import ImportReport
from tarifa.customers.importer import Progress as ImportProgress
from tarifa.db.server import initialize
from tarifa.db.settings import from_environment
from tarifa.errors import NotFoundError
from tarifa.facade import Billing
from tarifa.payments.sandbox import SandboxGateway, serve
from tarifa.reconciliation.statement_writer import Booking, Detail, camt
from tarifa.sellers import creditor_reference

HERE = Path(__file__).resolve().parent
CUSTOMERS_CSV = HERE / "customers.csv"
CATALOGS = HERE / "catalog"
TARIFF = HERE / "tariffs" / "mobile.yaml"
SELLER = HERE / "sellers" / "acme-de.yaml"
CDRS = HERE / "usage" / "Master.csv"
OUTPUT = Path("demo-output")
HISTORY_FROM = datetime(2026, 1, 1, tzinfo=UTC)
# Under `make` the output is not a terminal; Rich would then assume 80 columns.
console = Console(width=None if Console().is_terminal else 110)


def main() -> None:
    settings = from_environment()
    console.rule("[bold]tarifa demo")
    done = initialize(settings)
    where = f"embedded server in {settings.home}" if settings.embedded else "TARIFA_DATABASE_URL"
    console.print(
        f"1. database ready ({where}): "
        + ("created, " if done.created else "already there, ")
        + f"{len(done.applied)} migrations applied"
    )

    with tarifa.connect(done.url, actor="demo") as billing:
        report = _import(billing)
        _show_import(report)
        _show_customers(billing)
        _lookup_by_phone_number(billing)
        _load_catalogs(billing)
        _quote(billing)
        _add_seller(billing)
        _subscribe(billing)
        _import_and_rate_usage(billing)
        _bill_month(billing)
        _write_documents(billing)
        _get_paid(billing, settings.home)
        _verify_audit(billing, settings.home)
    console.rule()
    console.print("Try: [bold].venv/bin/tarifa customers list --country FR[/]")
    console.print(
        "     [bold].venv/bin/tarifa catalog quote mobile-business -u minutes=1500 "
        "-u data_gb=2.5 --quantity 12[/]"
    )


def _import(billing: Billing) -> ImportReport:
    with Progress(
        TextColumn("2. importing customers.csv"),
        BarColumn(),
        TaskProgressColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("import", total=None)

        def advance(step: ImportProgress) -> None:
            bar.update(task, completed=step.done, total=step.total, description=step.stage)

        # The example accounts come over from a previous system with their history: their
        # phone numbers and account codes hold usage from the start of the year on.
        return billing.customers.import_csv(
            CUSTOMERS_CSV, progress=advance, identifiers_from=HISTORY_FROM
        )


def _show_import(report: ImportReport) -> None:
    console.print(
        f"2. imported {report.file}: {report.received} rows received = "
        f"[green]{report.accepted} new[/] + {report.unchanged} unchanged + "
        f"[red]{report.rejected} rejected[/]"
    )
    if report.accepted == 0 and report.unchanged:
        console.print("   (every good row was already there: re-importing changes nothing)")
    if report.rejections:
        console.print(rejections_table(report, "3. rejected rows, each with every reason"))


def _show_customers(billing: Billing) -> None:
    customers = billing.customers.list(limit=1000)
    by_country = Counter(c.country for c in customers)
    by_currency = Counter(c.currency for c in customers)
    console.print(
        f"   {len(customers)} customers in countries "
        + ", ".join(f"{country} {n}" for country, n in sorted(by_country.items()))
    )
    console.print(
        "   currencies " + ", ".join(f"{cur} {n}" for cur, n in sorted(by_currency.items()))
    )
    table = Table(title="   a few of them", title_justify="left")
    for column in ("external id", "legal name", "kind", "country", "currency", "time zone", "BCD"):
        table.add_column(column)
    for c in customers[:5]:
        table.add_row(
            c.external_id,
            c.legal_name,
            str(c.kind),
            c.country,
            c.currency,
            c.time_zone,
            str(c.billing_cycle_day),
        )
    console.print(table)


def _lookup_by_phone_number(billing: Billing) -> None:
    for customer in billing.customers.list(limit=1000):
        numbers = [
            i for i in billing.customers.identifiers(customer.id) if i.kind is IdentifierKind.E164
        ]
        if numbers:
            number = numbers[0]
            now = datetime.now(UTC)
            owner = billing.customers.resolve(IdentifierKind.E164, number.value, now)
            before = billing.customers.resolve(
                IdentifierKind.E164, number.value, number.valid_from.replace(year=2000)
            )
            console.print(
                f"4. a call from {number.value} now belongs to account {owner} "
                f"({customer.legal_name}); one made in 2000 to "
                f"{'nobody' if before is None else before} (the number was not theirs then)"
            )
            return


def _load_catalogs(billing: Billing) -> None:
    for path in sorted(CATALOGS.glob("*.yaml")):
        report = billing.catalog.load(path)
        if report.changed:
            added = ", ".join(
                f"{len(codes)} {kind}" for kind, codes in report.created.items() if codes
            )
            console.print(f"5. catalog {path.name}: stored {added}")
        else:
            console.print(f"5. catalog {path.name}: already stored, nothing created")


def _quote(billing: Billing) -> None:
    usage = {"minutes": "350", "sms": "50", "data_mb": "7300"}
    quote = billing.catalog.quote(
        "mobile-s", usage=usage, period_start=date(2026, 3, 1), coupon="WELCOME10"
    )
    table = Table(
        title=f"   quote: Mobile S, March 2026, 350 min / 50 SMS / 7.3 GB, coupon WELCOME10 "
        f"({quote.currency}, before tax)",
        title_justify="left",
    )
    for column in ("line", "used", "free", "charged", "amount"):
        table.add_column(column, justify="left" if column == "line" else "right")
    for line in quote.lines:
        table.add_row(
            line.description + (" (promotion)" if line.promotion else ""),
            _plain(line.quantity),
            _plain(line.allowance_used),
            _plain(line.charged_quantity),
            f"{line.rounded:f}",
        )
    table.add_row("[bold]total[/]", "", "", "", f"[bold]{quote.total:f}[/]")
    console.print(table)


def _add_seller(billing: Billing) -> None:
    raw = yaml.safe_load(SELLER.read_text(encoding="utf-8"))
    try:
        seller = billing.sellers.get(raw["code"])
        done = "already stored"
    except NotFoundError:
        seller = billing.sellers.add(raw)
        done = "stored"
    first = seller.series.format(1, 2026)
    console.print(
        f"5. seller {seller.code} ({seller.legal_name}, VAT id {seller.vat_id}): {done}; its "
        f"invoices will be numbered {first}, ... and paid by transfer with references such as "
        f"{creditor_reference(first)}"
    )


def _import_and_rate_usage(billing: Billing) -> None:
    saved = billing.rating.load(TARIFF)
    state = f"stored as revision {saved.revision}" if saved.changed else "already current"
    console.print(f"7. tariff {saved.code} ({TARIFF.name}): {state}")
    report = billing.usage.import_file(
        CDRS, format="asterisk", source="pbx-fra1", timezone="Europe/Berlin"
    )
    console.print(
        f"   imported {CDRS.name}: {report.received} records received = "
        f"[green]{report.accepted} accepted[/] + {report.filtered} filtered (not answered) + "
        f"{report.duplicates} duplicates + [red]{report.quarantined} quarantined[/]"
    )
    if report.accepted == 0 and report.duplicates:
        console.print("   (every record was already stored: re-importing changes nothing)")
    quarantined = billing.usage.quarantine(source="pbx-fra1", limit=20)
    if quarantined:
        table = Table(title="   quarantined lines, each with its reason", title_justify="left")
        table.add_column("line", justify="right")
        table.add_column("reason")
        for line in quarantined:
            table.add_row(str(line.line), Text(line.reason))
        console.print(table)
    run = billing.rating.run()
    costs = ", ".join(f"{currency} {amount}" for currency, amount in run.costs.items())
    console.print(
        f"   rated {run.rated} records ({costs or 'nothing'}), {run.errors} rating errors"
    )
    reasons = {
        "currency_mismatch": "accounts in another currency than the tariff",
        "unauthorized_destination": "no rate for the destination",
        "no_rating_profile": "no rating profile for the subject",
    }
    refused = billing.rating.refusal_counts()
    if refused:
        console.print(
            "   refused records so far, by reason: "
            + "; ".join(f"{n} {code} ({reasons[code]})" for code, n in refused.items())
            + " - list them with: tarifa rate errors"
        )


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


# The billing month: October 2026, the month of examples/usage/Master.csv. Each account's
# story, and the numbers that call in the CDRs (moved from the account to the subscription).
OCTOBER = date(2026, 10, 1)
SUBSCRIPTIONS = (
    ("CRM-DE-000034", "mobile-s", {}, "Mobile S"),
    ("CRM-FR-000225", "mobile-s", {"coupon": "WELCOME10"}, "coupon WELCOME10, billing day 15"),
    ("CRM-DE-000088", "mobile-s", {}, "cancelled from 20 Oct, unused days credited"),
    ("CRM-DE-000090", "fibre-300", {}, "upgraded to Fibre 1000 on 15 Oct"),
    ("CRM-IT-000131", "fibre-1000", {}, "14-day trial"),
    ("CRM-NL-000145", "mobile-business", {"quantity": 5}, "5 seats, reverse charge (NL)"),
)


def _subscribe(billing: Billing) -> None:
    """The month's subscriptions (once: a rerun finds them), numbers bound to them."""
    made = 0
    for external_id, plan, options, _story in SUBSCRIPTIONS:
        customer = billing.customers.get_by_external_id(external_id)
        if billing.subscriptions.of_account(customer.id):
            continue
        sub = billing.subscriptions.create(customer.id, plan, OCTOBER, **options)  # type: ignore[arg-type]
        zone = ZoneInfo(customer.time_zone)
        since = datetime(2026, 10, 1, tzinfo=zone)
        for identifier in billing.customers.identifiers(customer.id):
            if identifier.kind is IdentifierKind.E164 and identifier.valid_to is None:
                billing.customers.end_identifier(identifier.id, since)
                billing.subscriptions.bind(sub.id, "e164", identifier.value, since)
        made += 1
    state = f"{made} created" if made else "already there"
    console.print(
        f"6. subscriptions from 1 October 2026 for {len(SUBSCRIPTIONS)} accounts ({state}): "
        + "; ".join(f"{e} {story}" for e, _, _, story in SUBSCRIPTIONS)
    )


def _changes_in_october(billing: Billing) -> None:
    """After October was billed in advance: an upgrade on the 15th, a cancellation from the
    20th (once: a rerun finds them made)."""
    for external_id, plan, day in (
        ("CRM-DE-000090", "fibre-1000", date(2026, 10, 15)),
        ("CRM-DE-000088", None, date(2026, 10, 20)),
    ):
        (sub,) = billing.subscriptions.of_account(external_id)
        if len(sub.changes) > 1:
            continue
        if plan is None:
            billing.subscriptions.cancel(sub.id, on=day)
        else:
            billing.subscriptions.change_plan(sub.id, plan, on=day)
    console.print(
        "   in October: CRM-DE-000090 moves to Fibre 1000 on the 15th, CRM-DE-000088 cancels "
        "from the 20th; both are settled on the next invoice"
    )


def _bill_month(billing: Billing) -> None:
    """Bill runs on 1 October (fees in advance) and 1 November (October's usage, changes
    settled, November in advance), finalized at once."""
    try:
        billing.taxes.current()
    except NotFoundError:
        billing.taxes.load(HERE / "tax" / "vat-rates.json")
    for day in (OCTOBER, date(2026, 11, 1)):
        if day != OCTOBER:
            _changes_in_october(billing)
        run = billing.bill_runs.run(day, finalize=True)
        totals = ", ".join(f"{t.total} {t.currency}" for t in run.totals) or "nothing"
        console.print(
            f"8. bill run of {day}: {run.accounts} accounts, {run.drafted} invoices drafted, "
            f"{run.finalized} finalized (all the run's invoices: {totals}); "
            f"{len(run.failures)} failed"
        )
        for failure in run.failures:
            console.print(f"   [red]{failure.external_id}[/]: {failure.reason}")
    table = Table(title="   the month's invoices", title_justify="left")
    for column in ("number", "account", "billing date", "covers", "net", "VAT", "total"):
        table.add_column(column, justify="right" if column in ("net", "VAT", "total") else "left")
    for external_id, *_ in SUBSCRIPTIONS:
        for invoice in billing.invoices.of_account(external_id):
            categories = ", ".join(sorted({line.tax_category for line in invoice.lines}))
            table.add_row(
                str(invoice.number or "(draft)"),
                external_id,
                f"{invoice.billing_date}",
                f"{invoice.period_start:%d %b} - {invoice.period_end:%d %b}",
                f"{invoice.net}",
                f"{invoice.tax} ({categories})",
                f"{invoice.total} {invoice.currency}",
            )
    console.print(table)


def _write_documents(billing: Billing) -> None:
    """Every finalized invoice of the month as PDF, CSV of its lines, itemized usage and
    Factur-X, into ./demo-output/."""
    ids = [
        i
        for external_id, *_ in SUBSCRIPTIONS
        for i in billing.documents.finalized_of_account(external_id)
    ]
    written = billing.documents.render_many(ids, OUTPUT, ["pdf", "csv", "usage", "facturx"])
    console.print(
        f"9. documents: {len(written)} files for {len(ids)} invoices in {OUTPUT.name}/ "
        "(PDF in the customer's language, CSV lines, itemized usage, Factur-X EN 16931)"
    )


def _verify_audit(billing: Billing, home: Path) -> None:
    result = billing.audit.verify()
    head = billing.audit.head()
    state = "[green]intact[/]" if result.ok else f"[red]broken at row {result.row_id}[/]"
    console.print(f"11. audit log {state}: {result.rows} rows, hash-chained")
    if head is not None:
        head_file = home / "audit-head.json"
        head_file.parent.mkdir(parents=True, exist_ok=True)
        head_file.write_text(json.dumps({"id": head.id, "hash": head.hash}) + "\n")
        console.print(
            f"   head exported to {head_file}; later: tarifa audit verify --head-file {head_file}"
        )


COLLECTION_DAY = date(2026, 12, 1)
DUNNING_DAY = date(2026, 12, 8)
#: How each account pays (DOMAIN.md "Payments"): sandbox card tokens behave like the big
#: gateways' public test cards; CRM-IT-000131 pays by bank transfer (no method stored).
PAYERS = (
    ("CRM-DE-000034", {"kind": "card", "token": "pm_card_visa", "last4": "4242"}),
    ("CRM-FR-000225", {"kind": "card", "token": "pm_card_chargeDeclinedInsufficientFunds",
                       "last4": "9995"}),
    ("CRM-DE-000088", {"kind": "card", "token": "pm_card_createDispute", "last4": "0259"}),
    ("CRM-NL-000145", {"kind": "card", "token": "pm_card_visa", "last4": "4242"}),
    ("CRM-DE-000090", {"kind": "sepa_debit", "iban": "DE02 1203 0000 0000 2020 51",
                       "mandate_id": "ACME-M-000090", "mandate_signed_on": "2026-09-28"}),
)  # fmt: skip


def _get_paid(billing: Billing, home: Path) -> None:
    """Step 10: payment methods, card collection through the sandbox gateway (run in a thread
    here; `tarifa sandbox serve` runs it as a process), SEPA export, a bank statement, a
    dispute, dunning, then the aging and the trial balance. Safe to run again: every step is
    idempotent (charges by key, statements by entry, dunning by invoice and day)."""
    for external_id, method in PAYERS:
        if not billing.payment_methods.of_account(external_id):
            card = {"gateway": "sandbox", "brand": "visa", "exp_month": 12, "exp_year": 2030}
            details = card | method if method["kind"] == "card" else method
            billing.payment_methods.add(external_id, details, today=date(2026, 9, 28))
    server = serve("127.0.0.1", 0, home / "sandbox-charges.jsonl")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        _collect_cards(billing, url)
    finally:
        server.shutdown()
        server.server_close()
    _direct_debit_and_statement(billing)
    report = billing.payments.dunning(on=DUNNING_DAY)
    steps = ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items())) or "none new"
    console.print(
        f"   dunning on {DUNNING_DAY}: {report.overdue} overdue invoices; steps taken: {steps}; "
        f"{len(report.suspended)} subscriptions suspended"
    )
    _show_aging_and_trial_balance(billing)


def _collect_cards(billing: Billing, url: str) -> None:
    """Collect on 1 December: the NL card's answer comes after the client gave up (unknown),
    and asking the gateway settles it; the disputed card's dispute is opened from the
    gateway's event, then won with the evidence sent."""
    sandbox = SandboxGateway(url, timeout=0.5)
    pending = [i for i in billing.invoices.of_account("CRM-NL-000145") if i.balance > 0]
    if pending:  # the first run only: later runs find everything paid
        sandbox.delay_next(1.5, count=len(pending))
    report = billing.payments.collect(sandbox, on=COLLECTION_DAY)
    declined = ", ".join(f"{number} ({code})" for number, code in report.declined) or "none"
    console.print(
        f"10. card collection of {COLLECTION_DAY}: {report.attempted} charges, "
        f"{report.succeeded} succeeded, {report.failed} declined: {declined}; "
        f"{report.unknown} unknown"
    )
    if report.unknown:
        time.sleep(1.5)  # the gateway has answered meanwhile; the client did not hear it
        settled = billing.payments.resolve(SandboxGateway(url), older_than=0)
        console.print(
            f"   resolved by asking the gateway: {settled.succeeded} succeeded, "
            f"{settled.failed} failed (charged once: {len(sandbox.log())} charges in its log)"
        )
    for event in sandbox.events():
        dispute = billing.payments.apply_gateway_event(event)
        if dispute is not None and dispute.status == "open":
            won = billing.payments.close_dispute(dispute.gateway_reference, won=True)
            console.print(
                f"   dispute {won.gateway_reference} on {won.amount} {won.currency} "
                f"({won.reason}): opened from the gateway's event, {won.status}"
            )


def _direct_debit_and_statement(billing: Billing) -> None:
    """The SEPA batch of 1 December, then the bank's statement of 2 December: the debit is
    booked (the pending payment succeeds), CRM-IT-000131 pays by transfer with its RF
    reference, and a transfer nobody can place waits in the review queue."""
    OUTPUT.mkdir(exist_ok=True)
    batch = billing.payments.export_direct_debits(COLLECTION_DAY, OUTPUT / "sepa-2026-12-01.xml")
    console.print(
        f"   SEPA direct debits of {COLLECTION_DAY}: {batch.debits} ({batch.first} first, "
        f"{batch.recurring} recurring), {batch.total} EUR"
        + (f" in {batch.path}" if batch.debits else " (exported before)")
    )
    debited = [i for i in billing.invoices.of_account("CRM-DE-000090") if i.total > 0]
    transfer = [i for i in billing.invoices.of_account("CRM-IT-000131") if i.total > 0]
    bookings = [
        Booking(amount=str(sum(i.total for i in debited)), reference="SDD-20261201",
                details=tuple(Detail(amount=i.total, text=f"SEPA debit {i.number}",
                                     reference=i.number) for i in debited)),
        *(Booking(amount=str(i.total), reference=f"TRF-{i.number}",
                  details=(Detail(creditor_reference=i.creditor_reference,
                                  payer_iban="IT60 X054 2811 1010 0000 0123 456"),))
          for i in transfer),
        Booking(amount="42.00", reference="TRF-UNKNOWN",
                details=(Detail(text="Rechnung Oktober", payer_iban="DE75512108001245126199"),)),
    ]  # fmt: skip
    seller = billing.sellers.issuer(None)
    statement = OUTPUT / "camt053-2026-12-02.xml"
    statement.write_bytes(camt(bookings, booked=date(2026, 12, 2), account=seller.iban))
    counts = billing.reconciliation.import_file(statement).counts()
    console.print(
        f"   bank statement of 2 December: {counts['transactions']} transactions, "
        f"{counts['matched']} matched, {counts['unmatched']} left for review, "
        f"{counts['already_imported']} imported before"
    )


def _show_aging_and_trial_balance(billing: Billing) -> None:
    aging = Table(title=f"   receivables aging on {DUNNING_DAY}", title_justify="left")
    for column in ("account", "current", "1-30", "31-60", "61-90", "90+", "total"):
        aging.add_column(column, justify="left" if column == "account" else "right")
    for row in billing.ledger.aging(DUNNING_DAY):
        aging.add_row(
            row.external_id,
            *(f"{v}" for v in (row.current, row.days_1_30, row.days_31_60, row.days_61_90,
                               row.days_over_90, row.total)),
        )  # fmt: skip
    console.print(aging)
    rows = billing.ledger.trial_balance()
    trial = Table(title="   trial balance", title_justify="left")
    for column in ("ledger account", "debit", "credit"):
        trial.add_column(column, justify="left" if column == "ledger account" else "right")
    for kinds, group in groupby(sorted(rows, key=lambda r: r.kind), key=lambda r: r.kind):
        members = list(group)
        trial.add_row(
            f"{kinds} ({len(members)})",
            f"{sum(r.debit for r in members)}",
            f"{sum(r.credit for r in members)}",
        )
    debit, credit = sum(r.debit for r in rows), sum(r.credit for r in rows)
    trial.add_row("[bold]total[/]", f"[bold]{debit}[/]", f"[bold]{credit}[/]")
    console.print(trial)
    console.print(f"   debits - credits = {debit - credit}")


if __name__ == "__main__":
    main()
