-- name: invoices_by_number
-- Numbers are unique per seller (invoices_number_key); two sellers may share one, so the
-- caller is told when a number is ambiguous.
SELECT id, seller_id FROM invoices WHERE number = %(number)s ORDER BY id

-- name: seller_code
SELECT code FROM sellers WHERE id = %(id)s

-- name: finalized_of_account
SELECT id FROM invoices
WHERE account_id = %(account_id)s AND status = 'finalized'
ORDER BY period_start, id

-- name: usage_by_service
-- The billable records of the invoice's subscriptions that started in its period (the
-- period's local dates as instants in the account's zone), per service: count, usage in the
-- record's unit (events counted one each), and the rated cost in the invoice's currency
-- (before allowances; NULL when none was rated).
SELECT u.service, u.unit, count(*) AS records,
       sum(CASE WHEN u.unit = 'events' THEN 1 ELSE u.usage END) AS usage,
       sum(r.cost) AS cost
FROM usage_records u
LEFT JOIN rated_usage r
    ON r.usage_id = u.id AND r.started_at = u.started_at AND r.currency = %(currency)s
WHERE u.subscription_id = ANY(%(subscriptions)s)
  AND u.started_at >= %(starts)s AND u.started_at < %(ends)s
  AND u.status = 'billable'
GROUP BY u.service, u.unit
ORDER BY u.service, u.unit

-- name: top_destinations
-- The destinations with the most billable records of the period (ties: more usage first).
SELECT u.service, u.destination, u.unit, count(*) AS records,
       sum(CASE WHEN u.unit = 'events' THEN 1 ELSE u.usage END) AS usage,
       sum(r.cost) AS cost
FROM usage_records u
LEFT JOIN rated_usage r
    ON r.usage_id = u.id AND r.started_at = u.started_at AND r.currency = %(currency)s
WHERE u.subscription_id = ANY(%(subscriptions)s)
  AND u.started_at >= %(starts)s AND u.started_at < %(ends)s
  AND u.status = 'billable'
  AND u.destination <> ''
GROUP BY u.service, u.destination, u.unit
ORDER BY count(*) DESC, sum(u.usage) DESC, u.destination
LIMIT %(limit)s

-- name: usage_items
-- Every record of the period, billable or filtered (the itemized history), in event order.
SELECT u.subscription_id, u.source, u.record_id, u.service, u.started_at, u.destination,
       u.usage, u.unit, u.status, u.disposition, r.cost, r.currency
FROM usage_records u
LEFT JOIN rated_usage r ON r.usage_id = u.id AND r.started_at = u.started_at
WHERE u.subscription_id = ANY(%(subscriptions)s)
  AND u.started_at >= %(starts)s AND u.started_at < %(ends)s
ORDER BY u.started_at, u.id

-- name: credit_notes_by_number
SELECT id FROM credit_notes WHERE number = %(number)s ORDER BY id

-- name: finalized_of_bill_run
SELECT id FROM invoices
WHERE bill_run_id = %(run_id)s AND status = 'finalized'
ORDER BY account_id, billing_date, id
