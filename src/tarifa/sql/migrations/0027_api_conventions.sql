-- The REST API's shared state (issue 7; src/tarifa/api/): requests counted per key and
-- minute for rate limiting, shared by every worker process, and the responses kept for
-- Idempotency-Key replays.

-- Counts are worth nothing after a crash (a window lasts a minute): unlogged, no WAL.
CREATE UNLOGGED TABLE api_rate_windows (
    key_id        bigint      NOT NULL REFERENCES api_keys (id),
    window_start  timestamptz NOT NULL,
    requests      integer     NOT NULL,
    PRIMARY KEY (key_id, window_start)
);

-- One row per (key, Idempotency-Key): `fingerprint` is the SHA-256 of method, path and body;
-- `status` is NULL while the first request is in flight.
CREATE TABLE api_idempotency (
    key_id           bigint      NOT NULL REFERENCES api_keys (id),
    idempotency_key  text        NOT NULL,
    fingerprint      char(64)    NOT NULL,
    status           integer,
    media_type       text,
    body             bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key_id, idempotency_key),
    CONSTRAINT api_idempotency_key_check CHECK (length(idempotency_key) BETWEEN 1 AND 255)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);
