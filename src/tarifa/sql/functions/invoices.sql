-- A finalized invoice is frozen: its number, dates, parties, amounts and lines never change
-- (DOMAIN.md "Invoices"). Corrections go through credit notes.
CREATE OR REPLACE FUNCTION invoices_frozen() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.status = 'finalized' THEN
        RAISE EXCEPTION 'invoice % is finalized: it cannot be deleted', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'finalized'
       AND (NEW.status, NEW.number, NEW.creditor_reference, NEW.issue_date, NEW.due_date,
            NEW.seller_id, NEW.account_id, NEW.currency, NEW.period_start, NEW.period_end,
            NEW.net, NEW.tax, NEW.total, NEW.finalized_at)
           IS DISTINCT FROM
           (OLD.status, OLD.number, OLD.creditor_reference, OLD.issue_date, OLD.due_date,
            OLD.seller_id, OLD.account_id, OLD.currency, OLD.period_start, OLD.period_end,
            OLD.net, OLD.tax, OLD.total, OLD.finalized_at) THEN
        RAISE EXCEPTION 'invoice % is finalized: it cannot be changed', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE OR REPLACE TRIGGER invoices_frozen
BEFORE UPDATE OR DELETE ON invoices
FOR EACH ROW EXECUTE FUNCTION invoices_frozen();

-- Checked once per statement over its rows (transition tables), not once per row: a bill
-- run writes hundreds of thousands of lines with COPY.
CREATE OR REPLACE FUNCTION invoice_lines_frozen() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    frozen boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT EXISTS (SELECT 1 FROM new_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized') INTO frozen;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT EXISTS (SELECT 1 FROM old_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized')
            OR EXISTS (SELECT 1 FROM new_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized') INTO frozen;
    ELSE
        SELECT EXISTS (SELECT 1 FROM old_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized') INTO frozen;
    END IF;
    IF frozen THEN
        RAISE EXCEPTION 'the lines of a finalized invoice cannot be changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS invoice_lines_frozen ON invoice_lines;
CREATE OR REPLACE TRIGGER invoice_lines_frozen_insert
AFTER INSERT ON invoice_lines REFERENCING NEW TABLE AS new_lines
FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_frozen();
CREATE OR REPLACE TRIGGER invoice_lines_frozen_update
AFTER UPDATE ON invoice_lines REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines
FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_frozen();
CREATE OR REPLACE TRIGGER invoice_lines_frozen_delete
AFTER DELETE ON invoice_lines REFERENCING OLD TABLE AS old_lines
FOR EACH STATEMENT EXECUTE FUNCTION invoice_lines_frozen();

-- Credit notes are issued final and stay as issued; allocations are undone by new ones
-- (issue 6's reversals), never edited.
CREATE OR REPLACE FUNCTION invoices_documents_frozen() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot be changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE OR REPLACE TRIGGER credit_notes_frozen
BEFORE UPDATE OR DELETE ON credit_notes
FOR EACH ROW EXECUTE FUNCTION invoices_documents_frozen();
CREATE OR REPLACE TRIGGER credit_note_lines_frozen
BEFORE UPDATE OR DELETE ON credit_note_lines
FOR EACH ROW EXECUTE FUNCTION invoices_documents_frozen();
CREATE OR REPLACE TRIGGER invoice_allocations_frozen
BEFORE UPDATE OR DELETE ON invoice_allocations
FOR EACH ROW EXECUTE FUNCTION invoices_documents_frozen();

-- The customer credit an account still holds in a currency: what it was given, less what
-- invoices used and what was refunded (or is being refunded).
CREATE OR REPLACE FUNCTION customer_credit_available(p_account bigint, p_currency char(3))
RETURNS numeric
LANGUAGE sql STABLE
AS $$
    SELECT (SELECT coalesce(sum(c.amount), 0) FROM customer_credits c
            LEFT JOIN payments p ON p.id = c.payment_id
            WHERE c.account_id = p_account AND c.currency = p_currency
              -- a returned payment takes its credit back
              AND (p.id IS NULL OR p.status NOT IN ('returned', 'reversed')))
         - (SELECT coalesce(sum(a.amount), 0) FROM invoice_allocations a
            JOIN invoices j ON j.id = a.invoice_id
            WHERE j.account_id = p_account AND j.currency = p_currency
              AND a.source = 'customer_credit')
         - (SELECT coalesce(sum(r.amount), 0) FROM refunds r
            WHERE r.account_id = p_account AND r.currency = p_currency
              AND r.status <> 'failed')
$$;
