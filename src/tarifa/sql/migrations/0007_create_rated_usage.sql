-- Rated usage, rating errors and the runs of the batch rater (DOMAIN.md "Telecom event
-- rating"; src/tarifa/rating/service.py, sql/functions/rating.sql).
--
-- Every accepted usage record ends rated (a row of rated_usage, status 'rated') or refused
-- (a row of rating_errors, status 'error'), never priced at zero: accepted = rated + errors.
-- Both are keyed by the record (usage id and its event time, the partition key), so a
-- record can never be rated twice; rerating replaces a record's row, never adds one.

-- One row per `tarifa rate` session and per rerate, with what it did.
CREATE TABLE rating_runs (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text        NOT NULL DEFAULT 'rate',
    actor       text        NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    rated       bigint      NOT NULL DEFAULT 0,
    errors      bigint      NOT NULL DEFAULT 0,
    cost        numeric     NOT NULL DEFAULT 0,
    -- A rerate: the period and account it covered and the cost its records had before.
    period_from timestamptz,
    period_to   timestamptz,
    account_id  bigint,
    cost_before numeric,
    CONSTRAINT rating_runs_kind_check CHECK (kind IN ('rate', 'rerate'))
);

-- The work of the batch rater, cut in ranges of usage ids. Sessions rating at once (one per
-- core) each claim the next open batch with FOR UPDATE SKIP LOCKED, so no two rate the same
-- records; a batch left open by a crashed session is claimed again by the next run.
CREATE TABLE rating_batches (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_id   bigint      NOT NULL,
    last_id    bigint      NOT NULL,
    planned_at timestamptz NOT NULL DEFAULT now(),
    run_id     bigint      REFERENCES rating_runs (id),
    done_at    timestamptz,
    rated      bigint,
    errors     bigint,
    CONSTRAINT rating_batches_range_check CHECK (first_id <= last_id)
);

CREATE INDEX rating_batches_open ON rating_batches (id) WHERE done_at IS NULL;

-- The rater's queue: accepted records not rated yet. Small, since records leave it when rated.
CREATE INDEX usage_records_pending ON usage_records (id) WHERE status = 'pending';

-- Priced records. `cost` is final (the destination rate's rounding to `rounding_decimals`,
-- at most 12); `precise_cost` the same before that rounding, exactly (connect fee included,
-- max cost applied). `invoice_id` is set when the record is on a finalized invoice: from then
-- on rerating never changes it (its difference goes on the next invoice instead).
CREATE TABLE rated_usage (
    usage_id          bigint      NOT NULL,
    started_at        timestamptz NOT NULL,
    account_id        bigint      NOT NULL,
    -- The tariff revision, rating profile and plan that priced the record.
    tariff_id         bigint      NOT NULL,
    profile_id        bigint      NOT NULL,
    plan_id           bigint      NOT NULL,
    -- The profile subject used (after any fallback), the destination and prefix matched
    -- ('' for *any) and the time bands of the parts, in order.
    subject           text        NOT NULL,
    destination       text        NOT NULL,
    prefix            text        NOT NULL,
    time_bands        text[]      NOT NULL,
    billed_usage      numeric     NOT NULL,
    cost              numeric(30, 12) NOT NULL,
    precise_cost      numeric     NOT NULL,
    rounding_decimals smallint    NOT NULL,
    currency          char(3)     NOT NULL,
    run_id            bigint      NOT NULL,
    rated_at          timestamptz NOT NULL DEFAULT now(),
    invoice_id        bigint,
    PRIMARY KEY (usage_id, started_at),
    CONSTRAINT rated_usage_cost_check CHECK (cost >= 0 AND precise_cost >= 0)
) PARTITION BY RANGE (started_at);

-- Records that could not be priced, kept with why.
CREATE TABLE rating_errors (
    usage_id   bigint      NOT NULL,
    started_at timestamptz NOT NULL,
    account_id bigint      NOT NULL,
    code       text        NOT NULL,
    message    text        NOT NULL,
    run_id     bigint      NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (usage_id, started_at),
    CONSTRAINT rating_errors_code_check CHECK (
        code IN ('no_rating_profile', 'unauthorized_destination', 'currency_mismatch'))
);

CREATE INDEX rating_errors_account ON rating_errors (account_id, started_at);
