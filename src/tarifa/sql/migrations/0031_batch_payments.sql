-- Payments and reconciliation in batches (issue 6, "Performance"; docs/BENCHMARKS.md).
--
-- An invoice's balance for a few invoices without aggregating every allocation in the
-- database: invoice_balances_of(ids) is the invoice_balances view's rule restricted to the
-- invoices given (each aggregate filtered by them before grouping), and the view becomes
-- invoice_balances_of(NULL): every invoice, planned exactly as before (the SQL function is
-- inlined and the NULL test folds away). A batch of payments reads its accounts' open
-- invoices through it; a join to the view would group the whole allocation table each time.
-- The rule is the one of migration 0028 (write-offs, lost chargebacks, open line disputes).
CREATE FUNCTION invoice_balances_of(p_invoices bigint[])
RETURNS TABLE (invoice_id bigint, credited numeric, allocated numeric, prepaid numeric,
               balance numeric, state text, written_off numeric, disputed numeric)
LANGUAGE sql
STABLE
AS $$
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
LEFT JOIN (SELECT n.invoice_id, sum(n.total) AS credited FROM credit_notes n
           WHERE p_invoices IS NULL OR n.invoice_id = ANY(p_invoices)
           GROUP BY n.invoice_id) c
    ON c.invoice_id = i.id
LEFT JOIN (SELECT x.invoice_id,
                  sum(x.amount) FILTER (WHERE x.source <> 'write_off') AS allocated,
                  sum(x.amount) FILTER (WHERE x.source = 'customer_credit') AS prepaid,
                  sum(x.amount) FILTER (WHERE x.source = 'write_off') AS written_off
           FROM invoice_allocations x
           LEFT JOIN payments p ON p.id = x.payment_id
           WHERE (p.id IS NULL OR p.status NOT IN ('returned', 'reversed'))
             AND (p_invoices IS NULL OR x.invoice_id = ANY(p_invoices))
           GROUP BY x.invoice_id) a
    ON a.invoice_id = i.id
LEFT JOIN (SELECT s.invoice_id, sum(s.amount) AS charged_back FROM disputes s
           WHERE s.status = 'lost' AND s.kind = 'chargeback'
             AND (p_invoices IS NULL OR s.invoice_id = ANY(p_invoices))
           GROUP BY s.invoice_id) d
    ON d.invoice_id = i.id
LEFT JOIN (SELECT s.invoice_id, sum(s.amount) AS disputed FROM disputes s
           WHERE s.status = 'open' AND s.kind = 'line'
             AND (p_invoices IS NULL OR s.invoice_id = ANY(p_invoices))
           GROUP BY s.invoice_id) l
    ON l.invoice_id = i.id
WHERE p_invoices IS NULL OR i.id = ANY(p_invoices)
$$;

CREATE OR REPLACE VIEW invoice_balances AS
SELECT * FROM invoice_balances_of(NULL);

-- What reconciliation looks invoices up by, a batch of bank transactions at a time: the RF
-- creditor reference, the number without its separators (as payers and banks write it), and
-- the IBAN of a direct-debit payer (written with or without spaces). And the payments that
-- name an invoice (a direct debit awaiting its booking, a collection attempt).
CREATE INDEX invoices_creditor_reference ON invoices (creditor_reference)
    WHERE status = 'finalized';
CREATE INDEX invoices_compact_number ON invoices (
    (upper(regexp_replace(number, '[^A-Za-z0-9]', '', 'g')))) WHERE status = 'finalized';
CREATE INDEX payment_methods_iban ON payment_methods ((upper(replace(iban, ' ', ''))))
    WHERE kind = 'sepa_debit';
CREATE INDEX payments_invoice ON payments (invoice_id) WHERE invoice_id IS NOT NULL;
