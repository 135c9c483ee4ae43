-- Disputes (DOMAIN.md "Payments"; src/tarifa/payments/disputes.py): a card chargeback opens a
-- dispute on a payment (open -> won | lost). While open, its invoice is left out of dunning;
-- lost, the money goes back to the payer: the invoice owes it again (a chargeback, posted to
-- the ledger).

CREATE TABLE disputes (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id        bigint      NOT NULL REFERENCES payments (id),
    invoice_id        bigint      REFERENCES invoices (id),
    account_id        bigint      NOT NULL REFERENCES customers (id),
    amount            numeric     NOT NULL,
    currency          char(3)     NOT NULL,
    status            text        NOT NULL DEFAULT 'open',
    reason            text        NOT NULL,
    gateway_reference text        NOT NULL,
    opened_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    closed_at         timestamptz,
    actor             text        NOT NULL,
    CONSTRAINT disputes_reference_key UNIQUE (gateway_reference),
    CONSTRAINT disputes_amount_check CHECK (amount > 0),
    CONSTRAINT disputes_status_check CHECK (status IN ('open', 'won', 'lost')),
    CONSTRAINT disputes_closed_check CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX disputes_invoice ON disputes (invoice_id);

ALTER TABLE journal_entries ADD COLUMN dispute_id bigint REFERENCES disputes (id);
CREATE UNIQUE INDEX journal_entries_dispute ON journal_entries (dispute_id)
    WHERE kind = 'chargeback';

-- A lost dispute takes back what its payment paid of the invoice.
DROP VIEW invoice_balances;
CREATE VIEW invoice_balances AS
SELECT i.id AS invoice_id,
       coalesce(c.credited, 0) AS credited,
       coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) AS allocated,
       coalesce(a.prepaid, 0) AS prepaid,
       greatest(i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                + coalesce(d.charged_back, 0), 0) AS balance,
       CASE
           WHEN i.status = 'draft' THEN 'draft'
           WHEN i.total > 0 AND coalesce(c.credited, 0) = i.total THEN 'void'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                + coalesce(d.charged_back, 0) <= 0 THEN 'paid'
           WHEN i.due_date < current_date THEN 'overdue'
           WHEN coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) > 0 THEN 'partially_paid'
           ELSE 'open'
       END AS state
FROM invoices i
LEFT JOIN (SELECT invoice_id, sum(total) AS credited FROM credit_notes GROUP BY invoice_id) c
    ON c.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, sum(amount) AS allocated,
                  sum(amount) FILTER (WHERE source = 'customer_credit') AS prepaid
           FROM invoice_allocations GROUP BY invoice_id) a
    ON a.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, sum(amount) AS charged_back FROM disputes
           WHERE status = 'lost' GROUP BY invoice_id) d
    ON d.invoice_id = i.id;
