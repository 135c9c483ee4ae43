-- The catalog (DOMAIN.md "Pricing models"; src/tarifa/catalog/): products, plans and their
-- versions, charges with a price per currency, promotions, coupons, and the loads that stored
-- them. A stored plan version never changes (subscriptions stay on it until moved): the
-- triggers in sql/functions/catalog.sql refuse updates and deletes of a version and of what
-- hangs off it. Pricing specs are stored as the file writes them (jsonb), with their model
-- in a column of its own; tarifa.pricing.parse_spec checks them before they get here.

CREATE TABLE catalog_loads (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash  text        NOT NULL,
    source        text        NOT NULL,
    loaded_by     text        NOT NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    created       jsonb       NOT NULL,  -- what this load stored: codes per kind
    CONSTRAINT catalog_loads_content_hash_key UNIQUE (content_hash)
);

CREATE TABLE catalog_products (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       text        NOT NULL,
    name       text        NOT NULL,
    service    text        NOT NULL,
    load_id    bigint      NOT NULL REFERENCES catalog_loads (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT catalog_products_code_key UNIQUE (code),
    CONSTRAINT catalog_products_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT catalog_products_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT catalog_products_service_check CHECK (
        service IN ('voice', 'data', 'sms', 'mms', 'video', 'recurring', 'one_time', 'other'))
);

CREATE TABLE catalog_plans (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text        NOT NULL,
    name        text        NOT NULL,
    description text,
    load_id     bigint      NOT NULL REFERENCES catalog_loads (id),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT catalog_plans_code_key UNIQUE (code),
    CONSTRAINT catalog_plans_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT catalog_plans_name_check CHECK (length(name) BETWEEN 1 AND 200)
);

CREATE TABLE catalog_plan_versions (
    id             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_id        bigint  NOT NULL REFERENCES catalog_plans (id),
    number         integer NOT NULL,
    effective_from date    NOT NULL,
    currencies     text[]  NOT NULL,
    billing_period text    NOT NULL,
    proration      text    NOT NULL,
    trial_days     integer NOT NULL,
    load_id        bigint  NOT NULL REFERENCES catalog_loads (id),
    CONSTRAINT catalog_plan_versions_number_key UNIQUE (plan_id, number),
    CONSTRAINT catalog_plan_versions_effective_key UNIQUE (plan_id, effective_from),
    CONSTRAINT catalog_plan_versions_number_check CHECK (number >= 1),
    CONSTRAINT catalog_plan_versions_currencies_check CHECK (
        cardinality(currencies) >= 1 AND array_position(currencies, NULL) IS NULL),
    CONSTRAINT catalog_plan_versions_billing_period_check CHECK (
        billing_period IN ('weekly', 'monthly', 'quarterly', 'yearly')),
    CONSTRAINT catalog_plan_versions_proration_check CHECK (
        proration IN ('actual_days', 'thirty_360', 'inclusive_days', 'seconds')),
    CONSTRAINT catalog_plan_versions_trial_days_check CHECK (trial_days >= 0)
);

CREATE TABLE catalog_minimum_commitments (
    plan_version_id bigint         NOT NULL REFERENCES catalog_plan_versions (id),
    currency        char(3)        NOT NULL,
    amount          numeric(30,10) NOT NULL,
    PRIMARY KEY (plan_version_id, currency),
    CONSTRAINT catalog_minimum_commitments_amount_check CHECK (amount >= 0)
);

CREATE TABLE catalog_charges (
    id                     bigint         GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_version_id        bigint         NOT NULL REFERENCES catalog_plan_versions (id),
    position               integer        NOT NULL,
    code                   text           NOT NULL,
    name                   text           NOT NULL,
    kind                   text           NOT NULL,
    product_id             bigint         NOT NULL REFERENCES catalog_products (id),
    timing                 text,
    metric                 text,
    unit                   text,
    tariff                 text,
    allowance_quantity     numeric(30,10),
    allowance_prorate      boolean,
    allowance_destinations text[],
    periods                integer,  -- recurring: billed for the first N periods only
    CONSTRAINT catalog_charges_code_key UNIQUE (plan_version_id, code),
    CONSTRAINT catalog_charges_position_key UNIQUE (plan_version_id, position),
    CONSTRAINT catalog_charges_kind_check CHECK (kind IN ('recurring', 'usage', 'one_time')),
    CONSTRAINT catalog_charges_timing_check CHECK (
        (kind = 'recurring') = (timing IS NOT NULL) AND timing IN ('in_advance', 'in_arrears')),
    CONSTRAINT catalog_charges_usage_check CHECK (
        kind = 'usage' OR (metric IS NULL AND unit IS NULL AND tariff IS NULL
                           AND allowance_quantity IS NULL)),
    CONSTRAINT catalog_charges_allowance_check CHECK (
        (allowance_quantity IS NULL) = (allowance_prorate IS NULL)
        AND (allowance_quantity IS NULL) = (allowance_destinations IS NULL)
        AND allowance_quantity >= 0),
    CONSTRAINT catalog_charges_periods_check CHECK (
        periods >= 1 AND kind = 'recurring' OR periods IS NULL)
);

CREATE TABLE catalog_charge_prices (
    charge_id bigint  NOT NULL REFERENCES catalog_charges (id),
    currency  char(3) NOT NULL,
    model     text    NOT NULL,
    spec      jsonb   NOT NULL,
    PRIMARY KEY (charge_id, currency),
    CONSTRAINT catalog_charge_prices_model_check CHECK (spec ->> 'model' = model)
);

CREATE TABLE catalog_promotions (
    id              bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    plan_version_id bigint  NOT NULL REFERENCES catalog_plan_versions (id),
    position        integer NOT NULL,
    charge_id       bigint  NOT NULL REFERENCES catalog_charges (id),
    periods         integer NOT NULL,
    CONSTRAINT catalog_promotions_position_key UNIQUE (plan_version_id, position),
    CONSTRAINT catalog_promotions_periods_check CHECK (periods >= 1)
);

CREATE TABLE catalog_promotion_prices (
    promotion_id bigint  NOT NULL REFERENCES catalog_promotions (id),
    currency     char(3) NOT NULL,
    model        text    NOT NULL,
    spec         jsonb   NOT NULL,
    PRIMARY KEY (promotion_id, currency),
    CONSTRAINT catalog_promotion_prices_model_check CHECK (spec ->> 'model' = model)
);

CREATE TABLE catalog_coupons (
    id              bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text          NOT NULL,
    name            text          NOT NULL,
    percentage      numeric(9,6),
    duration        text          NOT NULL,
    periods         integer,
    scope           text          NOT NULL,
    target          text,
    valid_from      date,
    valid_until     date,
    max_redemptions integer,
    load_id         bigint        NOT NULL REFERENCES catalog_loads (id),
    CONSTRAINT catalog_coupons_code_key UNIQUE (code),
    CONSTRAINT catalog_coupons_code_check CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    CONSTRAINT catalog_coupons_percentage_check CHECK (percentage > 0 AND percentage <= 100),
    CONSTRAINT catalog_coupons_duration_check CHECK (
        duration IN ('once', 'repeating', 'forever')
        AND (duration = 'repeating') = (periods IS NOT NULL) AND periods >= 1),
    CONSTRAINT catalog_coupons_scope_check CHECK (
        scope IN ('invoice', 'plan', 'charge') AND (scope = 'invoice') = (target IS NULL)),
    CONSTRAINT catalog_coupons_validity_check CHECK (valid_until >= valid_from),
    CONSTRAINT catalog_coupons_max_redemptions_check CHECK (max_redemptions >= 1)
);

CREATE TABLE catalog_coupon_amounts (
    coupon_id bigint         NOT NULL REFERENCES catalog_coupons (id),
    currency  char(3)        NOT NULL,
    amount    numeric(30,10) NOT NULL,
    PRIMARY KEY (coupon_id, currency),
    CONSTRAINT catalog_coupon_amounts_amount_check CHECK (amount > 0)
);

CREATE INDEX catalog_charges_product_idx ON catalog_charges (product_id);
CREATE INDEX catalog_promotions_charge_idx ON catalog_promotions (charge_id);
