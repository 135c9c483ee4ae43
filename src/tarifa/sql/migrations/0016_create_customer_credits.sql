-- Customer credit (DOMAIN.md "Invoices", "Payments"): money the provider owes a customer and
-- keeps for the next invoices: an invoice whose credits exceed its charges (a cancellation
-- credited), the part of a credit note beyond what was still due, and later overpayments.
-- It is used by allocating it to invoices (EN 16931 prepaid amount, BT-113), never as a
-- negative line.

CREATE TABLE customer_credits (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint      NOT NULL REFERENCES customers (id),
    currency       char(3)     NOT NULL,
    amount         numeric     NOT NULL,
    source         text        NOT NULL,
    invoice_id     bigint      REFERENCES invoices (id),
    credit_note_id bigint      REFERENCES credit_notes (id),
    reference      text,
    granted_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor          text        NOT NULL,
    CONSTRAINT customer_credits_amount_check CHECK (amount > 0),
    CONSTRAINT customer_credits_source_check CHECK (source IN ('invoice', 'credit_note', 'payment'))
);
CREATE INDEX customer_credits_account ON customer_credits (account_id, currency);
-- An invoice grants its credit once.
CREATE UNIQUE INDEX customer_credits_invoice ON customer_credits (invoice_id)
    WHERE source = 'invoice';

-- What is left to pay never goes below zero: an invoice of zero or less owes nothing (its
-- credit is the customer's), and what a credit note gives back beyond the balance is customer
-- credit. `prepaid`: the customer credit applied to it (shown on the invoice as BT-113).
DROP VIEW invoice_balances;
CREATE VIEW invoice_balances AS
SELECT i.id AS invoice_id,
       coalesce(c.credited, 0) AS credited,
       coalesce(a.allocated, 0) AS allocated,
       coalesce(a.prepaid, 0) AS prepaid,
       greatest(i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0), 0) AS balance,
       CASE
           WHEN i.status = 'draft' THEN 'draft'
           WHEN i.total > 0 AND coalesce(c.credited, 0) = i.total THEN 'void'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0) <= 0 THEN 'paid'
           WHEN i.due_date < current_date THEN 'overdue'
           WHEN coalesce(a.allocated, 0) > 0 THEN 'partially_paid'
           ELSE 'open'
       END AS state
FROM invoices i
LEFT JOIN (SELECT invoice_id, sum(total) AS credited FROM credit_notes GROUP BY invoice_id) c
    ON c.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, sum(amount) AS allocated,
                  sum(amount) FILTER (WHERE source = 'customer_credit') AS prepaid
           FROM invoice_allocations GROUP BY invoice_id) a
    ON a.invoice_id = i.id;

-- Invoices finalized before customer credit existed give theirs now.
INSERT INTO customer_credits (account_id, currency, amount, source, invoice_id, actor)
SELECT account_id, currency, -total, 'invoice', id, 'migration:0016'
FROM invoices
WHERE status = 'finalized' AND total < 0;
