-- Subscriptions and their history (DOMAIN.md "Subscriptions and billing cycles";
-- src/tarifa/subscriptions/). A subscription's state on any date comes from its changes,
-- which are only ever appended (a trigger refuses updates and deletes): the history an
-- invoice was computed from stays what it was.

CREATE TABLE subscriptions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint      NOT NULL REFERENCES customers (id),
    -- The id an order-management or CRM system knows it by, if any.
    external_id text,
    -- Where its periods start: the account's billing cycle day, or its own start date.
    alignment   text        NOT NULL DEFAULT 'billing_cycle_day',
    started_on  date        NOT NULL,
    coupon      text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- Goes up with every change (a change names the version it was made on).
    version     integer     NOT NULL DEFAULT 1,
    CONSTRAINT subscriptions_external_id_key UNIQUE (external_id),
    CONSTRAINT subscriptions_alignment_check
        CHECK (alignment IN ('billing_cycle_day', 'anniversary'))
);

CREATE INDEX subscriptions_account ON subscriptions (account_id);

CREATE TABLE subscription_changes (
    subscription_id bigint      NOT NULL REFERENCES subscriptions (id),
    position        integer     NOT NULL,
    kind            text        NOT NULL,
    -- The local date (the account's time zone) from which the change applies.
    effective       date        NOT NULL,
    plan            text,
    quantity        integer,
    trial_days      integer     NOT NULL DEFAULT 0,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    actor           text        NOT NULL,
    PRIMARY KEY (subscription_id, position),
    CONSTRAINT subscription_changes_kind_check CHECK (kind IN (
        'created', 'plan_changed', 'quantity_changed', 'suspended', 'resumed', 'cancelled')),
    CONSTRAINT subscription_changes_quantity_check CHECK (quantity >= 1),
    CONSTRAINT subscription_changes_trial_check CHECK (trial_days >= 0)
);

ALTER TABLE usage_identifiers ADD CONSTRAINT usage_identifiers_subscription_id_fkey
    FOREIGN KEY (subscription_id) REFERENCES subscriptions (id);
