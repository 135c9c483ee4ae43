-- name: lock_payment
SELECT p.*, m.iban AS method_iban, m.bic AS method_bic
FROM payments p LEFT JOIN payment_methods m ON m.id = p.method_id
WHERE p.id = %(id)s FOR UPDATE OF p

-- name: lock_account
SELECT id FROM customers WHERE id = %(account_id)s FOR UPDATE

-- name: refunded
SELECT coalesce(sum(amount), 0) AS amount, count(*) AS refunds
FROM refunds WHERE payment_id = %(payment_id)s AND status <> 'failed'

-- name: available_credit
SELECT customer_credit_available(%(account_id)s, %(currency)s) AS available

-- name: insert
INSERT INTO refunds (payment_id, account_id, amount, currency, method, idempotency_key, reason,
                     iban, bic, actor)
VALUES (%(payment_id)s, %(account_id)s, %(amount)s, %(currency)s, %(method)s, %(key)s,
        %(reason)s, %(iban)s, %(bic)s, %(actor)s)
RETURNING *

-- name: lock
SELECT * FROM refunds WHERE id = %(id)s FOR UPDATE

-- name: settle
UPDATE refunds SET status = %(status)s, gateway_reference = %(reference)s,
                   failure_code = %(code)s, updated_at = clock_timestamp()
WHERE id = %(id)s
RETURNING *

-- name: post
SELECT ledger_post_refund(%(id)s, %(actor)s) AS posted

-- name: pending_transfers
SELECT r.*, c.legal_name FROM refunds r JOIN customers c ON c.id = r.account_id
WHERE r.method = 'credit_transfer' AND r.status = 'pending' AND r.currency = 'EUR'
ORDER BY r.id
FOR UPDATE OF r SKIP LOCKED

-- name: mark_exported
UPDATE refunds SET status = 'succeeded', exported_at = clock_timestamp(),
                   updated_at = clock_timestamp()
WHERE id = ANY(%(ids)s)
