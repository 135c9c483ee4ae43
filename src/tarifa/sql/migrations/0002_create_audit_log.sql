-- The tamper-evident audit log (DOMAIN.md, Ledger and audit).
-- Rows are appended only through audit_append() (sql/functions/audit.sql), which takes a
-- transaction-level advisory lock so the hash chain follows commit order. Range-partitioned
-- by month on recorded_at; audit_append() creates a month's partition on first use.
CREATE TABLE audit_log (
    id              bigint      NOT NULL,
    recorded_at     timestamptz NOT NULL,
    actor           text        NOT NULL,
    action          text        NOT NULL,
    entity_type     text        NOT NULL,
    entity_id       text,
    data            jsonb       NOT NULL DEFAULT '{}'::jsonb,
    -- Personal data is kept out of the hash: the row holds it here, erasable, with a salted
    -- digest beside it; the digest enters the hash, so erasing `personal` keeps the chain.
    personal        jsonb,
    personal_digest text,
    prev_hash       text        NOT NULL,
    hash            text        NOT NULL,
    PRIMARY KEY (id, recorded_at),
    CHECK (length(hash) = 64 AND length(prev_hash) = 64),
    CHECK (personal IS NULL OR personal_digest IS NOT NULL)
) PARTITION BY RANGE (recorded_at);

CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

CREATE SEQUENCE audit_log_id_seq AS bigint;

-- The newest row's id and hash, so an append reads one row instead of searching partitions.
-- A convenience only: verification never trusts it.
CREATE TABLE audit_head (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    id        bigint NOT NULL,
    hash      text   NOT NULL
);
