"""`make demo`: tarifa's main job so far, end to end, on the embedded database.

1. start the private PostgreSQL server (./.tarifa), create and migrate tarifa's database;
2. import examples/customers.csv (a few hundred customers, a few deliberately bad rows);
3. show what was accepted and what was rejected, and why;
4. look a customer up by a phone number at a point in time;
5. load the example catalogs (mobile operator, fibre ISP, video streaming) and quote a month;
   add the seller that will issue the invoices (examples/sellers/acme-de.yaml);
6. load the example tariff, import a month of Asterisk CDRs (examples/usage/Master.csv) and
   rate them with the batch rater, showing what was filtered, quarantined and refused;
7. subscribe a few accounts to Mobile S from 1 March 2026, draft and finalize the invoice of
   each one's first billing period (up to its billing cycle day: numbered by the seller, with
   VAT and an RF payment reference);
8. verify the audit log and export its head.

Running it again is safe: the import recognises every customer and the catalog loads create
nothing the second time.
Later issues extend the demo to a whole billing month.
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
from tarifa.billing import Period
from tarifa.billing.draft import draft_lines
from tarifa.billing.taxes import read_vat_rates
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
MARCH = Period(date(2026, 3, 1), date(2026, 4, 1))
CDRS = HERE / "usage" / "Master.csv"
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
        _import_and_rate_usage(billing)
        _invoice_march(billing)
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
    console.print(f"6. tariff {saved.code} ({TARIFF.name}): {state}")
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


def _invoice_march(billing: Billing) -> None:
    """Five EUR accounts on Mobile S from 1 March, their first period's usage and invoice."""
    rates = read_vat_rates(HERE / "tax" / "vat-rates.json")
    catalog = billing.catalog.current()
    accounts = [c for c in billing.customers.list(limit=1000) if c.currency == "EUR"][:5]
    table = Table(title="7. first invoices (Mobile S from 1 March 2026)", title_justify="left")
    for column in ("number", "account", "period", "net", "VAT", "total", "pay with reference"):
        table.add_column(column, justify="right" if column in ("net", "VAT", "total") else "left")
    for n, customer in enumerate(accounts):
        subs = billing.subscriptions.of_account(customer.id)
        sub = (
            subs[0] if subs else billing.subscriptions.create(customer.id, "mobile-s", MARCH.start)
        )
        usage = {
            "minutes": Decimal(150 + 60 * n),
            "sms": Decimal(40 * n),
            "data_mb": Decimal(3000 + 900 * n),
        }
        cycle = billing.subscriptions.cycle_of(sub)
        period = next(cycle.periods(sub.started_on))
        lines = draft_lines(
            subscription_id=sub.id,
            history=sub.timeline,
            catalog=catalog,
            cycle=cycle,
            period=period,
            period_index=0,
            currency=customer.currency,
            zone=ZoneInfo(customer.time_zone),
            usage=usage,
        )
        found = billing.invoices.of_account(customer.id)
        invoice = (
            found[0]
            if found
            else billing.invoices.draft(
                customer.id, seller="acme-de", period=MARCH, lines=lines, rates=rates
            )
        )
        invoice = billing.invoices.finalize(invoice.id, issue_date=MARCH.end)
        categories = sorted({line.tax_category for line in invoice.lines})
        table.add_row(
            str(invoice.number),
            customer.external_id,
            f"{period.start:%d %b} - {period.end:%d %b}",
            f"{invoice.net}",
            f"{invoice.tax} ({', '.join(categories)})",
            f"{invoice.total} {invoice.currency}",
            str(invoice.creditor_reference),
        )
    console.print(table)


def _verify_audit(billing: Billing, home: Path) -> None:
    result = billing.audit.verify()
    head = billing.audit.head()
    state = "[green]intact[/]" if result.ok else f"[red]broken at row {result.row_id}[/]"
    console.print(f"8. audit log {state}: {result.rows} rows, hash-chained")
    if head is not None:
        head_file = home / "audit-head.json"
        head_file.parent.mkdir(parents=True, exist_ok=True)
        head_file.write_text(json.dumps({"id": head.id, "hash": head.hash}) + "\n")
        console.print(
            f"   head exported to {head_file}; later: tarifa audit verify --head-file {head_file}"
        )


if __name__ == "__main__":
    main()
