"""The `tarifa` command: one Typer app, one sub-app per area."""

from __future__ import annotations

import sys

import typer

from tarifa.cli import api as api_commands
from tarifa.cli import audit as audit_commands
from tarifa.cli import bill_runs as bill_run_commands
from tarifa.cli import catalog as catalog_commands
from tarifa.cli import customers as customer_commands
from tarifa.cli import db as db_commands
from tarifa.cli import disputes as dispute_commands
from tarifa.cli import inventory as inventory_commands
from tarifa.cli import invoices as invoice_commands
from tarifa.cli import ledger as ledger_commands
from tarifa.cli import payment_methods as payment_method_commands
from tarifa.cli import payments as payment_commands
from tarifa.cli import rating as rating_commands
from tarifa.cli import reconcile as reconcile_commands
from tarifa.cli import refunds as refund_commands
from tarifa.cli import sandbox as sandbox_commands
from tarifa.cli import sellers as seller_commands
from tarifa.cli import sepa as sepa_commands
from tarifa.cli import subscriptions as subscription_commands
from tarifa.cli import usage as usage_commands
from tarifa.cli import webhooks as webhook_commands
from tarifa.cli.output import console, fail
from tarifa.errors import TarifaError

app = typer.Typer(
    name="tarifa",
    help="Billing for telecom and other service providers, on PostgreSQL.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("init")(db_commands.init)
app.add_typer(db_commands.app, name="db")
app.add_typer(customer_commands.app, name="customers")
app.add_typer(catalog_commands.app, name="catalog")
app.add_typer(audit_commands.app, name="audit")
app.add_typer(usage_commands.app, name="usage")
app.add_typer(rating_commands.tariff_app, name="tariff")
app.add_typer(rating_commands.rate_app, name="rate")
app.command("rerate")(rating_commands.rerate)
app.add_typer(seller_commands.app, name="sellers")
app.add_typer(subscription_commands.app, name="subscriptions")
app.add_typer(inventory_commands.app, name="inventory")
app.add_typer(invoice_commands.app, name="invoices")
app.command("bill-run")(bill_run_commands.bill_run)
app.add_typer(bill_run_commands.tax_app, name="tax")
app.add_typer(ledger_commands.app, name="ledger")
app.add_typer(ledger_commands.reports_app, name="reports")
app.add_typer(payment_method_commands.app, name="payment-methods")
app.add_typer(payment_commands.app, name="payments")
app.add_typer(payment_commands.dunning_app, name="dunning")
app.add_typer(dispute_commands.app, name="disputes")
app.add_typer(sandbox_commands.app, name="sandbox")
app.add_typer(sepa_commands.app, name="sepa")
app.add_typer(refund_commands.app, name="refunds")
app.command("serve")(api_commands.serve)
app.add_typer(api_commands.keys_app, name="apikeys")
app.add_typer(reconcile_commands.app, name="reconcile")
app.add_typer(webhook_commands.app, name="webhooks")


def main() -> None:
    try:
        app()
    except TarifaError as err:
        fail(err)
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
