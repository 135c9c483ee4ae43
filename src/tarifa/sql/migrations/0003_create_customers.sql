-- Customers (accounts) and their usage identifiers (DOMAIN.md; src/tarifa/customers/).
-- The Python validators check every field first and report all problems at once; the
-- constraints below make the same rules hold for anything that writes to these tables.
-- The parent rules (a parent is an open business account in the same currency, no cycles)
-- are enforced by triggers in sql/functions/customers.sql.

CREATE TABLE customers (
    -- The account id: every other table carries it as account_id.
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id        text        NOT NULL,
    kind               text        NOT NULL,
    status             text        NOT NULL DEFAULT 'active',
    legal_name         text        NOT NULL,
    emails             text[]      NOT NULL DEFAULT '{}',
    address_line1      text,
    address_line2      text,
    postal_code        text,
    city               text,
    region             text,
    country            char(2)     NOT NULL,
    currency           char(3)     NOT NULL,
    time_zone          text        NOT NULL,
    billing_cycle_day  smallint    NOT NULL,
    locale             text        NOT NULL,
    payment_terms_days smallint    NOT NULL DEFAULT 30,
    tax_id             text,
    tax_exempt_reason  text,
    parent_id          bigint      REFERENCES customers (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz,
    -- Grows by one with every change; an update may name the version it read (optimistic
    -- concurrency, like an HTTP ETag).
    version            integer     NOT NULL DEFAULT 1,
    CONSTRAINT customers_external_id_key UNIQUE (external_id),
    CONSTRAINT customers_external_id_check
        CHECK (length(external_id) BETWEEN 1 AND 100 AND external_id = btrim(external_id)),
    CONSTRAINT customers_kind_check CHECK (kind IN ('person', 'business')),
    CONSTRAINT customers_status_check CHECK (status IN ('active', 'suspended', 'closed')),
    CONSTRAINT customers_closed_check CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT customers_legal_name_check CHECK (length(btrim(legal_name)) BETWEEN 1 AND 200),
    CONSTRAINT customers_emails_check
        CHECK (cardinality(emails) <= 10 AND array_position(emails, NULL) IS NULL),
    CONSTRAINT customers_address_check CHECK (
        coalesce(length(address_line1), 0) <= 200 AND coalesce(length(address_line2), 0) <= 200
        AND coalesce(length(postal_code), 0) <= 20 AND coalesce(length(city), 0) <= 100
        AND coalesce(length(region), 0) <= 100),
    CONSTRAINT customers_country_check CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT customers_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT customers_time_zone_check CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]*$'),
    -- 29-31 are valid: in a shorter month the period ends on its last day (DOMAIN.md).
    CONSTRAINT customers_billing_cycle_day_check CHECK (billing_cycle_day BETWEEN 1 AND 31),
    CONSTRAINT customers_locale_check
        CHECK (locale ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$'),
    CONSTRAINT customers_payment_terms_check CHECK (payment_terms_days BETWEEN 0 AND 365),
    CONSTRAINT customers_tax_id_check CHECK (length(tax_id) BETWEEN 1 AND 50),
    CONSTRAINT customers_tax_exempt_reason_check CHECK (length(tax_exempt_reason) BETWEEN 1 AND 200),
    CONSTRAINT customers_parent_not_self CHECK (parent_id <> id),
    CONSTRAINT customers_version_check CHECK (version >= 1)
);

CREATE INDEX customers_parent_id ON customers (parent_id) WHERE parent_id IS NOT NULL;

-- Phone numbers (E.164), SIP user names and Asterisk account codes that name an account in
-- usage records, each over a half-open validity period [from, to). A number recycled or
-- ported to another account later keeps its history: the exclusion constraint allows one
-- holder at a time, and records are resolved by their event time.
CREATE TABLE usage_identifiers (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint      NOT NULL REFERENCES customers (id),
    -- Subscriptions come later; then an identifier may be bound to one of them.
    subscription_id bigint,
    kind            text        NOT NULL,
    value           text        NOT NULL,
    validity        tstzrange   NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT usage_identifiers_kind_check CHECK (kind IN ('e164', 'sip', 'account_code')),
    CONSTRAINT usage_identifiers_value_check CHECK (
        CASE kind
            WHEN 'e164' THEN value ~ '^\+[1-9][0-9]{1,14}$'
            WHEN 'sip' THEN value = lower(value) AND value ~ '^[^\s@:]+(@[a-z0-9.-]+)?$'
            ELSE length(value) BETWEEN 1 AND 80 AND value = btrim(value)
        END),
    CONSTRAINT usage_identifiers_validity_check CHECK (
        NOT isempty(validity) AND NOT lower_inf(validity)
        AND lower_inc(validity) AND NOT upper_inc(validity)),
    CONSTRAINT usage_identifiers_no_overlap
        EXCLUDE USING gist (kind WITH =, value WITH =, validity WITH &&)
);

CREATE INDEX usage_identifiers_lookup ON usage_identifiers (kind, value);
CREATE INDEX usage_identifiers_account_id ON usage_identifiers (account_id);
