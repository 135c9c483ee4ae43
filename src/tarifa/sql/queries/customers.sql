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

-- name: identifier_holders
-- Who holds (kind, value) at some time in [valid_from, valid_to).
SELECT u.account_id, c.external_id, lower(u.validity) AS valid_from,
       upper(u.validity) AS valid_to
FROM usage_identifiers u
JOIN customers c ON c.id = u.account_id
WHERE u.kind = %(kind)s AND u.value = %(value)s
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
SELECT account_id
FROM usage_identifiers
WHERE kind = %(kind)s AND value = %(value)s AND validity @> %(at)s::timestamptz

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
