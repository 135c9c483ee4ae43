-- name: lock_invoice
SELECT * FROM invoices WHERE id = %(id)s FOR UPDATE

-- name: finalize
UPDATE invoices
SET status = 'finalized', number = %(number)s, creditor_reference = %(reference)s,
    issue_date = %(issue_date)s, due_date = %(due_date)s, finalized_at = clock_timestamp()
WHERE id = %(id)s AND status = 'draft'
RETURNING *

-- name: invoice
SELECT * FROM invoices WHERE id = %(id)s

-- name: lines
SELECT * FROM invoice_lines WHERE invoice_id = %(id)s ORDER BY position

-- name: invoices_of_account
SELECT * FROM invoices WHERE account_id = %(account_id)s ORDER BY billing_date, id
