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

-- name: import_create_staging
-- One row per good CSV row; identifiers as arrays, split into rows after the COPY.
CREATE TEMP TABLE customer_import (
    line               integer  NOT NULL,
    external_id        text     NOT NULL,
    kind               text     NOT NULL,
    legal_name         text     NOT NULL,
    emails             text[]   NOT NULL,
    address_line1      text,
    address_line2      text,
    postal_code        text,
    city               text,
    region             text,
    country            text     NOT NULL,
    currency           text     NOT NULL,
    time_zone          text     NOT NULL,
    billing_cycle_day  smallint NOT NULL,
    locale             text     NOT NULL,
    payment_terms_days smallint NOT NULL,
    tax_id             text,
    tax_exempt_reason  text,
    parent_external_id text,
    identifier_kinds   text[]   NOT NULL,
    identifier_values  text[]   NOT NULL
) ON COMMIT DROP

-- name: import_copy
COPY customer_import (line, external_id, kind, legal_name, emails, address_line1,
                      address_line2, postal_code, city, region, country, currency, time_zone,
                      billing_cycle_day, locale, payment_terms_days, tax_id, tax_exempt_reason,
                      parent_external_id, identifier_kinds, identifier_values)
FROM STDIN

-- name: import_lock
-- Identifiers cannot change between the overlap check below and the insert; two imports
-- take turns. Reads (usage resolution) go on.
LOCK TABLE usage_identifiers IN SHARE ROW EXCLUSIVE MODE

-- name: import_analyze
ANALYZE customer_import

-- name: import_existing
-- Rows whose external id is already stored: left as they are (an import never updates).
SELECT s.line
FROM customer_import s
WHERE EXISTS (SELECT 1 FROM customers c WHERE c.external_id = s.external_id)

-- name: import_identifier_conflicts
-- Identifiers of new rows that another account holds from now on.
SELECT s.line, i.kind, i.value, c.id AS holder_id, c.external_id AS holder
FROM customer_import s
CROSS JOIN LATERAL unnest(s.identifier_kinds, s.identifier_values) AS i (kind, value)
JOIN usage_identifiers u
  ON u.kind = i.kind AND u.value = i.value AND u.validity && tstzrange(now(), NULL, '[)')
JOIN customers c ON c.id = u.account_id
WHERE cardinality(s.identifier_kinds) > 0
  AND NOT EXISTS (SELECT 1 FROM customers e WHERE e.external_id = s.external_id)
ORDER BY s.line

-- name: import_stored_parents
-- Stored accounts named as parents, held FOR SHARE so none is closed before this commits.
SELECT c.external_id, c.kind, c.currency, c.status
FROM customers c
WHERE c.external_id IN (SELECT s.parent_external_id FROM customer_import s
                        WHERE s.parent_external_id IS NOT NULL)
FOR SHARE OF c

-- name: import_drop_lines
DELETE FROM customer_import WHERE line = ANY(%(lines)s)

-- name: import_insert_customers
-- File order gives file order ids. A row stored meanwhile by someone else is skipped here
-- and counted as unchanged.
CREATE TEMP TABLE import_inserted ON COMMIT DROP AS
WITH inserted AS (
    INSERT INTO customers (external_id, kind, legal_name, emails, address_line1, address_line2,
                           postal_code, city, region, country, currency, time_zone,
                           billing_cycle_day, locale, payment_terms_days, tax_id,
                           tax_exempt_reason)
    SELECT external_id, kind, legal_name, emails, address_line1, address_line2, postal_code,
           city, region, country, currency, time_zone, billing_cycle_day, locale,
           payment_terms_days, tax_id, tax_exempt_reason
    FROM customer_import
    ORDER BY line
    ON CONFLICT (external_id) DO NOTHING
    RETURNING id, external_id
)
SELECT id, external_id FROM inserted

-- name: import_skipped_lines
SELECT s.line
FROM customer_import s
WHERE NOT EXISTS (SELECT 1 FROM import_inserted n WHERE n.external_id = s.external_id)

-- name: import_insert_identifiers
-- Valid from the import's transaction time on, with no end.
INSERT INTO usage_identifiers (account_id, kind, value, validity)
SELECT n.id, i.kind, i.value, tstzrange(now(), NULL, '[)')
FROM customer_import s
JOIN import_inserted n ON n.external_id = s.external_id
CROSS JOIN LATERAL unnest(s.identifier_kinds, s.identifier_values) AS i (kind, value)
WHERE cardinality(s.identifier_kinds) > 0
ORDER BY s.line

-- name: import_set_parents
UPDATE customers c
SET parent_id = p.id
FROM import_inserted n
JOIN customer_import s ON s.external_id = n.external_id
JOIN customers p ON p.external_id = s.parent_external_id
WHERE c.id = n.id AND s.parent_external_id IS NOT NULL

-- name: import_inserted_ids
SELECT coalesce(array_agg(id ORDER BY id), '{}') AS ids FROM import_inserted
