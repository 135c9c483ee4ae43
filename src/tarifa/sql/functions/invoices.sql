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

CREATE OR REPLACE FUNCTION invoice_lines_frozen() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    state text;
BEGIN
    SELECT status INTO state FROM invoices
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
    IF state = 'finalized' THEN
        RAISE EXCEPTION 'the lines of a finalized invoice cannot be changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

CREATE OR REPLACE TRIGGER invoice_lines_frozen
BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
FOR EACH ROW EXECUTE FUNCTION invoice_lines_frozen();
