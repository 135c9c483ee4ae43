-- Orders from an order-management system (issue 7; src/tarifa/orders/): one row per order
-- id, written in the very transaction that applies the order (customer upsert,
-- subscriptions, inventory), so an order is applied once or not at all. The same order sent
-- again finds its row and gets the stored result; another order under the same id is told
-- apart by its fingerprint (SHA-256 of the order's canonical JSON) and refused.

CREATE TABLE orders (
    order_id    text        PRIMARY KEY,
    fingerprint char(64)    NOT NULL,
    -- Set, with the result, before the transaction that claimed the row commits.
    account_id  bigint      REFERENCES customers (id),
    result      jsonb,
    actor       text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_order_id_check
        CHECK (length(order_id) BETWEEN 1 AND 100 AND order_id = btrim(order_id)),
    CONSTRAINT orders_fingerprint_check CHECK (fingerprint ~ '^[0-9a-f]{64}$')
);

CREATE INDEX orders_account ON orders (account_id);
