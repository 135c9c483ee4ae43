-- API keys (issue 7; src/tarifa/api/keys.py): random secrets shown once, kept as SHA-256
-- digests and found by a public prefix, with scopes; a key may be bound to one customer (the
-- portal's tokens: they see only that customer's data). Revoked, never deleted.

CREATE TABLE api_keys (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    prefix       text        NOT NULL,
    digest       char(64)    NOT NULL,
    name         text        NOT NULL,
    scopes       text[]      NOT NULL,
    customer_id  bigint      REFERENCES customers (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    actor        text        NOT NULL,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix),
    CONSTRAINT api_keys_digest_check CHECK (digest ~ '^[0-9a-f]{64}$'),
    CONSTRAINT api_keys_scopes_check CHECK (cardinality(scopes) >= 1)
);
