-- The batch rater's fast path (sql/functions/rating.sql, docs/rating.md "Batch rating"):
--
-- 1. A usage record no longer carries its rating state. Rating wrote a new version of every
--    wide usage row just to move its status (a third of the rater's time); a record is now
--    rated when rated_usage has its row, refused when rating_errors has it. Its status says
--    only what intake decided: 'billable' or 'filtered'.
-- 2. The rater's work is planned per import: an import is one transaction, so once it is
--    committed all of its records are there. Its usage ids lie between two values of the
--    id sequence taken by its own session (at its start and at its end), and the event
--    times of its records between first_event_at and last_event_at. A BRIN index on the id
--    (a few bytes per 128 pages, next to nothing at intake) finds a batch's pages.
-- 3. Derived lookups for one set-based statement that rates the common case: each candidate
--    set's band pattern (the bands of its candidates in order, and the times of day they can
--    change), the winning candidate per pattern and local day (rating_schedule), and the
--    price of each candidate with its rate groups side by side (rating_prices).

ALTER TABLE usage_imports
    ADD COLUMN first_usage_id bigint,
    ADD COLUMN last_usage_id bigint,
    ADD COLUMN first_event_at timestamptz,
    ADD COLUMN last_event_at timestamptz,
    ADD COLUMN rating_planned boolean NOT NULL DEFAULT false;

-- Imports made before: the bounds of their records still waiting for the rater; those with
-- none are planned already. A record of such an import that was rated by an old batch is
-- rated again with the rest (nothing is invoiced from rated usage yet).
WITH waiting AS (
    SELECT import_id, min(id) AS first_id, max(id) AS last_id, min(started_at) AS first_at,
           max(started_at) AS last_at
    FROM usage_records
    WHERE status = 'pending'
    GROUP BY import_id
)
UPDATE usage_imports i
SET first_usage_id = w.first_id, last_usage_id = w.last_id, first_event_at = w.first_at,
    last_event_at = w.last_at
FROM waiting w
WHERE w.import_id = i.id;

UPDATE usage_imports SET rating_planned = (first_usage_id IS NULL);

DELETE FROM rated_usage r
USING usage_records u, usage_imports i
WHERE u.id = r.usage_id AND u.started_at = r.started_at AND i.id = u.import_id
  AND NOT i.rating_planned AND r.invoice_id IS NULL;

DELETE FROM rating_errors e
USING usage_records u, usage_imports i
WHERE u.id = e.usage_id AND u.started_at = e.started_at AND i.id = u.import_id
  AND NOT i.rating_planned;

DELETE FROM rating_batches WHERE done_at IS NULL;

DROP INDEX usage_records_pending;

ALTER TABLE usage_records DROP CONSTRAINT usage_records_status_check;
UPDATE usage_records SET status = 'billable' WHERE status <> 'filtered';
ALTER TABLE usage_records
    ALTER COLUMN status SET DEFAULT 'billable',
    ADD CONSTRAINT usage_records_status_check CHECK (status IN ('billable', 'filtered'));

CREATE INDEX usage_records_id_brin ON usage_records USING brin (id);

ALTER TABLE rating_batches
    ADD COLUMN import_id bigint REFERENCES usage_imports (id),
    ADD COLUMN first_event_at timestamptz,
    ADD COLUMN last_event_at timestamptz;

-- Derived lookups ----------------------------------------------------------------------------

-- The bands of a candidate set's candidates in deciding order (0: the band *any, always
-- active) and the times of day at which its winner can change. Candidate sets of one
-- pattern have the same winner at every instant (by position), whatever their rates.
CREATE TABLE rating_band_patterns (
    id        bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id bigint   NOT NULL REFERENCES rating_tariffs (id),
    bands     bigint[] NOT NULL,
    times     time[]   NOT NULL,
    CONSTRAINT rating_band_patterns_key UNIQUE (tariff_id, bands, times)
);

ALTER TABLE rating_candidate_sets ADD COLUMN pattern_id bigint REFERENCES rating_band_patterns (id);
ALTER TABLE rating_plan_prefixes ADD COLUMN pattern_id bigint REFERENCES rating_band_patterns (id);
ALTER TABLE rating_plans ADD COLUMN any_pattern_id bigint REFERENCES rating_band_patterns (id);
-- Set once the lookups above and rating_prices are derived (rating_prepare()).
ALTER TABLE rating_tariffs ADD COLUMN prepared boolean NOT NULL DEFAULT false;

-- Per band pattern and local date (the tariff's wall clock), the runs of one winner:
-- [wall_from, wall_to) with the position of the winning candidate (NULL: no band active).
-- Filled for the dates that rated usage needs (rating_ensure_schedule()).
CREATE TABLE rating_schedule (
    pattern_id bigint    NOT NULL REFERENCES rating_band_patterns (id),
    day        date      NOT NULL,
    wall_from  timestamp NOT NULL,
    wall_to    timestamp NOT NULL,
    ord        integer,
    PRIMARY KEY (pattern_id, day, wall_from)
);

-- Each candidate as the fast path prices it: the destination rate's rounding as
-- sign × floor(sign × cost × 10^decimals + half) × 10^-decimals (up: sign -1; half_up: half
-- 0.5), its max cost when the strategy is free, the connect fee and its rate's first two
-- groups side by side (2 x price x increment x 10^12 and 2 x rate unit, as the general path
-- uses them). `simple` is false for rates of more than two groups: the general path rates
-- those.
CREATE TABLE rating_prices (
    candidate_set_id bigint   NOT NULL REFERENCES rating_candidate_sets (id),
    ord              integer  NOT NULL,
    destination      text     NOT NULL,
    time_band        text     NOT NULL,
    rounding_decimals smallint NOT NULL,
    round_sign       numeric  NOT NULL,
    round_half       numeric  NOT NULL,
    round_scale      numeric  NOT NULL,
    round_unit       numeric  NOT NULL,
    cap              numeric,
    connect_fee      numeric  NOT NULL,
    simple           boolean  NOT NULL,
    start1           numeric  NOT NULL,
    next1            numeric,
    step1            numeric  NOT NULL,
    doubled1         numeric  NOT NULL,
    unit1            numeric  NOT NULL,
    increment_cost1  numeric,
    start2           numeric,
    step2            numeric,
    doubled2         numeric,
    unit2            numeric,
    increment_cost2  numeric,
    PRIMARY KEY (candidate_set_id, ord)
);
