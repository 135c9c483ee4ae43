-- name: append
SELECT audit_append(%s, %s, %s, %s, %s, %s)

-- name: chain
-- Every row in chain order, with the canonical text its hash covers.
SELECT id, prev_hash, hash,
       audit_canonical(id, recorded_at, actor, action, entity_type, entity_id, data,
                       personal_digest) AS canonical,
       personal->>'salt' AS personal_salt,
       (personal->'data')::text AS personal_text,
       personal_digest
FROM audit_log
ORDER BY id

-- name: head
SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1

-- name: entries_for
SELECT id, recorded_at, actor, action, entity_type, entity_id, data
FROM audit_log
WHERE entity_type = %s AND entity_id = %s
ORDER BY id
