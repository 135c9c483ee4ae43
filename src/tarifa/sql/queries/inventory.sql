-- name: insert_resources
-- New resources; those there already are left as they are (adding the same list again is a
-- no-op). Returns the values added.
INSERT INTO inventory_resources (kind, value)
SELECT %(kind)s, v FROM unnest(%(values)s::text[]) AS v
ON CONFLICT (kind, value) DO NOTHING
RETURNING value

-- name: lock_resource
SELECT * FROM inventory_resources WHERE kind = %(kind)s AND value = %(value)s FOR UPDATE

-- name: resource
SELECT * FROM inventory_resources WHERE kind = %(kind)s AND value = %(value)s

-- name: set_reserved
UPDATE inventory_resources
SET status = 'reserved', reserved_for = %(reserved_for)s, reserved_until = %(until)s,
    subscription_id = NULL, quarantine_until = NULL, updated_at = now()
WHERE id = %(id)s
RETURNING *

-- name: set_assigned
UPDATE inventory_resources
SET status = 'assigned', subscription_id = %(subscription_id)s, reserved_for = NULL,
    reserved_until = NULL, quarantine_until = NULL, updated_at = now()
WHERE id = %(id)s
RETURNING *

-- name: open_assignment
INSERT INTO inventory_assignments (resource_id, subscription_id, during)
VALUES (%(id)s, %(subscription_id)s, tstzrange(%(at)s, NULL, '[)'))

-- name: close_assignment
UPDATE inventory_assignments
SET during = tstzrange(lower(during), %(at)s, '[)')
WHERE resource_id = %(id)s AND upper_inf(during)
RETURNING subscription_id

-- name: set_released
UPDATE inventory_resources
SET status = CASE WHEN %(until)s::timestamptz > %(at)s::timestamptz THEN 'quarantined'
                  ELSE 'available' END,
    quarantine_until = CASE WHEN %(until)s::timestamptz > %(at)s::timestamptz
                            THEN %(until)s::timestamptz END,
    subscription_id = NULL, updated_at = now()
WHERE id = %(id)s
RETURNING *

-- name: assignments
SELECT a.subscription_id, lower(a.during) AS assigned_at, upper(a.during) AS released_at
FROM inventory_assignments a
WHERE a.resource_id = %(id)s
ORDER BY lower(a.during)

-- name: subscription_exists
SELECT 1 FROM subscriptions WHERE id = %(id)s

-- name: list_resources
-- The status as of %(at)s, as Python reads it: a lapsed reservation or quarantine is
-- available.
SELECT * FROM (
    SELECT r.*,
           CASE WHEN r.status = 'reserved' AND r.reserved_until <= %(at)s THEN 'available'
                WHEN r.status = 'quarantined' AND r.quarantine_until <= %(at)s THEN 'available'
                ELSE r.status END AS status_now
    FROM inventory_resources r
    WHERE r.id > %(after_id)s AND (%(kind)s::text IS NULL OR r.kind = %(kind)s)
) r
WHERE %(status)s::text IS NULL OR r.status_now = %(status)s
ORDER BY r.id
LIMIT %(limit)s
