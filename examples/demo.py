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
10. verify the audit log and export its head.

Running it again is safe: the import recognises every customer, the catalog loads, the
subscriptions and the CDRs create nothing the second time, and the bill runs find every
invoice made. (`make clean-demo` starts over.)
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
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
        f"   rated {run.rated} records ({costs or 'nothing'}), {run.errors} rating errors "
        "(e.g. no rate for the destination, or an account in another currency than the tariff)"
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
    console.print(f"10. audit log {state}: {result.rows} rows, hash-chained")
    if head is not None:
        head_file = home / "audit-head.json"
        head_file.parent.mkdir(parents=True, exist_ok=True)
        head_file.write_text(json.dumps({"id": head.id, "hash": head.hash}) + "\n")
        console.print(
            f"   head exported to {head_file}; later: tarifa audit verify --head-file {head_file}"
        )


if __name__ == "__main__":
    main()
