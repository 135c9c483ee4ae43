"""Bank-statement reconciliation (DOMAIN.md "Reconciliation"): camt.053/054 and MT940 files
read into statements, entries and transactions (pure parsers), each transaction keyed and
matched to an invoice, applied as a payment received or left in a review queue."""
