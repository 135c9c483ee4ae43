-- Usage intake (mediation): imports, usage records, their keys, quarantine
-- (DOMAIN.md "Usage intake"; src/tarifa/usage/).
--
-- Every record read from a file ends in exactly one place, so an import's counts always add
-- up: received = accepted + filtered + duplicates + quarantined. Accepted and filtered
-- records are rows of usage_records; a record seen before is only counted; a bad line is a
-- row of usage_quarantine.
--
-- No foreign keys on usage_records and usage_record_keys: they take millions of rows per
-- import, and a foreign key check is one index probe per row. Their account_id comes from
-- usage_identifiers (which references customers) and their import_id from the import that
-- writes them, in the same statement.

-- One row per import of a file and per quarantine retry, with the settings needed to read
-- its lines again (a retry re-reads quarantined lines the way their import read them).
CREATE TABLE usage_imports (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL DEFAULT 'import',
    source      text,
    format      text,
    file        text,
    tenant      text        NOT NULL DEFAULT 'default',
    -- The IANA zone that times without a UTC offset were read in, if any.
    time_zone   text,
    -- How lines are read: the column mapping (csv, jsonl) and the header of a CSV file.
    settings    jsonb       NOT NULL DEFAULT '{}'::jsonb,
    actor       text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    received    bigint      NOT NULL DEFAULT 0,
    accepted    bigint      NOT NULL DEFAULT 0,
    filtered    bigint      NOT NULL DEFAULT 0,
    duplicates  bigint      NOT NULL DEFAULT 0,
    quarantined bigint      NOT NULL DEFAULT 0,
    CONSTRAINT usage_imports_kind_check CHECK (kind IN ('import', 'retry')),
    CONSTRAINT usage_imports_import_check CHECK (
        kind = 'retry' OR (source IS NOT NULL AND format IS NOT NULL)),
    CONSTRAINT usage_imports_format_check CHECK (format IN ('asterisk', 'csv', 'jsonl')),
    CONSTRAINT usage_imports_source_check CHECK (length(source) BETWEEN 1 AND 100),
    CONSTRAINT usage_imports_tenant_check CHECK (length(tenant) BETWEEN 1 AND 100),
    -- Nothing read is ever lost: every record is counted in exactly one outcome.
    CONSTRAINT usage_imports_counts_check CHECK (
        received = accepted + filtered + duplicates + quarantined
        AND least(accepted, filtered, duplicates, quarantined) >= 0)
);

-- Record ids (and the first usage ids) come from here; a large cache because an import
-- takes ids by the hundred thousand.
CREATE SEQUENCE usage_records_id_seq AS bigint CACHE 1000;

-- Accepted ('pending', later 'rated' or 'error' by the rater) and filtered (valid but not
-- billable: kept for itemized history, never rated) records. Range-partitioned by month
-- (UTC) of the event start; usage_ensure_partitions() (sql/functions/usage.sql) adds a
-- month when an import first needs it.
CREATE TABLE usage_records (
    id                  bigint      NOT NULL,
    import_id           bigint      NOT NULL,
    account_id          bigint      NOT NULL,
    subscription_id     bigint,
    -- The usage identifier (phone number, SIP user, account code) the record was tied by.
    usage_identifier_id bigint      NOT NULL,
    source              text        NOT NULL,
    record_id           text        NOT NULL,
    service             text        NOT NULL,
    unit                text        NOT NULL,
    -- What the rater rates the record as: the category of a rating profile.
    category            text        NOT NULL,
    -- The rating subject: the account's external id.
    subject             text        NOT NULL,
    tenant              text        NOT NULL DEFAULT 'default',
    -- E.164 digits without "+" (or a word such as "voicemail"); '' for a data session
    -- without one.
    destination         text        NOT NULL,
    started_at          timestamptz NOT NULL,
    usage               numeric     NOT NULL,
    status              text        NOT NULL DEFAULT 'pending',
    -- As the source wrote it (Asterisk: ANSWERED, NO ANSWER, BUSY...), for itemized history.
    disposition         text,
    line                bigint,
    raw                 text        NOT NULL,
    CONSTRAINT usage_records_service_check CHECK (
        (service, unit, category) IN (('voice', 'seconds', 'call'), ('data', 'bytes', 'data'),
                                      ('sms', 'events', 'sms'), ('mms', 'events', 'mms'),
                                      ('video', 'seconds', 'video'), ('video', 'bytes', 'video'))),
    CONSTRAINT usage_records_usage_check CHECK (usage >= 0),
    CONSTRAINT usage_records_status_check
        CHECK (status IN ('pending', 'filtered', 'rated', 'error')),
    CONSTRAINT usage_records_record_id_check CHECK (length(record_id) BETWEEN 1 AND 200)
) PARTITION BY RANGE (started_at);

-- No primary key and no other index: each index costs an import 1-2 µs per record, a
-- fifth of its time. Ids come from usage_records_id_seq, and usage_record_keys holds one
-- row per record (its unique (source, record_id) and usage_id). Readers add the indexes
-- their queries need (the rater: pending records by id).

-- (source, record id) is unique across all months: a unique key on usage_records would have
-- to include the partition key. A record seen again is a duplicate, skipped and counted.
CREATE TABLE usage_record_keys (
    source     text        NOT NULL,
    record_id  text        NOT NULL,
    usage_id   bigint      NOT NULL,
    account_id bigint      NOT NULL,
    -- With usage_id, where the record is (its partition).
    started_at timestamptz NOT NULL,
    PRIMARY KEY (source, record_id)
);

-- Lines that could not be taken in, with the reason and the line as it was. Keyed by
-- (source, hash of the line): importing a file again never quarantines a line twice.
-- `import_id` is the import that read the line (its settings read it again on retry).
CREATE TABLE usage_quarantine (
    id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source         text        NOT NULL,
    line_hash      text        NOT NULL,
    import_id      bigint      NOT NULL REFERENCES usage_imports (id),
    -- Known when the line was read but refused (an event in the future, say).
    account_id     bigint,
    line           bigint      NOT NULL,
    raw            text        NOT NULL,
    reason         text        NOT NULL,
    -- False when the line itself cannot be read (it never will be); true when it was read
    -- but refused for what the database held (no account at the event time, say), which a
    -- retry checks again.
    retryable      boolean     NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT usage_quarantine_line_key UNIQUE (source, line_hash)
);

CREATE INDEX usage_quarantine_import ON usage_quarantine (import_id);
