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
-- The live key of a token and its requests this minute, counted (sql/functions/api.sql).
SELECT * FROM api_admit(%(prefix)s, %(digest)s, %(count)s)

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
