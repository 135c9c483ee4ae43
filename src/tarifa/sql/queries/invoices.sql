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

-- name: balance
SELECT * FROM invoice_balances WHERE invoice_id = %(id)s

-- name: insert_credit_note
INSERT INTO credit_notes (invoice_id, seller_id, account_id, currency, number, issue_date,
                          reason, net, tax, total, actor)
VALUES (%(invoice_id)s, %(seller_id)s, %(account_id)s, %(currency)s, %(number)s,
        %(issue_date)s, %(reason)s, %(net)s, %(tax)s, %(total)s, %(actor)s)
RETURNING id

-- name: insert_credit_note_line
INSERT INTO credit_note_lines (credit_note_id, position, invoice_position, description,
                               quantity, amount, net, tax_category, tax_percent, tax_note)
VALUES (%(credit_note_id)s, %(position)s, %(invoice_position)s, %(description)s, %(quantity)s,
        %(amount)s, %(net)s, %(tax_category)s, %(tax_percent)s, %(tax_note)s)

-- name: credit_note
SELECT * FROM credit_notes WHERE id = %(id)s

-- name: credit_note_lines
SELECT * FROM credit_note_lines WHERE credit_note_id = %(id)s ORDER BY position

-- name: credit_notes_of_invoice
SELECT id FROM credit_notes WHERE invoice_id = %(id)s ORDER BY id

-- name: insert_allocation
INSERT INTO invoice_allocations (invoice_id, amount, source, reference, actor)
VALUES (%(invoice_id)s, %(amount)s, %(source)s, %(reference)s, %(actor)s)
RETURNING id

-- name: credit_note_exists
SELECT id FROM credit_notes WHERE id = %(id)s
