-- name: insert_customer
INSERT INTO customers (external_id, kind, status, legal_name, emails, address_line1,
                       address_line2, postal_code, city, region, country, currency, time_zone,
                       billing_cycle_day, locale, payment_terms_days, tax_id, tax_exempt_reason,
                       parent_id)
VALUES (%(external_id)s, %(kind)s, %(status)s, %(legal_name)s, %(emails)s, %(address_line1)s,
        %(address_line2)s, %(postal_code)s, %(city)s, %(region)s, %(country)s, %(currency)s,
        %(time_zone)s, %(billing_cycle_day)s, %(locale)s, %(payment_terms_days)s, %(tax_id)s,
        %(tax_exempt_reason)s, %(parent_id)s)
RETURNING *

-- name: update_customer
UPDATE customers
SET external_id = %(external_id)s, kind = %(kind)s, status = %(status)s,
    legal_name = %(legal_name)s, emails = %(emails)s, address_line1 = %(address_line1)s,
    address_line2 = %(address_line2)s, postal_code = %(postal_code)s, city = %(city)s,
    region = %(region)s, country = %(country)s, currency = %(currency)s,
    time_zone = %(time_zone)s, billing_cycle_day = %(billing_cycle_day)s, locale = %(locale)s,
    payment_terms_days = %(payment_terms_days)s, tax_id = %(tax_id)s,
    tax_exempt_reason = %(tax_exempt_reason)s, parent_id = %(parent_id)s,
    updated_at = now(), version = version + 1
WHERE id = %(id)s
RETURNING *

-- name: close_customer
UPDATE customers
SET status = 'closed', closed_at = now(), updated_at = now(), version = version + 1
WHERE id = %(id)s
RETURNING *

-- name: get_customer
SELECT * FROM customers WHERE id = %(id)s

-- name: lock_customer
SELECT * FROM customers WHERE id = %(id)s FOR UPDATE

-- name: share_customer
-- Held while something is attached to the account, so it cannot be closed meanwhile.
SELECT * FROM customers WHERE id = %(id)s FOR SHARE

-- name: get_customer_by_external_id
SELECT * FROM customers WHERE external_id = %(external_id)s

-- name: share_customer_by_external_id
SELECT * FROM customers WHERE external_id = %(external_id)s FOR SHARE

-- name: list_customers
-- Keyset pagination by id; `pattern` is an ILIKE pattern with its wildcards escaped.
SELECT *
FROM customers
WHERE id > %(after_id)s
  AND (%(status)s::text IS NULL OR status = %(status)s::text)
  AND (%(country)s::text IS NULL OR country = %(country)s::text)
  AND (%(pattern)s::text IS NULL
       OR legal_name ILIKE %(pattern)s::text
       OR external_id ILIKE %(pattern)s::text
       OR EXISTS (SELECT 1 FROM unnest(emails) AS email WHERE email ILIKE %(pattern)s::text))
ORDER BY id
LIMIT %(limit)s

-- name: children
SELECT id, external_id, currency, status
FROM customers
WHERE parent_id = %(id)s
ORDER BY id

-- name: lock_hierarchy
-- The same key the hierarchy trigger takes: parent changes run one at a time.
SELECT pg_advisory_xact_lock(7402118553)

-- name: ancestors
-- The account itself, then its parent, grandparent, ... (bounded, in case of bad data).
WITH RECURSIVE up (id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM customers WHERE id = %(id)s
    UNION ALL
    SELECT c.id, c.parent_id, up.depth + 1
    FROM customers c JOIN up ON c.id = up.parent_id
    WHERE up.depth < 1000
)
SELECT id FROM up ORDER BY depth

-- name: insert_identifier
INSERT INTO usage_identifiers (account_id, subscription_id, kind, value, validity)
VALUES (%(account_id)s, %(subscription_id)s, %(kind)s, %(value)s,
        tstzrange(%(valid_from)s, %(valid_to)s, '[)'))
RETURNING id, account_id, subscription_id, kind, value,
          lower(validity) AS valid_from, upper(validity) AS valid_to

-- name: subscription_account
SELECT account_id FROM subscriptions WHERE id = %(id)s

-- name: identifier_holders
-- Who holds (kind, value) at some time in [valid_from, valid_to).
SELECT u.account_id, c.external_id, lower(u.validity) AS valid_from,
       upper(u.validity) AS valid_to
FROM usage_identifiers u
JOIN customers c ON c.id = u.account_id
WHERE hashtextextended(u.value, 0) = hashtextextended(%(value)s, 0)
  AND u.kind = %(kind)s AND u.value = %(value)s
  AND u.validity && tstzrange(%(valid_from)s, %(valid_to)s, '[)')
ORDER BY lower(u.validity)

-- name: lock_identifier
SELECT id, account_id, subscription_id, kind, value,
       lower(validity) AS valid_from, upper(validity) AS valid_to
FROM usage_identifiers
WHERE id = %(id)s
FOR UPDATE

-- name: end_identifier
UPDATE usage_identifiers
SET validity = tstzrange(lower(validity), %(at)s, '[)')
WHERE id = %(id)s
RETURNING id, account_id, subscription_id, kind, value,
          lower(validity) AS valid_from, upper(validity) AS valid_to

-- name: identifiers_of
SELECT id, account_id, subscription_id, kind, value,
       lower(validity) AS valid_from, upper(validity) AS valid_to
FROM usage_identifiers
WHERE account_id = %(account_id)s
ORDER BY kind, value, lower(validity)

-- name: resolve
-- The hash narrows the scan of the exclusion constraint's GiST index (its first column).
SELECT account_id
FROM usage_identifiers
WHERE hashtextextended(value, 0) = hashtextextended(%(value)s, 0)
  AND kind = %(kind)s AND value = %(value)s AND validity @> %(at)s::timestamptz

-- name: end_identifiers_at_close
-- Identifiers in use when the account closes end at the close time.
UPDATE usage_identifiers
SET validity = tstzrange(lower(validity), now(), '[)')
WHERE account_id = %(id)s
  AND lower(validity) < now()
  AND (upper(validity) IS NULL OR upper(validity) > now())
RETURNING id

-- name: remove_future_identifiers
-- Identifiers that would only have started after the close never applied to any usage.
DELETE FROM usage_identifiers
WHERE account_id = %(id)s AND lower(validity) >= now()
RETURNING id

-- name: import_lock
-- Identifiers cannot change under an import (the overlap check and the insert see the same
-- holders), and two imports take turns; reads (usage resolution) go on. The identifiers an
-- import adds start at its transaction time.
LOCK TABLE usage_identifiers IN SHARE ROW EXCLUSIVE MODE

-- name: import_started_at
SELECT now() AS started_at

-- name: import_prepare_chunk
-- Which of the chunk's external ids are stored already, and ids for the rest taken from the
-- customers identity (numbers of rows that end up not inserted are simply never used). The
-- sequence is looked up once (MATERIALIZED), not once per id: that lookup cost 10x the nextval.
WITH identity AS MATERIALIZED (
    SELECT pg_get_serial_sequence('customers', 'id')::regclass AS sequence
)
SELECT ARRAY(SELECT c.external_id FROM customers c
             WHERE c.external_id = ANY(%(external_ids)s::text[])) AS existing,
       ARRAY(SELECT nextval(identity.sequence)
             FROM identity, generate_series(1, %(count)s)) AS ids

-- name: import_existing
SELECT external_id FROM customers WHERE external_id = ANY(%(external_ids)s::text[])

-- name: import_copy_customers
COPY customers (id, external_id, kind, legal_name, emails, address_line1, address_line2,
                postal_code, city, region, country, currency, time_zone, billing_cycle_day,
                locale, payment_terms_days, tax_id, tax_exempt_reason)
FROM STDIN

-- name: import_copy_identifiers
COPY usage_identifiers (account_id, kind, value, validity) FROM STDIN

-- name: import_conflicts
-- Which of a chunk's identifiers another account holds from the import time on (asked only
-- when the chunk hit the exclusion constraint, which is rare).
-- A row's problems come in the order of its identifiers in the file.
SELECT x.line, x.kind, x.value, c.id AS holder_id, c.external_id AS holder
FROM unnest(%(lines)s::integer[], %(kinds)s::text[], %(values)s::text[])
     WITH ORDINALITY AS x (line, kind, value, position)
JOIN usage_identifiers u
  ON hashtextextended(u.value, 0) = hashtextextended(x.value, 0)
 AND u.kind = x.kind AND u.value = x.value
 AND u.validity && tstzrange(%(at)s, NULL, '[)')
JOIN customers c ON c.id = u.account_id
ORDER BY x.position, lower(u.validity)

-- name: import_stored_parents
-- Stored accounts named as parents, held FOR SHARE so that none is closed or changes
-- currency before this import commits.
SELECT external_id, kind, currency, status
FROM customers
WHERE external_id = ANY(%(external_ids)s::text[])
FOR SHARE

-- name: import_undo
-- Rows rejected after their insert (their parent cannot be used) leave no trace.
WITH identifiers AS (
    DELETE FROM usage_identifiers WHERE account_id = ANY(%(ids)s::bigint[])
)
DELETE FROM customers WHERE id = ANY(%(ids)s::bigint[])

-- name: import_set_parents
UPDATE customers c
SET parent_id = p.id
FROM unnest(%(ids)s::bigint[], %(parents)s::text[]) AS x (id, parent)
JOIN customers p ON p.external_id = x.parent
WHERE c.id = x.id
