-- name: open_run
-- A run of the same date and options that has not completed (it crashed, or runs now): a
-- new `tarifa bill-run` resumes it rather than starting over.
SELECT * FROM bill_runs
WHERE as_of = %(as_of)s AND seller_id = %(seller_id)s AND finalize = %(finalize)s
  AND grace_days = %(grace_days)s AND status = 'running'
ORDER BY id DESC
LIMIT 1

-- name: insert_run
INSERT INTO bill_runs (as_of, seller_id, finalize, grace_days, actor)
VALUES (%(as_of)s, %(seller_id)s, %(finalize)s, %(grace_days)s, %(actor)s)
RETURNING *

-- name: enqueue_accounts
-- Every account with a subscription that has started by the run's date, or with a draft
-- that may be due for finalizing.
INSERT INTO bill_run_accounts (bill_run_id, account_id)
SELECT %(run_id)s, account_id FROM subscriptions WHERE started_on <= %(as_of)s
UNION
SELECT %(run_id)s, account_id FROM invoices WHERE status = 'draft' AND billing_date <= %(as_of)s
ON CONFLICT DO NOTHING

-- name: claim
-- The next accounts of the queue, skipping those another worker holds.
SELECT account_id FROM bill_run_accounts
WHERE bill_run_id = %(run_id)s AND status = 'pending'
ORDER BY account_id
LIMIT %(size)s
FOR UPDATE SKIP LOCKED

-- name: lock_accounts
-- Per-account locks, in id order (no deadlock between runs): a second run that reaches an
-- account waits here, then finds its invoices made.
SELECT id FROM customers WHERE id = ANY(%(ids)s) ORDER BY id FOR UPDATE

-- name: customers
SELECT * FROM customers WHERE id = ANY(%(ids)s)

-- name: subscriptions
SELECT * FROM subscriptions WHERE account_id = ANY(%(ids)s) ORDER BY id

-- name: changes
SELECT c.subscription_id, c.kind, c.effective, c.plan, c.quantity, c.trial_days
FROM subscription_changes c
JOIN subscriptions s ON s.id = c.subscription_id
WHERE s.account_id = ANY(%(ids)s)
ORDER BY c.subscription_id, c.position

-- name: invoices
SELECT id, account_id, billing_date, status FROM invoices WHERE account_id = ANY(%(ids)s)

-- name: billed_fees
-- Fee lines of the accounts' invoices whose service ends after `since`: what later invoices
-- settle against.
SELECT i.billing_date, l.subscription_id, l.kind, l.plan, l.charge, l.description,
       l.quantity, l.service_start, l.service_end, l.amount, l.full_amount
FROM invoice_lines l
JOIN invoices i ON i.id = l.invoice_id
WHERE i.account_id = ANY(%(ids)s)
  AND l.kind IN ('recurring', 'one_time')
  AND l.service_end > %(since)s

-- name: upsert_invoices
-- The batch's drafts: created, or recomputed when still drafts. A finalized invoice of the
-- same date is left alone (no row comes back for it).
INSERT INTO invoices (seller_id, account_id, currency, billing_date, period_start, period_end,
                      net, tax, total, bill_run_id)
SELECT * FROM unnest(%(seller_id)s::bigint[], %(account_id)s::bigint[], %(currency)s::text[],
                     %(billing_date)s::date[], %(period_start)s::date[], %(period_end)s::date[],
                     %(net)s::numeric[], %(tax)s::numeric[], %(total)s::numeric[],
                     %(run_id)s::bigint[])
ON CONFLICT (account_id, billing_date) DO UPDATE
SET seller_id = EXCLUDED.seller_id, currency = EXCLUDED.currency,
    period_start = EXCLUDED.period_start, period_end = EXCLUDED.period_end,
    net = EXCLUDED.net, tax = EXCLUDED.tax, total = EXCLUDED.total,
    bill_run_id = EXCLUDED.bill_run_id
WHERE invoices.status = 'draft'
RETURNING id, account_id, billing_date, (xmax = 0) AS created

-- name: delete_lines
DELETE FROM invoice_lines WHERE invoice_id = ANY(%(ids)s)

-- name: copy_lines
COPY invoice_lines (invoice_id, position, subscription_id, kind, key, description,
                    service_start, service_end, quantity, amount, net, tax_category,
                    tax_percent, tax_note, plan, charge, full_amount, product) FROM STDIN

-- name: delete_drafts
-- Drafts of dates that no longer owe anything (a subscription cancelled back to before).
DELETE FROM invoices WHERE id = ANY(%(ids)s) AND status = 'draft'

-- name: finalize
UPDATE invoices i
SET status = 'finalized', number = f.number, creditor_reference = f.reference,
    issue_date = %(issue_date)s, due_date = f.due_date, finalized_at = clock_timestamp()
FROM unnest(%(ids)s::bigint[], %(numbers)s::text[], %(references)s::text[],
            %(due_dates)s::date[]) AS f (id, number, reference, due_date)
WHERE i.id = f.id AND i.status = 'draft'

-- name: take_numbers
SELECT number, formatted FROM seller_take_invoice_numbers(%(seller_id)s, %(day)s, %(count)s)

-- name: mark_accounts
UPDATE bill_run_accounts q
SET status = f.status, reason = f.reason, drafted = f.drafted, finalized = f.finalized
FROM unnest(%(ids)s::bigint[], %(statuses)s::text[], %(reasons)s::text[],
            %(drafted)s::integer[], %(finalized)s::integer[])
     AS f (account_id, status, reason, drafted, finalized)
WHERE q.bill_run_id = %(run_id)s AND q.account_id = f.account_id

-- name: progress
SELECT count(*) AS accounts,
       count(*) FILTER (WHERE status <> 'pending') AS worked,
       count(*) FILTER (WHERE status = 'failed') AS failed
FROM bill_run_accounts WHERE bill_run_id = %(run_id)s

-- name: complete
UPDATE bill_runs SET status = 'completed', finished_at = now()
WHERE id = %(run_id)s AND status = 'running'
RETURNING *

-- name: run
SELECT * FROM bill_runs WHERE id = %(run_id)s

-- name: failures
SELECT q.account_id, c.external_id, q.reason
FROM bill_run_accounts q JOIN customers c ON c.id = q.account_id
WHERE q.bill_run_id = %(run_id)s AND q.status = 'failed'
ORDER BY q.account_id

-- name: totals
-- What the run left: its invoices by status and currency.
SELECT status, currency, count(*) AS invoices, sum(net) AS net, sum(tax) AS tax,
       sum(total) AS total
FROM invoices WHERE bill_run_id = %(run_id)s
GROUP BY status, currency
ORDER BY status, currency

-- name: created
SELECT coalesce(sum(drafted), 0) AS drafted, coalesce(sum(finalized), 0) AS finalized
FROM bill_run_accounts WHERE bill_run_id = %(run_id)s


-- name: eligible
-- The accounts a run takes (a dry run reads them without queuing them).
SELECT account_id FROM subscriptions WHERE started_on <= %(as_of)s
UNION
SELECT account_id FROM invoices WHERE status = 'draft' AND billing_date <= %(as_of)s
ORDER BY account_id

-- name: seller_code
SELECT code FROM sellers WHERE id = %(id)s

-- name: late_periods
-- Periods of the asked subscriptions whose usage was billed on a finalized invoice (within the
-- lookback, ending on or before `before`), that have usage stored, or rated, after that
-- invoice was finalized: late usage and rerating differences for the next invoice.
WITH asked AS (
    SELECT * FROM unnest(%(subs)s::bigint[], %(before)s::date[], %(zones)s::text[])
        AS a (subscription_id, before, zone)
), billed AS (
    SELECT l.subscription_id, l.service_start, l.service_end, a.zone,
           max(i.finalized_at) AS final_at
    FROM asked a
    JOIN invoice_lines l
        ON l.subscription_id = a.subscription_id AND l.kind = 'usage'
       AND l.service_end <= a.before AND l.service_end > a.before - %(lookback)s::integer
    JOIN invoices i ON i.id = l.invoice_id AND i.status = 'finalized'
    GROUP BY 1, 2, 3, 4
)
SELECT b.subscription_id, b.service_start, b.service_end
FROM billed b
WHERE EXISTS (
        SELECT 1 FROM usage_records u JOIN usage_imports m ON m.id = u.import_id
        WHERE u.subscription_id = b.subscription_id
          AND u.started_at >= b.service_start::timestamp AT TIME ZONE b.zone
          AND u.started_at < b.service_end::timestamp AT TIME ZONE b.zone
          AND coalesce(m.finished_at, m.started_at) > b.final_at)
   OR EXISTS (
        SELECT 1 FROM usage_records u
        JOIN rated_usage r ON r.usage_id = u.id AND r.started_at = u.started_at
        WHERE u.subscription_id = b.subscription_id
          AND u.started_at >= b.service_start::timestamp AT TIME ZONE b.zone
          AND u.started_at < b.service_end::timestamp AT TIME ZONE b.zone
          AND r.rated_at > b.final_at)
ORDER BY 1, 2

-- name: billed_usage
-- What finalized invoices billed for the usage of the given periods, per charge.
SELECT l.subscription_id, l.service_start, l.service_end, l.charge,
       coalesce(sum(l.quantity), 0) AS quantity, sum(l.amount) AS amount
FROM unnest(%(subs)s::bigint[], %(starts)s::date[], %(ends)s::date[]) AS p (sub, s, e)
JOIN invoice_lines l
    ON l.subscription_id = p.sub AND l.service_start = p.s AND l.service_end = p.e
   AND l.kind = 'usage'
JOIN invoices i ON i.id = l.invoice_id AND i.status = 'finalized'
GROUP BY 1, 2, 3, 4
