-- name: changes_after
-- Audit rows of customers and subscriptions after a position (audit id, part), one row per
-- entity touched: a customer import's single row is expanded into the ids it inserted
-- (part = their 1-based index; other rows have part 0). In feed order.
SELECT a.id AS audit_id,
       coalesce(x.part, 0) AS part,
       a.entity_type,
       coalesce(x.entity_id, a.entity_id)::bigint AS entity_id,
       a.action,
       a.recorded_at
FROM audit_log a
LEFT JOIN LATERAL jsonb_array_elements_text(
    CASE WHEN a.entity_id IS NULL THEN a.data -> 'inserted_ids' END
) WITH ORDINALITY AS x (entity_id, part) ON true
WHERE a.id >= %(audit_id)s
  AND a.entity_type = ANY(%(entities)s::text[])
  AND (a.id > %(audit_id)s OR coalesce(x.part, 0) > %(part)s)
  AND coalesce(x.entity_id, a.entity_id) ~ '^[0-9]+$'
ORDER BY a.id, part
LIMIT %(limit)s

-- name: customers_by_ids
SELECT * FROM customers WHERE id = ANY(%(ids)s::bigint[])
