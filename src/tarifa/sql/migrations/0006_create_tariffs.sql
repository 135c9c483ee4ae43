-- Telecom tariffs (DOMAIN.md "Telecom event rating"; src/tarifa/rating/model.py), stored
-- normalized, one row per value of the model, so that a stored tariff loads back equal.
--
-- Revisions. Loading a tariff whose code is stored already is a correction: it becomes a new
-- revision (rating_tariffs.revision + 1) and the previous one stops being current. Nothing of
-- an old revision is deleted or changed: rated usage names the revision that priced it
-- (rated_usage.tariff_id), so rerating can compare old and new costs record by record.
--
-- One namespace of profiles. The current revisions of all tariffs share the rating profiles,
-- as in CGRateS: (tenant, category, subject, activation) is unique among current profiles
-- (the partial unique index rating_profiles_namespace). An event goes to the tariff of the
-- latest current profile of its subject activated at or before it (else of subject *any),
-- and is rated wholly inside that tariff, fallback subjects included.
--
-- Lookup tables (the last block) are derived from the model when a revision is stored, once:
-- for each rating plan, every prefix with its candidate destination rates in the order that
-- decides between active ones; the SQL batch rater (sql/functions/rating.sql) joins on them.

CREATE TABLE rating_tariffs (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               text        NOT NULL,
    revision           integer     NOT NULL,
    -- The revision that rates new usage; earlier ones are kept for rerating and history.
    current            boolean     NOT NULL DEFAULT true,
    currency           char(3)     NOT NULL,
    time_zone          text        NOT NULL,
    -- The cost of one increment is rounded half-up to this many decimals (NULL: exact).
    increment_decimals smallint,
    -- SHA-256 of the tariff's canonical document: loading the same content again is a no-op.
    content_hash       text        NOT NULL,
    source             text        NOT NULL,
    loaded_by          text        NOT NULL,
    loaded_at          timestamptz NOT NULL DEFAULT now(),
    replaced_at        timestamptz,
    CONSTRAINT rating_tariffs_revision_key UNIQUE (code, revision),
    CONSTRAINT rating_tariffs_code_check CHECK (length(code) BETWEEN 1 AND 100),
    CONSTRAINT rating_tariffs_revision_check CHECK (revision >= 1),
    CONSTRAINT rating_tariffs_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT rating_tariffs_increment_decimals_check CHECK (increment_decimals BETWEEN 0 AND 12),
    CONSTRAINT rating_tariffs_current_check CHECK (current = (replaced_at IS NULL))
);

CREATE UNIQUE INDEX rating_tariffs_current_key ON rating_tariffs (code) WHERE current;

CREATE TABLE rating_destinations (
    id        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id bigint  NOT NULL REFERENCES rating_tariffs (id),
    position  integer NOT NULL,
    code      text    NOT NULL,
    CONSTRAINT rating_destinations_code_key UNIQUE (tariff_id, code),
    CONSTRAINT rating_destinations_code_check CHECK (code <> '*any')
);

CREATE TABLE rating_destination_prefixes (
    destination_id bigint  NOT NULL REFERENCES rating_destinations (id),
    position       integer NOT NULL,
    -- E.164 digits without "+", or a word such as "voicemail".
    prefix         text    NOT NULL,
    PRIMARY KEY (destination_id, position),
    CONSTRAINT rating_destination_prefixes_prefix_check
        CHECK (prefix <> '' AND prefix <> '*any' AND left(prefix, 1) <> '+')
);

CREATE TABLE rating_rates (
    id          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id   bigint  NOT NULL REFERENCES rating_tariffs (id),
    position    integer NOT NULL,
    code        text    NOT NULL,
    connect_fee numeric NOT NULL,
    CONSTRAINT rating_rates_code_key UNIQUE (tariff_id, code),
    CONSTRAINT rating_rates_connect_fee_check CHECK (connect_fee >= 0)
);

-- From interval_start units into an event on, usage is billed in whole increments, each
-- costing price / rate_unit × increment (a rate_unit or increment of 0 means 1).
CREATE TABLE rating_rate_groups (
    rate_id        bigint  NOT NULL REFERENCES rating_rates (id),
    position       integer NOT NULL,
    interval_start numeric NOT NULL,
    price          numeric NOT NULL,
    rate_unit      numeric NOT NULL,
    increment      numeric NOT NULL,
    -- Derived for the batch rater: where the next group starts (NULL: never), the increment
    -- and unit actually used, and with the tariff's increment_decimals the rounded cost of one
    -- increment (NULL when the tariff rounds nothing per increment).
    next_start     numeric,
    step           numeric NOT NULL GENERATED ALWAYS AS (
                       CASE WHEN increment = 0 THEN 1 ELSE increment END) STORED,
    unit           numeric NOT NULL GENERATED ALWAYS AS (
                       CASE WHEN rate_unit = 0 THEN 1 ELSE rate_unit END) STORED,
    increment_cost numeric,
    PRIMARY KEY (rate_id, position),
    CONSTRAINT rating_rate_groups_values_check
        CHECK (interval_start >= 0 AND price >= 0 AND rate_unit >= 0 AND increment >= 0),
    CONSTRAINT rating_rate_groups_order_check CHECK (next_start > interval_start)
);

-- A named group of destination rates (DestinationRates.csv: one tag, several destinations).
CREATE TABLE rating_destination_rates (
    id        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id bigint  NOT NULL REFERENCES rating_tariffs (id),
    position  integer NOT NULL,
    code      text    NOT NULL,
    CONSTRAINT rating_destination_rates_code_key UNIQUE (tariff_id, code)
);

-- One destination (or *any) priced by one rate, with the event's final rounding.
CREATE TABLE rating_destination_rate_entries (
    id                   bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    destination_rates_id bigint   NOT NULL REFERENCES rating_destination_rates (id),
    position             integer  NOT NULL,
    -- A destination's code, or *any (then destination_id is NULL).
    destination          text     NOT NULL,
    destination_id       bigint   REFERENCES rating_destinations (id),
    rate_id              bigint   NOT NULL REFERENCES rating_rates (id),
    rounding_method      text     NOT NULL,
    rounding_decimals    smallint NOT NULL,
    max_cost             numeric,
    max_cost_strategy    text,
    CONSTRAINT rating_destination_rate_entries_position_key
        UNIQUE (destination_rates_id, position),
    CONSTRAINT rating_destination_rate_entries_destination_check
        CHECK ((destination = '*any') = (destination_id IS NULL)),
    CONSTRAINT rating_destination_rate_entries_method_check
        CHECK (rounding_method IN ('up', 'half_up', 'down')),
    CONSTRAINT rating_destination_rate_entries_decimals_check
        CHECK (rounding_decimals BETWEEN 0 AND 12),
    CONSTRAINT rating_destination_rate_entries_max_cost_check CHECK (
        (max_cost IS NULL) = (max_cost_strategy IS NULL)
        AND max_cost >= 0 AND max_cost_strategy IN ('free', 'disconnect'))
);

-- When a plan entry applies, on the wall clock of the tariff's time zone; an empty list
-- matches any value. Weekdays 1 (Monday) to 7 (Sunday), 0 is Sunday too.
CREATE TABLE rating_time_bands (
    id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id  bigint  NOT NULL REFERENCES rating_tariffs (id),
    position   integer NOT NULL,
    code       text    NOT NULL,
    years      integer[] NOT NULL,
    months     integer[] NOT NULL,
    month_days integer[] NOT NULL,
    weekdays   integer[] NOT NULL,
    start_time time    NOT NULL,
    CONSTRAINT rating_time_bands_code_key UNIQUE (tariff_id, code)
);

CREATE TABLE rating_plans (
    id        bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id bigint  NOT NULL REFERENCES rating_tariffs (id),
    position  integer NOT NULL,
    code      text    NOT NULL,
    -- Derived: the lengths of the plan's prefixes, longest first, and the candidate set of
    -- its *any destination rates (NULL when the plan has none).
    prefix_lengths integer[] NOT NULL DEFAULT '{}',
    any_candidates bigint,
    CONSTRAINT rating_plans_code_key UNIQUE (tariff_id, code)
);

CREATE TABLE rating_plan_entries (
    plan_id              bigint  NOT NULL REFERENCES rating_plans (id),
    position             integer NOT NULL,
    destination_rates_id bigint  NOT NULL REFERENCES rating_destination_rates (id),
    -- A band's code, or *any (always active; then time_band_id is NULL unless the tariff
    -- defines a band coded *any itself).
    time_band            text    NOT NULL,
    time_band_id         bigint  REFERENCES rating_time_bands (id),
    weight               numeric NOT NULL,
    PRIMARY KEY (plan_id, position)
);

CREATE TABLE rating_profiles (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tariff_id         bigint      NOT NULL REFERENCES rating_tariffs (id),
    position          integer     NOT NULL,
    tenant            text        NOT NULL,
    category          text        NOT NULL,
    subject           text        NOT NULL,
    activation        timestamptz NOT NULL,
    plan_id           bigint      NOT NULL REFERENCES rating_plans (id),
    fallback_subjects text[]      NOT NULL,
    -- True while the tariff revision is current: the profile is in the shared namespace.
    active            boolean     NOT NULL DEFAULT true,
    CONSTRAINT rating_profiles_position_key UNIQUE (tariff_id, position)
);

CREATE UNIQUE INDEX rating_profiles_namespace
    ON rating_profiles (tenant, category, subject, activation) WHERE active;

-- Derived lookups for the batch rater --------------------------------------------------------

-- A candidate set: the ordered destination rates that may price a number in one plan (those
-- whose destination holds the number's longest prefix, or the *any ones), in the order that
-- decides between active ones: weight (higher first), band start (later first), plan order.
-- `times` are the instants of a day at which the winner can change (midnight and the start
-- of every band of the set except *any).
CREATE TABLE rating_candidate_sets (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id bigint NOT NULL REFERENCES rating_plans (id),
    times   time[] NOT NULL
);

CREATE TABLE rating_candidates (
    candidate_set_id bigint  NOT NULL REFERENCES rating_candidate_sets (id),
    ord              integer NOT NULL,
    entry_id         bigint  NOT NULL REFERENCES rating_destination_rate_entries (id),
    -- NULL: the band *any, always active.
    time_band_id     bigint  REFERENCES rating_time_bands (id),
    time_band        text    NOT NULL,
    PRIMARY KEY (candidate_set_id, ord)
);

CREATE TABLE rating_plan_prefixes (
    plan_id          bigint NOT NULL REFERENCES rating_plans (id),
    prefix           text   NOT NULL,
    candidate_set_id bigint NOT NULL REFERENCES rating_candidate_sets (id),
    PRIMARY KEY (plan_id, prefix)
);

ALTER TABLE rating_plans ADD CONSTRAINT rating_plans_any_candidates_fkey
    FOREIGN KEY (any_candidates) REFERENCES rating_candidate_sets (id);
