-- Credit notes and allocations (DOMAIN.md "Invoices"; src/tarifa/invoices/).
--
-- A credit note corrects a finalized invoice: it references it, carries lines of its own
-- (positive amounts: the document type says it credits), is numbered in its seller's series
-- when it is issued and is frozen from then on; all credit notes of an invoice never exceed
-- its total. An allocation is money applied to an invoice (a payment, customer credit), kept
-- apart from the frozen invoice. An invoice's state (open, partially paid, paid, overdue,
-- void) is derived from both: invoice_balances.

CREATE TABLE credit_notes (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id  bigint      NOT NULL REFERENCES invoices (id),
    seller_id   bigint      NOT NULL REFERENCES sellers (id),
    account_id  bigint      NOT NULL REFERENCES customers (id),
    currency    char(3)     NOT NULL,
    number      text        NOT NULL,
    issue_date  date        NOT NULL,
    reason      text        NOT NULL,
    net         numeric     NOT NULL,
    tax         numeric     NOT NULL,
    total       numeric     NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text        NOT NULL,
    CONSTRAINT credit_notes_number_key UNIQUE (seller_id, number),
    CONSTRAINT credit_notes_total_check CHECK (total > 0),
    CONSTRAINT credit_notes_reason_check CHECK (length(btrim(reason)) BETWEEN 1 AND 500)
);
CREATE INDEX credit_notes_invoice ON credit_notes (invoice_id);

CREATE TABLE credit_note_lines (
    credit_note_id   bigint  NOT NULL REFERENCES credit_notes (id),
    position         integer NOT NULL,
    -- The invoice line it credits, when it credits one line (else an amount of the invoice).
    invoice_position integer,
    description      text    NOT NULL,
    quantity         numeric,
    amount           numeric NOT NULL,
    net              numeric NOT NULL,
    tax_category     text    NOT NULL,
    tax_percent      numeric NOT NULL,
    tax_note         text,
    PRIMARY KEY (credit_note_id, position),
    CONSTRAINT credit_note_lines_category_check CHECK (tax_category IN ('S', 'AE', 'O', 'E'))
);

CREATE TABLE invoice_allocations (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   bigint      NOT NULL REFERENCES invoices (id),
    amount       numeric     NOT NULL,
    -- Where the money comes from: a payment, or the customer's credit (EN 16931 BT-113).
    source       text        NOT NULL,
    reference    text,
    allocated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor        text        NOT NULL,
    CONSTRAINT invoice_allocations_amount_check CHECK (amount > 0),
    CONSTRAINT invoice_allocations_source_check CHECK (source IN ('payment', 'customer_credit'))
);
CREATE INDEX invoice_allocations_invoice ON invoice_allocations (invoice_id);

-- An invoice's balance and state. void: credited in full; paid: nothing left to pay (an
-- invoice of zero or less owes nothing); overdue: something left after its due date;
-- partially_paid: something paid, something left; open: nothing paid yet.
CREATE VIEW invoice_balances AS
SELECT i.id AS invoice_id,
       coalesce(c.credited, 0) AS credited,
       coalesce(a.allocated, 0) AS allocated,
       i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0) AS balance,
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
LEFT JOIN (SELECT invoice_id, sum(amount) AS allocated FROM invoice_allocations
           GROUP BY invoice_id) a
    ON a.invoice_id = i.id;
