-- name: insert_endpoint
INSERT INTO webhook_endpoints (url, secret, event_types, description, actor)
VALUES (%(url)s, %(secret)s, %(event_types)s, %(description)s, %(actor)s)
RETURNING *

-- name: endpoints
SELECT * FROM webhook_endpoints ORDER BY id

-- name: endpoint
SELECT * FROM webhook_endpoints WHERE id = %(id)s

-- name: set_active
UPDATE webhook_endpoints SET active = %(active)s WHERE id = %(id)s RETURNING *

-- name: delete_endpoint
DELETE FROM webhook_endpoints WHERE id = %(id)s RETURNING *

-- name: events
-- The outbox, oldest first: after a position (`seq`), from a time, of a type.
SELECT * FROM webhook_events
WHERE seq > %(after)s
  AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s::timestamptz)
  AND (%(type)s::text IS NULL OR type = %(type)s::text)
ORDER BY seq
LIMIT %(limit)s

-- name: event
SELECT * FROM webhook_events WHERE id = %(id)s

-- name: deliveries
SELECT d.*, e.type AS event_type, p.url
FROM webhook_deliveries d
JOIN webhook_events e ON e.id = d.event_id
JOIN webhook_endpoints p ON p.id = d.endpoint_id
WHERE (%(event_id)s::text IS NULL OR d.event_id = %(event_id)s::text)
  AND (%(endpoint_id)s::bigint IS NULL OR d.endpoint_id = %(endpoint_id)s::bigint)
  AND (%(status)s::text IS NULL OR d.status = %(status)s::text)
ORDER BY d.id DESC
LIMIT %(limit)s

-- name: attempts
-- The delivery log, newest first.
SELECT a.*, d.event_id, e.type AS event_type, d.endpoint_id, p.url
FROM webhook_attempts a
JOIN webhook_deliveries d ON d.id = a.delivery_id
JOIN webhook_events e ON e.id = d.event_id
JOIN webhook_endpoints p ON p.id = d.endpoint_id
WHERE (%(event_id)s::text IS NULL OR d.event_id = %(event_id)s::text)
  AND (%(endpoint_id)s::bigint IS NULL OR d.endpoint_id = %(endpoint_id)s::bigint)
  AND (%(delivery_id)s::bigint IS NULL OR a.delivery_id = %(delivery_id)s::bigint)
ORDER BY a.id DESC
LIMIT %(limit)s

-- name: replay
-- A new delivery of a past event: to one endpoint, or to every active endpoint that
-- subscribes to its type now.
INSERT INTO webhook_deliveries (event_id, endpoint_id, replay)
SELECT e.id, p.id, true
FROM webhook_events e
JOIN webhook_endpoints p
    ON CASE WHEN %(endpoint_id)s::bigint IS NULL
            THEN p.active AND (e.type = ANY (p.event_types) OR '*' = ANY (p.event_types))
            ELSE p.id = %(endpoint_id)s::bigint END
WHERE e.id = %(event_id)s
ORDER BY p.id
RETURNING id

-- name: deliveries_by_ids
SELECT d.*, e.type AS event_type, p.url
FROM webhook_deliveries d
JOIN webhook_events e ON e.id = d.event_id
JOIN webhook_endpoints p ON p.id = d.endpoint_id
WHERE d.id = ANY(%(ids)s)
ORDER BY d.id

-- name: claim
-- The due deliveries of active endpoints, oldest first, skipping those another worker holds:
-- each is leased (due again only after `lease` seconds, the longest its attempt may take)
-- and its attempt logged, all committed before anything is sent.
WITH due AS (
    SELECT d.id
    FROM webhook_deliveries d
    JOIN webhook_endpoints p ON p.id = d.endpoint_id AND p.active
    WHERE d.status = 'pending' AND d.next_attempt_at <= clock_timestamp()
    ORDER BY d.next_attempt_at, d.id
    LIMIT %(batch)s
    FOR UPDATE OF d SKIP LOCKED
),
leased AS (
    UPDATE webhook_deliveries d
    SET attempts = d.attempts + 1,
        next_attempt_at = clock_timestamp() + make_interval(secs => %(lease)s)
    FROM due
    WHERE d.id = due.id
    RETURNING d.id, d.event_id, d.endpoint_id, d.attempts
),
logged AS (
    INSERT INTO webhook_attempts (delivery_id, attempt)
    SELECT id, attempts FROM leased
    RETURNING id, delivery_id
)
SELECT l.id AS delivery_id, l.attempts AS attempt, g.id AS attempt_id, e.id AS event_id,
       e.type, e.payload, e.created_at, p.url, p.secret
FROM leased l
JOIN logged g ON g.delivery_id = l.id
JOIN webhook_events e ON e.id = l.event_id
JOIN webhook_endpoints p ON p.id = l.endpoint_id
ORDER BY l.id

-- name: finish_attempt
UPDATE webhook_attempts
SET finished_at = clock_timestamp(), status_code = %(status_code)s,
    duration_ms = %(duration_ms)s, error = %(error)s, response = %(response)s
WHERE id = %(attempt_id)s

-- name: delivered
-- A 2xx answer: delivered, even when a later claim (after the lease) is sending it again.
UPDATE webhook_deliveries
SET status = 'delivered', delivered_at = clock_timestamp(), next_attempt_at = NULL,
    last_status_code = %(status_code)s, last_error = NULL
WHERE id = %(delivery_id)s AND status = 'pending'

-- name: retry
-- Any other answer, or none: due again after the schedule's wait. Left to a later claim of
-- the same delivery if there is one (it owns the delivery now).
UPDATE webhook_deliveries
SET next_attempt_at = clock_timestamp() + make_interval(secs => %(delay)s),
    last_status_code = %(status_code)s, last_error = %(error)s
WHERE id = %(delivery_id)s AND status = 'pending' AND attempts = %(attempt)s

-- name: give_up
UPDATE webhook_deliveries
SET status = 'failed', next_attempt_at = NULL,
    last_status_code = %(status_code)s, last_error = %(error)s
WHERE id = %(delivery_id)s AND status = 'pending' AND attempts = %(attempt)s

-- name: purge
-- Events written before %(before)s whose every delivery is done (delivered, or failed for
-- good), with their deliveries and (by cascade) their attempts. An event still being
-- delivered stays, however old. The attempts are counted from the deliveries removed.
WITH done AS (
    SELECT e.id FROM webhook_events e
    WHERE e.created_at < %(before)s
      AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d
                      WHERE d.event_id = e.id AND d.status = 'pending')
    ORDER BY e.created_at
    FOR UPDATE
), gone_deliveries AS (
    DELETE FROM webhook_deliveries d USING done WHERE d.event_id = done.id RETURNING d.id
), gone_events AS (
    DELETE FROM webhook_events e USING done WHERE e.id = done.id RETURNING e.id
)
SELECT (SELECT count(*) FROM gone_events) AS events,
       (SELECT count(*) FROM gone_deliveries) AS deliveries,
       (SELECT count(*) FROM webhook_attempts a
        WHERE a.delivery_id IN (SELECT id FROM gone_deliveries)) AS attempts
