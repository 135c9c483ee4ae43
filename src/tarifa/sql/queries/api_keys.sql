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
