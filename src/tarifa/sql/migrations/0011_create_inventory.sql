-- Inventory: phone numbers, SIM cards and devices (src/tarifa/inventory/). A resource is
-- available, reserved, assigned, quarantined after release, or retired; its assignments
-- are kept as time ranges, and two that overlap for one resource are refused: a number is
-- never on two subscriptions at once.

CREATE TABLE inventory_resources (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text        NOT NULL,
    value            text        NOT NULL,
    status           text        NOT NULL DEFAULT 'available',
    -- Reserved: for whom (an order id) and until when.
    reserved_for     text,
    reserved_until   timestamptz,
    -- Assigned: to which subscription (the open assignment).
    subscription_id  bigint      REFERENCES subscriptions (id),
    -- Quarantined: not to be reserved or assigned before this instant.
    quarantine_until timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inventory_resources_key UNIQUE (kind, value),
    CONSTRAINT inventory_resources_kind_check CHECK (kind IN ('phone_number', 'sim', 'device')),
    CONSTRAINT inventory_resources_status_check CHECK (
        status IN ('available', 'reserved', 'assigned', 'quarantined', 'retired')),
    CONSTRAINT inventory_resources_assigned_check
        CHECK ((status = 'assigned') = (subscription_id IS NOT NULL)),
    CONSTRAINT inventory_resources_reserved_check
        CHECK ((status = 'reserved') = (reserved_until IS NOT NULL))
);

CREATE TABLE inventory_assignments (
    id              bigint    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    resource_id     bigint    NOT NULL REFERENCES inventory_resources (id),
    subscription_id bigint    NOT NULL REFERENCES subscriptions (id),
    during          tstzrange NOT NULL,
    CONSTRAINT inventory_assignments_once
        EXCLUDE USING gist (resource_id WITH =, during WITH &&)
);

CREATE INDEX inventory_assignments_subscription ON inventory_assignments (subscription_id);
