-- name: claim_order
-- Take the order id. A concurrent transaction applying the same id waits here until this
-- one ends, then finds the row (or takes the id, if this one rolled back).
INSERT INTO orders (order_id, fingerprint, actor)
VALUES (%(order_id)s, %(fingerprint)s, %(actor)s)
ON CONFLICT (order_id) DO NOTHING
RETURNING order_id

-- name: order
SELECT order_id, fingerprint, account_id, result, received_at FROM orders
WHERE order_id = %(order_id)s

-- name: complete_order
UPDATE orders SET account_id = %(account_id)s, result = %(result)s
WHERE order_id = %(order_id)s

-- name: open_number_identifier
-- The usage identifier an order bound for a number on a subscription, still open at %(at)s.
SELECT id FROM usage_identifiers
WHERE kind = 'e164' AND value = %(value)s AND subscription_id = %(subscription_id)s
  AND (upper_inf(validity) OR upper(validity) > %(at)s)
ORDER BY lower(validity) DESC
LIMIT 1
