-- Returned payments (a direct debit the payer's bank sent back after it was booked: reason
-- codes such as AC04, AC06, MD06, AM04): what they paid is owed again. Their allocations no
-- longer count in the invoices' balances (the allocations themselves stay, frozen).

CREATE OR REPLACE VIEW invoice_balances AS
SELECT i.id AS invoice_id,
       coalesce(c.credited, 0) AS credited,
       coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) AS allocated,
       coalesce(a.prepaid, 0) AS prepaid,
       greatest(i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                + coalesce(d.charged_back, 0), 0) AS balance,
       CASE
           WHEN i.status = 'draft' THEN 'draft'
           WHEN i.total > 0 AND coalesce(c.credited, 0) = i.total THEN 'void'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                + coalesce(d.charged_back, 0) <= 0 THEN 'paid'
           WHEN i.due_date < current_date THEN 'overdue'
           WHEN coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) > 0 THEN 'partially_paid'
           ELSE 'open'
       END AS state
FROM invoices i
LEFT JOIN (SELECT invoice_id, sum(total) AS credited FROM credit_notes GROUP BY invoice_id) c
    ON c.invoice_id = i.id
LEFT JOIN (SELECT x.invoice_id, sum(x.amount) AS allocated,
                  sum(x.amount) FILTER (WHERE x.source = 'customer_credit') AS prepaid
           FROM invoice_allocations x
           LEFT JOIN payments p ON p.id = x.payment_id
           WHERE p.id IS NULL OR p.status NOT IN ('returned', 'reversed')
           GROUP BY x.invoice_id) a
    ON a.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, sum(amount) AS charged_back FROM disputes
           WHERE status = 'lost' GROUP BY invoice_id) d
    ON d.invoice_id = i.id;
