-- Webhooks (issue 7; src/tarifa/webhooks/, docs/webhooks.md): endpoints that
-- subscribe to event types; the outbox of events, written by triggers
-- (sql/functions/webhooks.sql) in the transaction of the change they report; one delivery
-- per event and subscribed endpoint, worked by `tarifa webhooks deliver` with retries; and
-- the log of every attempt.

CREATE TABLE webhook_endpoints (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    url         text        NOT NULL,
    -- The signing secret, `whsec_` + base64 of 32 random bytes, shown once when the endpoint
    -- is made. Unlike an API key's secret (kept as a digest), it is stored as it is: an HMAC
    -- signature is made with the secret itself, for every message. Whoever reads this table
    -- can sign messages for the endpoint; back-ups and replicas hold it too.
    secret      text        NOT NULL,
    -- The event types it receives; '*' for all of them.
    event_types text[]      NOT NULL,
    description text,
    active      boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    CONSTRAINT webhook_endpoints_url_check
        CHECK (url ~ '^https?://[^/?#[:space:]]+' AND length(url) <= 2000),
    CONSTRAINT webhook_endpoints_secret_check
        CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{32,}={0,2}$'),
    CONSTRAINT webhook_endpoints_event_types_check
        CHECK (array_to_string(event_types, ',', '')
               ~ '^(\*|[a-z_]+\.[a-z_]+)(,(\*|[a-z_]+\.[a-z_]+))*$')
);

-- The outbox. `id` is the message id of the Standard Webhooks scheme (`webhook-id`): the
-- same for every attempt and replay of the event, so receivers deduplicate on it. `seq`
-- orders the events as they were written.
CREATE TABLE webhook_events (
    id         text        PRIMARY KEY DEFAULT 'msg_' || replace(gen_random_uuid()::text, '-', ''),
    seq        bigint      GENERATED ALWAYS AS IDENTITY,
    type       text        NOT NULL,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT webhook_events_seq_key UNIQUE (seq),
    CONSTRAINT webhook_events_type_check CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    CONSTRAINT webhook_events_payload_check CHECK (jsonb_typeof(payload) = 'object')
);
CREATE INDEX webhook_events_type ON webhook_events (type, seq);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- One delivery per event and endpoint (made when the event is written), plus one per replay.
-- A worker claims a due delivery by pushing `next_attempt_at` past the time its attempt may
-- take (a lease), committed before it sends: a worker that dies mid-attempt leaves the
-- delivery due again when the lease ends.
CREATE TABLE webhook_deliveries (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         text        NOT NULL REFERENCES webhook_events (id),
    endpoint_id      bigint      NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    replay           boolean     NOT NULL DEFAULT false,
    status           text        NOT NULL DEFAULT 'pending',
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz DEFAULT clock_timestamp(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_at     timestamptz,
    CONSTRAINT webhook_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'failed')),
    CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0),
    CONSTRAINT webhook_deliveries_due_check
        CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    CONSTRAINT webhook_deliveries_delivered_check
        CHECK ((status = 'delivered') = (delivered_at IS NOT NULL))
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (event_id, endpoint_id)
    WHERE NOT replay;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

-- The delivery log: every attempt, written when it is claimed and completed with the answer.
-- An attempt without `finished_at` whose lease has passed was cut off (its worker died).
CREATE TABLE webhook_attempts (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint      NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    status_code integer,
    duration_ms integer,
    error       text,
    -- The start of the receiver's answer (at most 1,000 characters), for the operator.
    response    text,
    CONSTRAINT webhook_attempts_attempt_key UNIQUE (delivery_id, attempt),
    CONSTRAINT webhook_attempts_attempt_check CHECK (attempt >= 1)
);
