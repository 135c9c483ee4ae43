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

-- name: invoice_with_balance
-- An invoice and what its payments, credit notes and disputes leave of it, in one round trip.
SELECT i.*, b.credited, b.allocated, b.prepaid, b.balance, b.state, b.written_off, b.disputed
FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.id = %(id)s

-- name: lines
SELECT * FROM invoice_lines WHERE invoice_id = %(id)s ORDER BY position

-- name: invoices_of_account
SELECT * FROM invoices WHERE account_id = %(account_id)s ORDER BY billing_date, id

-- name: list_invoices
-- Invoices in id order, a page at a time, filtered by account, status (draft / finalized),
-- state (open, partially_paid, paid, overdue, void: as of today) and billing dates.
SELECT i.id FROM invoices i
WHERE i.id > %(after_id)s
  AND (%(account_id)s::bigint IS NULL OR i.account_id = %(account_id)s)
  AND (%(status)s::text IS NULL OR i.status = %(status)s)
  AND (%(state)s::text IS NULL
       OR (SELECT b.state FROM invoice_balances b WHERE b.invoice_id = i.id) = %(state)s)
  AND (%(billed_from)s::date IS NULL OR i.billing_date >= %(billed_from)s)
  AND (%(billed_to)s::date IS NULL OR i.billing_date <= %(billed_to)s)
ORDER BY i.id
LIMIT %(limit)s

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

-- name: credited_by_line
-- What the invoice's credit notes took of each of its lines, net.
SELECT l.invoice_position, sum(l.net) AS net
FROM credit_note_lines l JOIN credit_notes n ON n.id = l.credit_note_id
WHERE n.invoice_id = %(id)s AND l.invoice_position IS NOT NULL
GROUP BY l.invoice_position

-- name: credit_notes_of_invoice
SELECT id FROM credit_notes WHERE invoice_id = %(id)s ORDER BY id

-- name: insert_allocation
INSERT INTO invoice_allocations (invoice_id, amount, source, reference, actor)
VALUES (%(invoice_id)s, %(amount)s, %(source)s, %(reference)s, %(actor)s)
RETURNING id

-- name: credit_note_exists
SELECT id FROM credit_notes WHERE id = %(id)s

-- name: grant_invoice_credits
-- Finalized invoices of zero or less: what they give back becomes the customer's credit.
INSERT INTO customer_credits (account_id, currency, amount, source, invoice_id, actor)
SELECT account_id, currency, -total, 'invoice', id, %(actor)s
FROM invoices
WHERE id = ANY(%(ids)s) AND status = 'finalized' AND total < 0
ON CONFLICT (invoice_id) WHERE source = 'invoice' DO NOTHING

-- name: apply_customer_credit
-- The accounts' customer credit allocated to their newly finalized invoices, oldest first,
-- as far as it goes.
WITH due AS (
    SELECT i.id, i.account_id, i.currency, i.total,
           coalesce(sum(i.total) OVER (PARTITION BY i.account_id, i.currency
                                       ORDER BY i.billing_date, i.id
                                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS before
    FROM invoices i
    WHERE i.id = ANY(%(ids)s) AND i.status = 'finalized' AND i.total > 0
), available AS (
    SELECT d.account_id, d.currency,
           customer_credit_available(d.account_id, d.currency) AS amount
    FROM (SELECT DISTINCT account_id, currency FROM due) d
    WHERE EXISTS (SELECT 1 FROM customer_credits c
                  WHERE c.account_id = d.account_id AND c.currency = d.currency)
)
INSERT INTO invoice_allocations (invoice_id, amount, source, reference, actor)
SELECT d.id, least(d.total, v.amount - d.before), 'customer_credit', 'customer credit',
       %(actor)s
FROM due d
JOIN available v ON v.account_id = d.account_id AND v.currency = d.currency
WHERE v.amount - d.before > 0

-- name: grant_credit_note_credit
INSERT INTO customer_credits (account_id, currency, amount, source, invoice_id, credit_note_id,
                              actor)
VALUES (%(account_id)s, %(currency)s, %(amount)s, 'credit_note', %(invoice_id)s,
        %(credit_note_id)s, %(actor)s)

-- name: available_credit
SELECT customer_credit_available(%(account_id)s, %(currency)s) AS available
