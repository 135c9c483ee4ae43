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

-- name: create_window_allowances
CREATE TEMPORARY TABLE billing_window_allowances (
    n            integer NOT NULL,
    category     text    NOT NULL,
    included     numeric NOT NULL,
    destinations text[],
    PRIMARY KEY (n, category)
) ON COMMIT DROP

-- name: copy_window_allowances
COPY billing_window_allowances (n, category, included, destinations) FROM STDIN

-- name: rated_in_windows
-- The rated records' precise cost, per category, in the window's (the invoice's) currency,
-- after the window's allowance for the category: its records (to its destinations, when it
-- names some) consume it in event-time order, the one that crosses its end is charged for
-- the part beyond it (billing_charged_cost), the rest as rated.
WITH used AS (
    SELECT w.n, u.category, r.usage_id, r.started_at, r.billed_usage, r.precise_cost,
           a.included,
           a.n IS NOT NULL AND (a.destinations IS NULL OR r.destination = ANY(a.destinations))
               AS counts
    FROM billing_windows w
    JOIN usage_records u
        ON u.subscription_id = w.subscription_id
       AND u.started_at >= w.starts AND u.started_at < w.ends
    JOIN rated_usage r ON r.usage_id = u.id AND r.started_at = u.started_at
    LEFT JOIN billing_window_allowances a ON a.n = w.n AND a.category = u.category
    WHERE r.currency = w.currency
      AND u.started_at >= (SELECT min(starts) FROM billing_windows)
      AND u.started_at < (SELECT max(ends) FROM billing_windows)
), running AS (
    SELECT used.*,
           coalesce(sum(billed_usage) FILTER (WHERE counts)
                        OVER (PARTITION BY n, category ORDER BY started_at, usage_id
                              ROWS UNBOUNDED PRECEDING), 0) - billed_usage AS before
    FROM used
)
SELECT n, category,
       sum(CASE WHEN counts
                THEN billing_charged_cost(precise_cost, billed_usage,
                                          least(billed_usage, greatest(included - before, 0)))
                ELSE precise_cost END) AS cost
FROM running
GROUP BY n, category
