-- Refunds (DOMAIN.md "Payments"; src/tarifa/payments/refunds.py): money given back to a
-- customer from its customer credit, never more than the payment it goes back against:
-- through the gateway of a card payment, or as a SEPA credit transfer (pain.001) for a
-- transfer or direct-debit payment.

CREATE TABLE refunds (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id        bigint      NOT NULL REFERENCES payments (id),
    account_id        bigint      NOT NULL REFERENCES customers (id),
    amount            numeric     NOT NULL,
    currency          char(3)     NOT NULL,
    method            text        NOT NULL,
    status            text        NOT NULL DEFAULT 'pending',
    idempotency_key   text        NOT NULL,
    reason            text        NOT NULL,
    -- credit transfer: where the money goes
    iban              text,
    bic               text,
    gateway_reference text,
    failure_code      text,
    exported_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor             text        NOT NULL,
    CONSTRAINT refunds_idempotency_key UNIQUE (idempotency_key),
    CONSTRAINT refunds_amount_check CHECK (amount > 0),
    CONSTRAINT refunds_method_check CHECK (method IN ('gateway', 'credit_transfer')),
    CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'failed', 'unknown')),
    CONSTRAINT refunds_transfer_check CHECK (method <> 'credit_transfer' OR iban IS NOT NULL)
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_account ON refunds (account_id);

ALTER TABLE journal_entries ADD COLUMN refund_id bigint REFERENCES refunds (id);
CREATE UNIQUE INDEX journal_entries_refund ON journal_entries (refund_id) WHERE kind = 'refund';
