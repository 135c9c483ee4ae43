-- Bill runs (DOMAIN.md "Invoices"; src/tarifa/bill_runs/).
--
-- An account is invoiced per billing date (src/tarifa/billing/schedule.py): the day a
-- subscription starts and the end of each of its periods. So the key of an invoice becomes
-- (account, billing date); its period_start/period_end now span the service dates of its
-- lines (the arrears period that ends on the billing date and the advance period that
-- starts on it).

ALTER TABLE invoices ADD COLUMN billing_date date;
UPDATE invoices SET billing_date = period_end;
ALTER TABLE invoices ALTER COLUMN billing_date SET NOT NULL;
ALTER TABLE invoices DROP CONSTRAINT invoices_period_key;
-- One invoice per account and billing date: a bill run that runs again (or twice at once)
-- finds it.
ALTER TABLE invoices ADD CONSTRAINT invoices_billing_date_key UNIQUE (account_id, billing_date);

-- What a later invoice needs to settle a fee billed in advance: the plan and charge it was
-- for and the plan's price of the whole period (a credit of part of it is priced from it).
ALTER TABLE invoice_lines ADD COLUMN plan text;
ALTER TABLE invoice_lines ADD COLUMN charge text;
ALTER TABLE invoice_lines ADD COLUMN full_amount numeric;

-- VAT rates in the vat-rates.json format, as loaded (`tarifa tax load`); the newest set is
-- the one bill runs use.
CREATE TABLE tax_rate_sets (
    id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source    text        NOT NULL,
    document  jsonb       NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now(),
    actor     text        NOT NULL
);

CREATE TABLE bill_runs (
    id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Every account's billing dates on or before this local date are invoiced.
    as_of        date        NOT NULL,
    seller_id    bigint      NOT NULL REFERENCES sellers (id),
    finalize     boolean     NOT NULL,
    grace_days   integer     NOT NULL,
    status       text        NOT NULL DEFAULT 'running',
    actor        text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CONSTRAINT bill_runs_status_check CHECK (status IN ('running', 'completed')),
    CONSTRAINT bill_runs_grace_check CHECK (grace_days >= 0)
);

-- The run's work queue: one row per account, claimed by workers with FOR UPDATE SKIP LOCKED
-- and marked done (or failed, with the reason) in the transaction that invoices it, so a
-- run that crashes resumes where it stopped.
CREATE TABLE bill_run_accounts (
    bill_run_id bigint  NOT NULL REFERENCES bill_runs (id),
    account_id  bigint  NOT NULL REFERENCES customers (id),
    status      text    NOT NULL DEFAULT 'pending',
    reason      text,
    drafted     integer NOT NULL DEFAULT 0,
    finalized   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bill_run_id, account_id),
    CONSTRAINT bill_run_accounts_status_check CHECK (status IN ('pending', 'done', 'failed'))
);
CREATE INDEX bill_run_accounts_pending ON bill_run_accounts (bill_run_id, account_id)
    WHERE status = 'pending';

ALTER TABLE invoices ADD COLUMN bill_run_id bigint REFERENCES bill_runs (id);
CREATE INDEX invoices_bill_run ON invoices (bill_run_id) WHERE bill_run_id IS NOT NULL;

-- A bill run reads each subscription's usage of its period: by subscription and time.
CREATE INDEX usage_records_subscription ON usage_records (subscription_id, started_at)
    WHERE subscription_id IS NOT NULL;
