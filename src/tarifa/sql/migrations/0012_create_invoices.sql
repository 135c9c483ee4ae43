-- Invoices and their lines (DOMAIN.md "Invoices"; src/tarifa/invoices/). A draft is
-- recomputable; finalizing gives it its seller's next number and an ISO 11649 creditor
-- reference and freezes it: a trigger (sql/functions/invoices.sql) refuses any change to a
-- finalized invoice's number, dates, parties, amounts and lines.

CREATE TABLE invoices (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id          bigint      NOT NULL REFERENCES sellers (id),
    account_id         bigint      NOT NULL REFERENCES customers (id),
    currency           char(3)     NOT NULL,
    -- The billing period it invoices, local dates [period_start, period_end).
    period_start       date        NOT NULL,
    period_end         date        NOT NULL,
    status             text        NOT NULL DEFAULT 'draft',
    number             text,
    creditor_reference text,
    issue_date         date,
    due_date           date,
    -- EN 16931 totals: sums of the rounded line nets, of the rounded VAT subtotals, and both.
    net                numeric     NOT NULL DEFAULT 0,
    tax                numeric     NOT NULL DEFAULT 0,
    total              numeric     NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    finalized_at       timestamptz,
    -- One invoice per account and period: a bill run that runs again finds it.
    CONSTRAINT invoices_period_key UNIQUE (account_id, period_start, period_end),
    CONSTRAINT invoices_number_key UNIQUE (seller_id, number),
    CONSTRAINT invoices_status_check CHECK (status IN ('draft', 'finalized')),
    CONSTRAINT invoices_finalized_check CHECK (
        (status = 'draft') = (number IS NULL AND issue_date IS NULL AND finalized_at IS NULL)),
    CONSTRAINT invoices_period_check CHECK (period_end > period_start)
);

CREATE TABLE invoice_lines (
    invoice_id      bigint  NOT NULL REFERENCES invoices (id),
    position        integer NOT NULL,
    subscription_id bigint  REFERENCES subscriptions (id),
    kind            text    NOT NULL,
    key             text    NOT NULL,
    description     text    NOT NULL,
    service_start   date    NOT NULL,
    service_end     date    NOT NULL,
    quantity        numeric,
    -- Precise, and rounded to the currency's minor unit (the line's net, EN 16931 BT-131).
    amount          numeric NOT NULL,
    net             numeric NOT NULL,
    tax_category    text    NOT NULL,
    tax_percent     numeric NOT NULL,
    tax_note        text,
    PRIMARY KEY (invoice_id, position),
    CONSTRAINT invoice_lines_category_check CHECK (tax_category IN ('S', 'AE', 'O', 'E'))
);
