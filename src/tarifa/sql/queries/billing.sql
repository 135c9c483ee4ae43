-- name: create_windows
CREATE TEMPORARY TABLE billing_windows (
    n               integer     NOT NULL PRIMARY KEY,
    subscription_id bigint      NOT NULL,
    starts          timestamptz NOT NULL,
    ends            timestamptz NOT NULL,
    currency        char(3)     NOT NULL
) ON COMMIT DROP

-- name: copy_windows
COPY billing_windows (n, subscription_id, starts, ends, currency) FROM STDIN

-- name: usage_in_windows
-- Billable records (not filtered) of each window's subscription that started in it: usage
-- in the record's own unit (seconds, bytes), and events counted one each.
SELECT w.n, u.category,
       CASE WHEN u.unit = 'events' THEN 'events' ELSE u.unit END AS unit,
       sum(CASE WHEN u.unit = 'events' THEN 1 ELSE u.usage END) AS usage
FROM billing_windows w
JOIN usage_records u
    ON u.subscription_id = w.subscription_id
   AND u.started_at >= w.starts AND u.started_at < w.ends
WHERE u.status = 'billable'
  AND u.started_at >= (SELECT min(starts) FROM billing_windows)
  AND u.started_at < (SELECT max(ends) FROM billing_windows)
GROUP BY w.n, u.category, 3

-- name: rated_in_windows
-- The rated records' precise cost, per category, in the window's (the invoice's) currency.
SELECT w.n, u.category, sum(r.precise_cost) AS cost
FROM billing_windows w
JOIN usage_records u
    ON u.subscription_id = w.subscription_id
   AND u.started_at >= w.starts AND u.started_at < w.ends
JOIN rated_usage r ON r.usage_id = u.id AND r.started_at = u.started_at
WHERE r.currency = w.currency
  AND u.started_at >= (SELECT min(starts) FROM billing_windows)
  AND u.started_at < (SELECT max(ends) FROM billing_windows)
GROUP BY w.n, u.category
