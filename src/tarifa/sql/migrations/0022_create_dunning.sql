-- Dunning (DOMAIN.md "Payments"; src/tarifa/payments/dunning.py): the steps taken for an
-- overdue invoice, each once (a reminder, a retry of the card, the suspension of the
-- account's subscriptions), and the resumption once nothing is overdue any more.

CREATE TABLE dunning_events (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id  bigint      REFERENCES invoices (id),
    account_id  bigint      NOT NULL REFERENCES customers (id),
    -- Days past the due date the step is for (0 for a resumption).
    day         integer     NOT NULL,
    action      text        NOT NULL,
    -- Taken, or passed over because a later step was due on the same run.
    taken       boolean     NOT NULL,
    detail      jsonb       NOT NULL DEFAULT '{}',
    run_on      date        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text        NOT NULL,
    CONSTRAINT dunning_events_action_check CHECK (action IN ('remind', 'retry', 'suspend', 'resume'))
);
CREATE UNIQUE INDEX dunning_events_step ON dunning_events (invoice_id, day)
    WHERE action <> 'resume';
CREATE INDEX dunning_events_account ON dunning_events (account_id);
