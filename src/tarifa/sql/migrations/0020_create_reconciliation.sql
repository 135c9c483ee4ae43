-- Bank-statement reconciliation (DOMAIN.md "Reconciliation"; src/tarifa/reconciliation/).
-- A statement file is read into statements of entries of transactions; each transaction is
-- stored once under its key (account IBAN, booking date and the bank's reference, or a hash
-- where the bank gave none), so a booking notified in a camt.054 and listed again in the
-- camt.053, or a statement imported twice, is applied once. A transaction is matched (an
-- exact payment of an invoice), partially matched (a payment of another amount, the rest
-- going as the allocation rules say), queued for review (no match, a debit, a reversal) or
-- matched by hand from the queue.

CREATE TABLE reconciliation_statements (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- camt.053, camt.054 or mt940.
    kind          text        NOT NULL,
    identifier    text        NOT NULL,
    account       text        NOT NULL,
    -- SHA-256 of the file and the statement's place in it: the same statement imported
    -- again is not stored twice.
    fingerprint   text        NOT NULL,
    entries       integer     NOT NULL,
    file_name     text,
    imported_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor         text        NOT NULL,
    CONSTRAINT reconciliation_statements_fingerprint UNIQUE (fingerprint),
    CONSTRAINT reconciliation_statements_kind_check CHECK (
        kind IN ('camt.053', 'camt.054', 'mt940'))
);

CREATE TABLE reconciliation_transactions (
    id                   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key                  text        NOT NULL,
    -- The statement it was first seen in.
    statement_id         bigint      NOT NULL REFERENCES reconciliation_statements (id),
    entry_position       integer     NOT NULL,
    position             integer     NOT NULL,
    booking_date         date        NOT NULL,
    direction            text        NOT NULL,
    reversal             boolean     NOT NULL DEFAULT false,
    amount               numeric     NOT NULL,
    currency             char(3)     NOT NULL,
    bank_reference       text,
    structured_reference text,
    -- The payer's text, with anything that looks like a card number removed.
    remittance           text        NOT NULL DEFAULT '',
    payer_iban           text,
    payer_name           text,
    status               text        NOT NULL,
    -- Why it waits in the queue, or how it was matched.
    reason               text        NOT NULL,
    invoice_id           bigint      REFERENCES invoices (id),
    payment_id           bigint      REFERENCES payments (id),
    created_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor                text        NOT NULL,
    CONSTRAINT reconciliation_transactions_key UNIQUE (key),
    CONSTRAINT reconciliation_transactions_amount_check CHECK (amount > 0),
    CONSTRAINT reconciliation_transactions_direction_check CHECK (
        direction IN ('credit', 'debit')),
    CONSTRAINT reconciliation_transactions_status_check CHECK (
        status IN ('matched', 'partially_matched', 'queued', 'matched_by_hand', 'returned')),
    -- Applied means paid: a payment and the invoice it names; queued means neither.
    CONSTRAINT reconciliation_transactions_applied_check CHECK (
        (status = 'queued') = (payment_id IS NULL AND invoice_id IS NULL)),
    -- Only money received is applied; a debit is applied only as the return of a direct
    -- debit (with its reason code); other debits and reversals wait for a person.
    CONSTRAINT reconciliation_transactions_credit_check CHECK (
        status = 'queued' OR (status = 'returned') = (direction = 'debit' OR reversal))
);
CREATE INDEX reconciliation_transactions_queue ON reconciliation_transactions (id)
    WHERE status = 'queued';
CREATE UNIQUE INDEX reconciliation_transactions_payment ON reconciliation_transactions (
    payment_id) WHERE payment_id IS NOT NULL AND status <> 'returned';
