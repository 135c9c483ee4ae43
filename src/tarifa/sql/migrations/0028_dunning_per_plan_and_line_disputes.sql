-- Dunning per plan, reminder e-mails and write-offs; evidence, deadlines and invoice-line
-- disputes (issue 6 points 8 and 9; docs/payments.md "Disputes", "Dunning").

-- A plan may carry its dunning schedule ("DAY:ACTION,...", src/tarifa/catalog/dunning.py);
-- none: the installation's.
ALTER TABLE catalog_plans
    ADD COLUMN dunning text,
    ADD CONSTRAINT catalog_plans_dunning_check CHECK (
        dunning ~ '^[0-9]+:(remind|retry|suspend|write_off)(,[0-9]+:(remind|retry|suspend|write_off))*$');

-- Disputes are of two kinds: a card chargeback from the gateway (on a payment, with the
-- gateway's deadline for evidence), or a customer's dispute of one invoice line (an amount up
-- to the line's gross amount; won, a credit note for it; lost, it is owed).
ALTER TABLE disputes
    ADD COLUMN kind            text NOT NULL DEFAULT 'chargeback',
    ADD COLUMN line_position   integer,
    -- The net amount a won line dispute credits (its `amount` is the gross).
    ADD COLUMN net             numeric,
    ADD COLUMN evidence_due_by timestamptz,
    ADD COLUMN credit_note_id  bigint REFERENCES credit_notes (id),
    ALTER COLUMN payment_id DROP NOT NULL,
    ALTER COLUMN gateway_reference DROP NOT NULL;
ALTER TABLE disputes ALTER COLUMN kind DROP DEFAULT;
-- Chargebacks opened before deadlines were kept get the sandbox's default: 7 days.
UPDATE disputes SET evidence_due_by = opened_at + interval '7 days';
ALTER TABLE disputes
    ADD CONSTRAINT disputes_kind_check CHECK (kind IN ('chargeback', 'line')),
    ADD CONSTRAINT disputes_shape_check CHECK (CASE kind
        WHEN 'chargeback' THEN payment_id IS NOT NULL AND gateway_reference IS NOT NULL
                               AND evidence_due_by IS NOT NULL AND line_position IS NULL
        ELSE invoice_id IS NOT NULL AND line_position IS NOT NULL AND net > 0
             AND payment_id IS NULL AND gateway_reference IS NULL
    END),
    -- A line dispute won by the customer is settled by its credit note, in one transaction.
    ADD CONSTRAINT disputes_credit_note_check CHECK (
        (kind = 'line' AND status = 'won') = (credit_note_id IS NOT NULL));
CREATE INDEX disputes_open_lines ON disputes (invoice_id) WHERE kind = 'line' AND status = 'open';

-- Evidence notes added by people, appended, never changed (sql/functions/payments.sql).
CREATE TABLE dispute_notes (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dispute_id bigint      NOT NULL REFERENCES disputes (id),
    note       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor      text        NOT NULL,
    CONSTRAINT dispute_notes_note_check CHECK (length(btrim(note)) BETWEEN 1 AND 4000)
);
CREATE INDEX dispute_notes_dispute ON dispute_notes (dispute_id);

-- A write-off is an allocation of its own kind: what is left of the invoice stops being
-- receivable and becomes an expense (ledger: write-offs +, receivable -), once per invoice.
ALTER TABLE invoice_allocations
    DROP CONSTRAINT invoice_allocations_source_check,
    ADD CONSTRAINT invoice_allocations_source_check CHECK (
        source IN ('payment', 'customer_credit', 'write_off'));
CREATE UNIQUE INDEX invoice_allocations_write_off ON invoice_allocations (invoice_id)
    WHERE source = 'write_off';
CREATE UNIQUE INDEX journal_entries_write_off ON journal_entries (allocation_id)
    WHERE kind = 'write_off';

-- Dunning steps may write off; a step that sends a notice records it before the e-mail goes
-- out (mail `pending`, committed), then marks it `sent` (or `cancelled`: the invoice was paid
-- meanwhile; `no_address`: the customer has no e-mail address).
ALTER TABLE dunning_events
    DROP CONSTRAINT dunning_events_action_check,
    ADD CONSTRAINT dunning_events_action_check CHECK (
        action IN ('remind', 'retry', 'suspend', 'write_off', 'resume')),
    ADD COLUMN notice     text,
    ADD COLUMN mail       text,
    ADD COLUMN mail_error text,
    ADD COLUMN message_id text,
    ADD COLUMN sent_at    timestamptz,
    ADD CONSTRAINT dunning_events_notice_check CHECK (
        notice IN ('reminder_1', 'reminder_2', 'suspension', 'write_off')),
    ADD CONSTRAINT dunning_events_mail_check CHECK (
        mail IN ('pending', 'sent', 'cancelled', 'no_address')),
    ADD CONSTRAINT dunning_events_mail_notice_check CHECK ((notice IS NULL) = (mail IS NULL)),
    ADD CONSTRAINT dunning_events_sent_check CHECK ((mail = 'sent') = (sent_at IS NOT NULL));
CREATE INDEX dunning_events_unsent ON dunning_events (id) WHERE mail = 'pending';

-- Balances: write-offs are not payments (`allocated` leaves them out; `written_off` and the
-- state `written_off` say what happened); only lost chargebacks are owed again; `disputed`
-- is what open line disputes hold back from collection and dunning.
CREATE OR REPLACE VIEW invoice_balances AS
SELECT i.id AS invoice_id,
       coalesce(c.credited, 0) AS credited,
       coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) AS allocated,
       coalesce(a.prepaid, 0) AS prepaid,
       greatest(i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                - coalesce(a.written_off, 0) + coalesce(d.charged_back, 0), 0) AS balance,
       CASE
           WHEN i.status = 'draft' THEN 'draft'
           WHEN i.total > 0 AND coalesce(c.credited, 0) = i.total THEN 'void'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                - coalesce(a.written_off, 0) + coalesce(d.charged_back, 0) <= 0
                AND coalesce(a.written_off, 0) > 0 THEN 'written_off'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                + coalesce(d.charged_back, 0) <= 0 THEN 'paid'
           WHEN i.due_date < current_date THEN 'overdue'
           WHEN coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) > 0 THEN 'partially_paid'
           ELSE 'open'
       END AS state,
       coalesce(a.written_off, 0) AS written_off,
       coalesce(l.disputed, 0) AS disputed
FROM invoices i
LEFT JOIN (SELECT invoice_id, sum(total) AS credited FROM credit_notes GROUP BY invoice_id) c
    ON c.invoice_id = i.id
LEFT JOIN (SELECT x.invoice_id,
                  sum(x.amount) FILTER (WHERE x.source <> 'write_off') AS allocated,
                  sum(x.amount) FILTER (WHERE x.source = 'customer_credit') AS prepaid,
                  sum(x.amount) FILTER (WHERE x.source = 'write_off') AS written_off
           FROM invoice_allocations x
           LEFT JOIN payments p ON p.id = x.payment_id
           WHERE p.id IS NULL OR p.status NOT IN ('returned', 'reversed')
           GROUP BY x.invoice_id) a
    ON a.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, sum(amount) AS charged_back FROM disputes
           WHERE status = 'lost' AND kind = 'chargeback' GROUP BY invoice_id) d
    ON d.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, sum(amount) AS disputed FROM disputes
           WHERE status = 'open' AND kind = 'line' GROUP BY invoice_id) l
    ON l.invoice_id = i.id;
