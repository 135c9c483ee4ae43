-- Payments (DOMAIN.md "Payments"; src/tarifa/payments/). A payment is money from a customer:
-- received (a bank transfer booked, a payment entered by hand) or, with the gateways, an
-- attempt to collect: pending -> succeeded | failed | unknown, later returned or reversed.
-- Its idempotency key makes a repeated request the same payment. What it pays is kept as
-- allocations to invoices (the invoice named, else the oldest open ones) and what is left as
-- customer credit.

CREATE TABLE payments (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        bigint      NOT NULL REFERENCES customers (id),
    method_id         bigint      REFERENCES payment_methods (id),
    kind              text        NOT NULL,
    amount            numeric     NOT NULL,
    currency          char(3)     NOT NULL,
    status            text        NOT NULL DEFAULT 'pending',
    idempotency_key   text        NOT NULL,
    -- The invoice the payer named (its number or RF reference), if any.
    invoice_id        bigint      REFERENCES invoices (id),
    reference         text,
    gateway           text,
    gateway_reference text,
    failure_code      text,
    failure_message   text,
    received_on       date,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor             text        NOT NULL,
    CONSTRAINT payments_idempotency_key UNIQUE (idempotency_key),
    CONSTRAINT payments_amount_check CHECK (amount > 0),
    CONSTRAINT payments_kind_check CHECK (kind IN ('card', 'sepa_debit', 'bank_transfer')),
    CONSTRAINT payments_status_check CHECK (status IN (
        'pending', 'succeeded', 'failed', 'unknown', 'returned', 'reversed'))
);
CREATE INDEX payments_account ON payments (account_id);

ALTER TABLE invoice_allocations ADD COLUMN payment_id bigint REFERENCES payments (id);
CREATE INDEX invoice_allocations_payment ON invoice_allocations (payment_id)
    WHERE payment_id IS NOT NULL;
ALTER TABLE customer_credits ADD COLUMN payment_id bigint REFERENCES payments (id);
-- A payment leaves at most one credit.
CREATE UNIQUE INDEX customer_credits_payment ON customer_credits (payment_id)
    WHERE source = 'payment';

ALTER TABLE journal_entries ADD COLUMN payment_id bigint REFERENCES payments (id);
-- The part of a payment kept as customer credit posts once.
CREATE UNIQUE INDEX journal_entries_payment ON journal_entries (payment_id)
    WHERE kind = 'payment';
