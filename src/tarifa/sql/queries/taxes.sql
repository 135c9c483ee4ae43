-- name: latest_tax_rates
SELECT document::text AS document FROM tax_rate_sets ORDER BY id DESC LIMIT 1

-- name: insert_tax_rates
INSERT INTO tax_rate_sets (source, document, actor) VALUES (%(source)s, %(document)s::jsonb, %(actor)s)
RETURNING id, loaded_at
