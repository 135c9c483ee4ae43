-- The double-entry ledger: balance, immutability and posting (DOMAIN.md "Ledger and audit";
-- tables in migrations/0017_create_ledger.sql, the pure twin in src/tarifa/ledger/postings.py).

-- An entry balances in every currency, checked when the transaction commits (its lines go
-- in over several statements).
CREATE OR REPLACE FUNCTION journal_entry_balanced() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM journal_lines l
        JOIN ledger_accounts a ON a.id = l.ledger_account_id
        WHERE l.entry_id = NEW.entry_id
        GROUP BY a.currency
        HAVING sum(l.debit) <> sum(l.credit)
    ) THEN
        RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS journal_lines_balanced ON journal_lines;
CREATE CONSTRAINT TRIGGER journal_lines_balanced
AFTER INSERT ON journal_lines
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced();

-- Posted is posted: a mistake is corrected by a new entry, never by editing one.
CREATE OR REPLACE TRIGGER journal_entries_frozen
BEFORE UPDATE OR DELETE ON journal_entries
FOR EACH ROW EXECUTE FUNCTION invoices_documents_frozen();
CREATE OR REPLACE TRIGGER journal_lines_frozen
BEFORE UPDATE OR DELETE ON journal_lines
FOR EACH ROW EXECUTE FUNCTION invoices_documents_frozen();

-- Post what the given invoices have not posted yet: each finalized invoice, its credit notes
-- and its allocations, one entry each, in the caller's transaction. Signed amounts, debit
-- positive:
--   invoice      receivable +total (an invoice of less than zero: customer credit), revenue
--                per product -net, VAT payable of the customer's country -tax;
--   credit note  revenue per credited line's product +net, VAT payable +tax, receivable
--                -(total - what went beyond the balance), customer credit -that beyond;
--   allocation   cash (a payment) or customer credit +amount, receivable -amount;
--   write-off    write-offs (bad debt) +amount, receivable -amount.
-- Receivable amounts name their invoice (aging). Returns the number of entries posted.
--
-- Planned to stay linear whatever the statistics say (a batch of thousands of payments posts
-- in one call, often before autovacuum has seen the entries of the batch before): each
-- document's entry id is drawn once, where the document is read, so that lines never have to
-- be joined back to their entries; "posted already" is an index probe per document (each
-- kind of document posts once: a unique index), and so is each amount's account, never a
-- join the planner could turn into a loop over a stale row estimate.
CREATE OR REPLACE FUNCTION ledger_post(p_invoices bigint[], p_actor text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    posted integer;
BEGIN
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_amounts (
        entry_id    bigint,
        source_kind text,
        source_id   bigint,
        invoice_id  bigint,
        effective   date,
        description text,
        kind        text,
        currency    char(3),
        subject     text,
        customer_id bigint,
        tagged      bigint,
        amount      numeric,
        -- The ledger account, found once the accounts are made.
        ledger_account bigint
    ) ON COMMIT DROP;
    TRUNCATE ledger_amounts;

    -- Invoices.
    WITH inv AS MATERIALIZED (
        SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) AS entry_id,
               i.id, i.account_id, i.currency, i.total, i.tax, i.issue_date, i.number,
               c.country
        FROM invoices i
        JOIN customers c ON c.id = i.account_id
        WHERE i.id = ANY(p_invoices) AND i.status = 'finalized'
          AND (SELECT e.id FROM journal_entries e
               WHERE e.invoice_id = i.id AND e.kind = 'invoice') IS NULL
    )
    INSERT INTO ledger_amounts
    SELECT entry_id, 'invoice', id, id, issue_date, 'invoice ' || number,
           CASE WHEN total >= 0 THEN 'receivable' ELSE 'customer_credit' END,
           currency, account_id::text, account_id,
           CASE WHEN total >= 0 THEN id END, total
    FROM inv
    UNION ALL
    SELECT inv.entry_id, 'invoice', inv.id, inv.id, inv.issue_date, 'invoice ' || inv.number,
           'revenue', inv.currency, coalesce(l.product, 'other'), NULL::bigint, NULL::bigint,
           -sum(l.net)
    FROM inv JOIN invoice_lines l ON l.invoice_id = inv.id
    GROUP BY inv.entry_id, inv.id, inv.issue_date, inv.number, inv.currency,
             coalesce(l.product, 'other')
    UNION ALL
    SELECT entry_id, 'invoice', id, id, issue_date, 'invoice ' || number, 'tax_payable',
           currency, country, NULL::bigint, NULL::bigint, -tax
    FROM inv;

    -- Credit notes.
    WITH note AS MATERIALIZED (
        SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) AS entry_id,
               n.id, n.invoice_id, n.account_id, n.currency, n.total, n.tax, n.issue_date,
               n.number, c.country,
               coalesce((SELECT sum(k.amount) FROM customer_credits k
                         WHERE k.credit_note_id = n.id), 0) AS beyond
        FROM credit_notes n
        JOIN customers c ON c.id = n.account_id
        WHERE n.invoice_id = ANY(p_invoices)
          AND (SELECT e.id FROM journal_entries e
               WHERE e.credit_note_id = n.id AND e.kind = 'credit_note') IS NULL
    )
    INSERT INTO ledger_amounts
    SELECT note.entry_id, 'credit_note', note.id, note.invoice_id, note.issue_date,
           'credit note ' || note.number, 'revenue', note.currency,
           coalesce(il.product, 'other'), NULL::bigint, NULL::bigint, sum(nl.net)
    FROM note
    JOIN credit_note_lines nl ON nl.credit_note_id = note.id
    LEFT JOIN invoice_lines il
        ON il.invoice_id = note.invoice_id AND il.position = nl.invoice_position
    GROUP BY note.entry_id, note.id, note.invoice_id, note.issue_date, note.number,
             note.currency, coalesce(il.product, 'other')
    UNION ALL
    SELECT entry_id, 'credit_note', id, invoice_id, issue_date, 'credit note ' || number,
           'tax_payable', currency, country, NULL::bigint, NULL::bigint, tax
    FROM note
    UNION ALL
    SELECT entry_id, 'credit_note', id, invoice_id, issue_date, 'credit note ' || number,
           'receivable', currency, account_id::text, account_id, invoice_id, -(total - beyond)
    FROM note
    UNION ALL
    SELECT entry_id, 'credit_note', id, invoice_id, issue_date, 'credit note ' || number,
           'customer_credit', currency, account_id::text, account_id, NULL::bigint, -beyond
    FROM note;

    -- Allocations (a write-off is one of its own kind: the write-offs expense account, not
    -- cash or credit, takes what the receivable gives up).
    WITH alloc AS MATERIALIZED (
        SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) AS entry_id,
               a.id, a.invoice_id, a.amount, a.source, a.allocated_at, i.account_id,
               i.currency, i.number,
               CASE a.source WHEN 'write_off' THEN 'write_off' ELSE 'allocation' END AS entry
        FROM invoice_allocations a
        JOIN invoices i ON i.id = a.invoice_id
        WHERE a.invoice_id = ANY(p_invoices)
          -- Two probes, each on its partial unique index (one probe on kind IN (...) can
          -- use neither, and scanned the journal once per allocation).
          AND (SELECT e.id FROM journal_entries e
               WHERE e.allocation_id = a.id AND e.kind = 'allocation') IS NULL
          AND (SELECT e.id FROM journal_entries e
               WHERE e.allocation_id = a.id AND e.kind = 'write_off') IS NULL
    )
    INSERT INTO ledger_amounts
    SELECT entry_id, entry, id, invoice_id, allocated_at::date,
           replace(source, '_', ' ') || ' for invoice ' || number,
           CASE source WHEN 'payment' THEN 'cash' WHEN 'write_off' THEN 'write_offs'
                       ELSE 'customer_credit' END, currency,
           CASE source WHEN 'payment' THEN 'bank' WHEN 'write_off' THEN 'bad_debt'
                       ELSE account_id::text END,
           CASE WHEN source IN ('payment', 'write_off') THEN NULL ELSE account_id END,
           NULL::bigint, amount
    FROM alloc
    UNION ALL
    SELECT entry_id, entry, id, invoice_id, allocated_at::date,
           replace(source, '_', ' ') || ' for invoice ' || number, 'receivable', currency,
           account_id::text, account_id, invoice_id, -amount
    FROM alloc;

    INSERT INTO ledger_accounts (kind, currency, subject, customer_id)
    SELECT DISTINCT kind, currency, subject, customer_id FROM ledger_amounts
    ORDER BY 1, 2, 3
    ON CONFLICT (kind, currency, subject) DO NOTHING;
    UPDATE ledger_amounts la
    SET ledger_account = (SELECT a.id FROM ledger_accounts a
                          WHERE a.kind = la.kind AND a.currency = la.currency
                            AND a.subject = la.subject);
    -- Accounts are taken in a fixed order (shared locks: posters never wait for each other,
    -- and an account cannot go away under an entry).
    PERFORM 1 FROM ledger_accounts a
    WHERE a.id = ANY(ARRAY(SELECT DISTINCT ledger_account FROM ledger_amounts))
    ORDER BY a.id
    FOR KEY SHARE;

    INSERT INTO journal_entries (id, kind, invoice_id, credit_note_id, allocation_id,
                                 effective_date, description, actor)
    OVERRIDING SYSTEM VALUE
    SELECT DISTINCT ON (entry_id) entry_id, source_kind, invoice_id,
           CASE WHEN source_kind = 'credit_note' THEN source_id END,
           CASE WHEN source_kind IN ('allocation', 'write_off') THEN source_id END,
           effective, description, p_actor
    FROM ledger_amounts
    ORDER BY entry_id;
    GET DIAGNOSTICS posted = ROW_COUNT;

    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    SELECT entry_id,
           row_number() OVER (PARTITION BY entry_id ORDER BY amount DESC, ledger_account),
           ledger_account, tagged, greatest(amount, 0), greatest(-amount, 0)
    FROM ledger_amounts
    WHERE amount <> 0;
    RETURN posted;
END;
$$;

-- The id of an account, made when first posted to.
CREATE OR REPLACE FUNCTION ledger_account_id(p_kind text, p_currency char(3), p_subject text,
                                             p_customer bigint)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    found bigint;
BEGIN
    INSERT INTO ledger_accounts (kind, currency, subject, customer_id)
    VALUES (p_kind, p_currency, p_subject, p_customer)
    ON CONFLICT (kind, currency, subject) DO NOTHING;
    SELECT id INTO found FROM ledger_accounts
    WHERE kind = p_kind AND currency = p_currency AND subject = p_subject;
    RETURN found;
END;
$$;

-- One entry moving `p_amount` from `p_credit` to `p_debit` (a document's entry: the kind and
-- the id of the document it is for), the accounts taken in id order as ledger_post takes
-- them; a receivable debit names `p_invoice` (aging).
CREATE OR REPLACE FUNCTION ledger_post_transfer(
    p_kind text, p_debit bigint, p_credit bigint, p_amount numeric, p_description text,
    p_actor text, p_invoice bigint DEFAULT NULL, p_payment bigint DEFAULT NULL,
    p_refund bigint DEFAULT NULL, p_dispute bigint DEFAULT NULL,
    p_effective date DEFAULT current_date)
RETURNS bigint
LANGUAGE plpgsql
AS $$
DECLARE
    entry bigint;
BEGIN
    PERFORM 1 FROM ledger_accounts WHERE id IN (p_debit, p_credit) ORDER BY id FOR KEY SHARE;
    INSERT INTO journal_entries (kind, invoice_id, payment_id, refund_id, dispute_id,
                                 effective_date, description, actor)
    VALUES (p_kind, p_invoice, p_payment, p_refund, p_dispute, p_effective, p_description,
            p_actor)
    RETURNING id INTO entry;
    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    VALUES (entry, 1, p_debit,
            CASE WHEN (SELECT kind FROM ledger_accounts WHERE id = p_debit) = 'receivable'
                 THEN p_invoice END,
            p_amount, 0),
           (entry, 2, p_credit, NULL, 0, p_amount);
    RETURN entry;
END;
$$;

-- The part of a succeeded payment that no invoice took, kept as customer credit: cash
-- +amount, customer credit -amount (its allocations post with their invoices).
CREATE OR REPLACE FUNCTION ledger_post_payment_credit(p_payment bigint, p_actor text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    credit customer_credits%ROWTYPE;
BEGIN
    SELECT * INTO credit FROM customer_credits
    WHERE payment_id = p_payment AND source = 'payment';
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE payment_id = p_payment AND kind = 'payment') THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post_transfer(
        'payment',
        ledger_account_id('cash', credit.currency, 'bank', NULL),
        ledger_account_id('customer_credit', credit.currency, credit.account_id::text,
                          credit.account_id),
        credit.amount, 'payment ' || p_payment || ' kept as customer credit', p_actor,
        p_payment => p_payment,
        p_effective => coalesce((SELECT received_on FROM payments WHERE id = p_payment),
                                current_date));
    RETURN 1;
END;
$$;

-- ledger_post_payment_credit for many payments at once (a batch of payments received): one
-- entry per payment that left credit and has not posted it, the accounts made and taken in
-- id order first, as ledger_post takes them (and, like it, with the entry ids drawn up front
-- and "posted already" probed per payment).
CREATE OR REPLACE FUNCTION ledger_post_payment_credits(p_payments bigint[], p_actor text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    posted integer;
BEGIN
    INSERT INTO ledger_accounts (kind, currency, subject, customer_id)
    SELECT DISTINCT a.kind, a.currency, a.subject, a.customer_id
    FROM customer_credits k
    CROSS JOIN LATERAL (VALUES ('cash', k.currency, 'bank', NULL::bigint),
                               ('customer_credit', k.currency, k.account_id::text, k.account_id))
        AS a (kind, currency, subject, customer_id)
    WHERE k.payment_id = ANY(p_payments) AND k.source = 'payment'
    ORDER BY 1, 2, 3
    ON CONFLICT (kind, currency, subject) DO NOTHING;

    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_credit_postings (
        entry_id   bigint,
        payment_id bigint,
        amount     numeric,
        cash       bigint,
        held       bigint,
        effective  date
    ) ON COMMIT DROP;
    TRUNCATE ledger_credit_postings;
    INSERT INTO ledger_credit_postings
    SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')), k.payment_id, k.amount,
           (SELECT a.id FROM ledger_accounts a
            WHERE a.kind = 'cash' AND a.currency = k.currency AND a.subject = 'bank'),
           (SELECT a.id FROM ledger_accounts a
            WHERE a.kind = 'customer_credit' AND a.currency = k.currency
              AND a.subject = k.account_id::text),
           coalesce((SELECT p.received_on FROM payments p WHERE p.id = k.payment_id),
                    current_date)
    FROM customer_credits k
    WHERE k.payment_id = ANY(p_payments) AND k.source = 'payment'
      AND (SELECT e.id FROM journal_entries e
           WHERE e.payment_id = k.payment_id AND e.kind = 'payment') IS NULL;

    PERFORM 1 FROM ledger_accounts a
    WHERE a.id = ANY(ARRAY(SELECT cash FROM ledger_credit_postings
                           UNION SELECT held FROM ledger_credit_postings))
    ORDER BY a.id
    FOR KEY SHARE;

    INSERT INTO journal_entries (id, kind, payment_id, effective_date, description, actor)
    OVERRIDING SYSTEM VALUE
    SELECT entry_id, 'payment', payment_id, effective,
           'payment ' || payment_id || ' kept as customer credit', p_actor
    FROM ledger_credit_postings
    ORDER BY entry_id;
    GET DIAGNOSTICS posted = ROW_COUNT;

    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    SELECT entry_id, 1, cash, NULL::bigint, amount, 0 FROM ledger_credit_postings
    UNION ALL
    SELECT entry_id, 2, held, NULL::bigint, 0, amount FROM ledger_credit_postings;
    RETURN posted;
END;
$$;

-- A refund that went out: customer credit +amount (tarifa owes less), cash -amount.
CREATE OR REPLACE FUNCTION ledger_post_refund(p_refund bigint, p_actor text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    refund refunds%ROWTYPE;
BEGIN
    SELECT * INTO refund FROM refunds WHERE id = p_refund AND status = 'succeeded';
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE refund_id = p_refund AND kind = 'refund') THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post_transfer(
        'refund',
        ledger_account_id('customer_credit', refund.currency, refund.account_id::text,
                          refund.account_id),
        ledger_account_id('cash', refund.currency, 'bank', NULL),
        refund.amount, 'refund ' || p_refund || ': ' || refund.reason, p_actor,
        p_refund => p_refund);
    RETURN 1;
END;
$$;

-- A lost dispute: the money goes back to the payer, the invoice owes it again: receivable
-- +amount (naming the invoice), cash -amount.
CREATE OR REPLACE FUNCTION ledger_post_chargeback(p_dispute bigint, p_actor text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    dispute disputes%ROWTYPE;
BEGIN
    SELECT * INTO dispute FROM disputes
    WHERE id = p_dispute AND status = 'lost' AND kind = 'chargeback';
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE dispute_id = p_dispute AND kind = 'chargeback') THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post_transfer(
        'chargeback',
        ledger_account_id('receivable', dispute.currency, dispute.account_id::text,
                          dispute.account_id),
        ledger_account_id('cash', dispute.currency, 'bank', NULL),
        dispute.amount, 'chargeback ' || dispute.gateway_reference || ': ' || dispute.reason,
        p_actor, p_invoice => dispute.invoice_id, p_dispute => p_dispute);
    RETURN 1;
END;
$$;

-- A returned payment (a direct debit sent back): what it paid is owed again, what it left as
-- credit is taken back: receivable +allocated per invoice, customer credit +its credit, cash
-- -amount.
CREATE OR REPLACE FUNCTION ledger_post_payment_return(p_payment bigint, p_actor text)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    pay payments%ROWTYPE;
    entry bigint;
    cash bigint;
    owed bigint;
    held bigint;
BEGIN
    SELECT * INTO pay FROM payments WHERE id = p_payment AND status IN ('returned', 'reversed');
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE payment_id = p_payment AND kind = 'chargeback') THEN
        RETURN 0;
    END IF;
    cash := ledger_account_id('cash', pay.currency, 'bank', NULL);
    owed := ledger_account_id('receivable', pay.currency, pay.account_id::text, pay.account_id);
    held := ledger_account_id('customer_credit', pay.currency, pay.account_id::text,
                              pay.account_id);
    PERFORM 1 FROM ledger_accounts WHERE id IN (cash, owed, held) ORDER BY id FOR KEY SHARE;
    INSERT INTO journal_entries (kind, payment_id, invoice_id, effective_date, description,
                                 actor)
    VALUES ('chargeback', p_payment, pay.invoice_id, current_date,
            'payment ' || p_payment || ' returned: ' || coalesce(pay.failure_code, ''), p_actor)
    RETURNING id INTO entry;
    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    SELECT entry, row_number() OVER (ORDER BY part, invoice_id), account, invoice_id, amount, 0
    FROM (
        SELECT 1 AS part, a.invoice_id, sum(a.amount) AS amount, owed AS account
        FROM invoice_allocations a WHERE a.payment_id = p_payment GROUP BY a.invoice_id
        UNION ALL
        SELECT 2, NULL, sum(c.amount), held
        FROM customer_credits c WHERE c.payment_id = p_payment
        HAVING sum(c.amount) > 0
    ) parts;
    INSERT INTO journal_lines (entry_id, position, ledger_account_id, debit, credit)
    VALUES (entry, 1000, cash, 0, pay.amount);
    RETURN 1;
END;
$$;
