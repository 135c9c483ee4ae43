-- The double-entry ledger (DOMAIN.md "Ledger and audit"; src/tarifa/ledger/). Accounts per
-- currency: a receivable and a customer-credit account per customer, revenue per product,
-- VAT payable per jurisdiction, cash per bank or gateway, refunds, write-offs. Every
-- finalized invoice, credit note and allocation posts one journal entry in the transaction
-- that makes it; a deferred constraint trigger refuses an entry whose debits and credits
-- differ in any currency, and entries and lines are never changed or deleted
-- (sql/functions/ledger.sql). Invoice lines now keep the product their revenue is booked to.

ALTER TABLE invoice_lines ADD COLUMN product text;

CREATE TABLE ledger_accounts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL,
    currency    char(3)     NOT NULL,
    -- What it is the account of: a customer's id (receivable, customer credit), a product
    -- code (revenue), a country (VAT payable), a bank or gateway (cash).
    subject     text        NOT NULL,
    customer_id bigint      REFERENCES customers (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_accounts_key UNIQUE (kind, currency, subject),
    CONSTRAINT ledger_accounts_kind_check CHECK (kind IN (
        'receivable', 'customer_credit', 'revenue', 'tax_payable', 'cash', 'refunds',
        'write_offs')),
    CONSTRAINT ledger_accounts_customer_check CHECK (
        (kind IN ('receivable', 'customer_credit')) = (customer_id IS NOT NULL))
);

CREATE TABLE journal_entries (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text        NOT NULL,
    invoice_id     bigint      REFERENCES invoices (id),
    credit_note_id bigint      REFERENCES credit_notes (id),
    allocation_id  bigint      REFERENCES invoice_allocations (id),
    effective_date date        NOT NULL,
    description    text        NOT NULL,
    posted_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor          text        NOT NULL,
    CONSTRAINT journal_entries_kind_check CHECK (kind IN (
        'invoice', 'credit_note', 'allocation', 'payment', 'refund', 'chargeback',
        'write_off'))
);
-- A document posts once.
CREATE UNIQUE INDEX journal_entries_invoice ON journal_entries (invoice_id)
    WHERE kind = 'invoice';
CREATE UNIQUE INDEX journal_entries_credit_note ON journal_entries (credit_note_id)
    WHERE kind = 'credit_note';
CREATE UNIQUE INDEX journal_entries_allocation ON journal_entries (allocation_id)
    WHERE kind = 'allocation';

CREATE TABLE journal_lines (
    entry_id          bigint  NOT NULL REFERENCES journal_entries (id),
    position          integer NOT NULL,
    ledger_account_id bigint  NOT NULL REFERENCES ledger_accounts (id),
    -- The invoice a receivable amount is about (accounts-receivable aging).
    invoice_id        bigint  REFERENCES invoices (id),
    debit             numeric NOT NULL DEFAULT 0,
    credit            numeric NOT NULL DEFAULT 0,
    PRIMARY KEY (entry_id, position),
    CONSTRAINT journal_lines_side_check CHECK (
        debit >= 0 AND credit >= 0 AND (debit > 0) <> (credit > 0))
);
CREATE INDEX journal_lines_account ON journal_lines (ledger_account_id);
CREATE INDEX journal_lines_invoice ON journal_lines (invoice_id) WHERE invoice_id IS NOT NULL;
