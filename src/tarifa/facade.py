"""`tarifa.connect()`: the library's front door, one service per billing area."""

from __future__ import annotations

import getpass
from types import TracebackType

from tarifa.audit import AuditLog
from tarifa.bill_runs import BillRuns
from tarifa.catalog.service import CatalogService
from tarifa.crm.service import Crm
from tarifa.customers.service import Customers
from tarifa.db.connection import Database, PooledDatabase
from tarifa.db.migrations import check_ready
from tarifa.db.server import server_url
from tarifa.db.settings import from_environment
from tarifa.documents.service import Documents
from tarifa.inventory.service import Inventory
from tarifa.invoices.service import Invoices
from tarifa.ledger import Ledger
from tarifa.orders.service import Orders
from tarifa.payments import PaymentMethods, Payments
from tarifa.payments.dispute_service import Disputes
from tarifa.payments.refunds import Refunds
from tarifa.rating.service import Rating
from tarifa.reconciliation.service import Reconciliation
from tarifa.sellers.service import Sellers
from tarifa.subscriptions.service import Subscriptions
from tarifa.taxes.service import TaxRatesStore
from tarifa.usage import Usage
from tarifa.webhooks import Webhooks


class Billing:
    """Services per area, sharing one database and one actor (who the audit log names)."""

    def __init__(self, db: Database, *, actor: str) -> None:
        self.db = db
        self.actor = actor
        self.audit = AuditLog(db)
        self.customers = Customers(db, actor=actor)
        self.catalog = CatalogService(db, actor=actor)
        self.usage = Usage(db, actor=actor)
        self.rating = Rating(db, actor=actor)
        self.sellers = Sellers(db, actor=actor)
        self.subscriptions = Subscriptions(db, actor=actor)
        self.inventory = Inventory(db, actor=actor)
        self.invoices = Invoices(db, actor=actor)
        self.taxes = TaxRatesStore(db, actor=actor)
        self.bill_runs = BillRuns(db, actor=actor)
        self.documents = Documents(db, actor=actor)
        self.ledger = Ledger(db, actor=actor)
        self.payment_methods = PaymentMethods(db, actor=actor)
        self.payments = Payments(db, actor=actor)
        self.refunds = Refunds(db, actor=actor)
        self.disputes = Disputes(db, actor=actor)
        self.reconciliation = Reconciliation(db, actor=actor)
        self.orders = Orders(db, actor=actor)
        self.crm = Crm(db, actor=actor)
        self.webhooks = Webhooks(db, actor=actor)

    def close(self) -> None:
        close = getattr(self.db, "close", None)
        if close is not None:
            close()

    def __enter__(self) -> Billing:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def connect(url: str | None = None, *, actor: str | None = None) -> Billing:
    """Open tarifa on `url`, else on TARIFA_DATABASE_URL, else on the embedded server.

    The schema must already be migrated (`tarifa init` or `tarifa db migrate`): otherwise,
    or when the server cannot be reached, DatabaseError says so at once.
    """
    resolved = url or server_url(from_environment())
    check_ready(resolved)
    return Billing(PooledDatabase(resolved), actor=actor or f"library:{getpass.getuser()}")
