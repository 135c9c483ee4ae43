-- name: insert
INSERT INTO api_keys (prefix, digest, name, scopes, customer_id, actor)
VALUES (%(prefix)s, %(digest)s, %(name)s, %(scopes)s, %(customer_id)s, %(actor)s)
RETURNING *

-- name: by_prefix
SELECT * FROM api_keys WHERE prefix = %(prefix)s

-- name: all
SELECT * FROM api_keys ORDER BY id

-- name: revoke
UPDATE api_keys SET revoked_at = now() WHERE prefix = %(prefix)s AND revoked_at IS NULL
RETURNING *

-- name: authenticate
-- The live key of a token (prefix and digest) and its request count in this minute's
-- window, counted in the same statement: one round trip per request. A wrong secret counts
-- nothing (nobody exhausts another's limit by guessing).
WITH key AS (
    SELECT * FROM api_keys
    WHERE prefix = %(prefix)s AND digest = %(digest)s AND revoked_at IS NULL
), hit AS (
    INSERT INTO api_rate_windows (key_id, window_start, requests)
    SELECT id, date_trunc('minute', clock_timestamp()), 1 FROM key
    ON CONFLICT (key_id, window_start)
    DO UPDATE SET requests = api_rate_windows.requests + 1
    RETURNING requests, window_start
)
SELECT key.*, hit.requests, hit.window_start FROM key, hit

-- name: forget_windows
DELETE FROM api_rate_windows
WHERE key_id = %(key_id)s AND window_start < date_trunc('minute', clock_timestamp())

-- name: claim_idempotency
-- The first request with this key claims it (NULL status: in flight); a later one finds it.
INSERT INTO api_idempotency (key_id, idempotency_key, fingerprint)
VALUES (%(key_id)s, %(idempotency_key)s, %(fingerprint)s)
ON CONFLICT DO NOTHING
RETURNING key_id

-- name: idempotency_of
SELECT * FROM api_idempotency
WHERE key_id = %(key_id)s AND idempotency_key = %(idempotency_key)s

-- name: keep_idempotent_response
UPDATE api_idempotency SET status = %(status)s, media_type = %(media_type)s, body = %(body)s
WHERE key_id = %(key_id)s AND idempotency_key = %(idempotency_key)s

-- name: release_idempotency
DELETE FROM api_idempotency
WHERE key_id = %(key_id)s AND idempotency_key = %(idempotency_key)s AND status IS NULL

-- name: expire_idempotency
DELETE FROM api_idempotency WHERE created_at < now() - make_interval(hours => %(hours)s)
