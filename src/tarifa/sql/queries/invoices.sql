-- name: upsert_draft
-- The draft of an account's period: created, or found again (its lines are then replaced).
-- A finalized invoice of the period is returned as it is (status tells the caller).
INSERT INTO invoices (seller_id, account_id, currency, period_start, period_end)
VALUES (%(seller_id)s, %(account_id)s, %(currency)s, %(period_start)s, %(period_end)s)
ON CONFLICT (account_id, period_start, period_end) DO UPDATE SET seller_id = invoices.seller_id
RETURNING *

-- name: delete_lines
DELETE FROM invoice_lines WHERE invoice_id = %(id)s

-- name: insert_line
INSERT INTO invoice_lines (invoice_id, position, subscription_id, kind, key, description,
                           service_start, service_end, quantity, amount, net, tax_category,
                           tax_percent, tax_note)
VALUES (%(invoice_id)s, %(position)s, %(subscription_id)s, %(kind)s, %(key)s, %(description)s,
        %(service_start)s, %(service_end)s, %(quantity)s, %(amount)s, %(net)s,
        %(tax_category)s, %(tax_percent)s, %(tax_note)s)

-- name: set_totals
UPDATE invoices SET net = %(net)s, tax = %(tax)s, total = %(total)s WHERE id = %(id)s

-- name: lock_invoice
SELECT * FROM invoices WHERE id = %(id)s FOR UPDATE

-- name: finalize
UPDATE invoices
SET status = 'finalized', number = %(number)s, creditor_reference = %(reference)s,
    issue_date = %(issue_date)s, due_date = %(due_date)s, finalized_at = now()
WHERE id = %(id)s AND status = 'draft'
RETURNING *

-- name: invoice
SELECT * FROM invoices WHERE id = %(id)s

-- name: lines
SELECT * FROM invoice_lines WHERE invoice_id = %(id)s ORDER BY position

-- name: invoices_of_account
SELECT * FROM invoices WHERE account_id = %(account_id)s ORDER BY period_start, id
