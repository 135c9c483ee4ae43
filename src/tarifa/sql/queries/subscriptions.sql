-- name: insert_subscription
INSERT INTO subscriptions (account_id, external_id, alignment, started_on, coupon)
VALUES (%(account_id)s, %(external_id)s, %(alignment)s, %(started_on)s, %(coupon)s)
RETURNING *

-- name: insert_change
INSERT INTO subscription_changes (subscription_id, position, kind, effective, plan, quantity,
                                  trial_days, actor)
VALUES (%(subscription_id)s, %(position)s, %(kind)s, %(effective)s, %(plan)s, %(quantity)s,
        %(trial_days)s, %(actor)s)

-- name: lock_subscription
-- A change is checked against the whole history: one change at a time per subscription.
SELECT * FROM subscriptions WHERE id = %(id)s FOR UPDATE

-- name: bump_version
UPDATE subscriptions SET version = version + 1 WHERE id = %(id)s RETURNING version

-- name: subscription
SELECT * FROM subscriptions WHERE id = %(id)s

-- name: subscriptions_of_account
SELECT * FROM subscriptions WHERE account_id = %(account_id)s ORDER BY id

-- name: changes
SELECT kind, effective, plan, quantity, trial_days, recorded_at, actor
FROM subscription_changes
WHERE subscription_id = %(id)s
ORDER BY position

-- name: coupon_redemptions
SELECT count(*) AS n FROM subscriptions WHERE coupon = %(coupon)s

-- name: subscription_by_external_id
SELECT * FROM subscriptions WHERE external_id = %(external_id)s

-- name: subscriptions_of_account_page
SELECT * FROM subscriptions
WHERE account_id = %(account_id)s AND id > %(after_id)s
ORDER BY id
LIMIT %(limit)s
