-- Webhook events (docs/webhooks.md): written to the outbox (`webhook_events`) by triggers on
-- the tables where the changes happen, in the transaction of the change, so no service has
-- to remember them and a rolled-back change leaves no event. Each trigger first asks
-- whether an active endpoint subscribes to the type (one index-less look at a table of a few
-- rows) and writes nothing otherwise: an installation without webhooks pays one cheap
-- EXISTS per statement (per row on the low-volume tables), nothing more.
--
-- Payloads are small JSON objects: ids and external ids, amounts as decimal strings with
-- their currency, dates as YYYY-MM-DD and instants as UTC ISO 8601 (webhooks_time).

CREATE OR REPLACE FUNCTION webhooks_wanted(p_type text) RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE active AND (p_type = ANY (event_types) OR '*' = ANY (event_types)))
$$;

CREATE OR REPLACE FUNCTION webhooks_time(p_at timestamptz) RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

-- One delivery per new event and active endpoint subscribed to its type, in the event's
-- transaction (so the worker only ever reads deliveries).
CREATE OR REPLACE FUNCTION webhooks_fan_out() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO webhook_deliveries (event_id, endpoint_id)
    SELECT e.id, p.id
    FROM new_events e
    JOIN webhook_endpoints p
        ON p.active AND (e.type = ANY (p.event_types) OR '*' = ANY (p.event_types))
    ORDER BY e.seq, p.id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER webhook_events_fan_out
AFTER INSERT ON webhook_events REFERENCING NEW TABLE AS new_events
FOR EACH STATEMENT EXECUTE FUNCTION webhooks_fan_out();

-- invoice.finalized: once per statement (a bill run finalizes a batch of invoices in one
-- UPDATE), for the rows that went from draft to finalized.
CREATE OR REPLACE FUNCTION webhooks_invoices_finalized() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT webhooks_wanted('invoice.finalized') THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, payload)
    SELECT 'invoice.finalized', jsonb_build_object(
        'invoice_id', n.id, 'number', n.number, 'creditor_reference', n.creditor_reference,
        'account_id', n.account_id, 'account_external_id', c.external_id,
        'seller_id', n.seller_id, 'bill_run_id', n.bill_run_id, 'currency', n.currency,
        'net', n.net::text, 'tax', n.tax::text, 'total', n.total::text,
        'billing_date', n.billing_date, 'period_start', n.period_start,
        'period_end', n.period_end, 'issue_date', n.issue_date, 'due_date', n.due_date,
        'finalized_at', webhooks_time(n.finalized_at))
    FROM new_invoices n
    JOIN old_invoices o ON o.id = n.id
    JOIN customers c ON c.id = n.account_id
    WHERE o.status = 'draft' AND n.status = 'finalized'
    ORDER BY n.id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER invoices_webhooks_finalized
AFTER UPDATE ON invoices
REFERENCING OLD TABLE AS old_invoices NEW TABLE AS new_invoices
FOR EACH STATEMENT EXECUTE FUNCTION webhooks_invoices_finalized();

-- invoice.paid: an allocation (a payment, or customer credit at finalization) brought the
-- invoice's balance (the invoice_balances view) from above zero to zero. A write-off is an
-- allocation too, but pays nothing (the view leaves it out of `allocated`). The view is read
-- per invoice with its id as a parameter, which PostgreSQL pushes into the view's sums.
CREATE OR REPLACE FUNCTION webhooks_invoice_paid() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    a record;
BEGIN
    IF NOT webhooks_wanted('invoice.paid') THEN
        RETURN NULL;
    END IF;
    FOR a IN
        SELECT invoice_id, sum(amount) AS amount, max(allocated_at) AS at,
               coalesce(jsonb_agg(DISTINCT payment_id) FILTER (WHERE payment_id IS NOT NULL),
                        '[]') AS payment_ids
        FROM new_allocations WHERE source <> 'write_off'
        GROUP BY invoice_id ORDER BY invoice_id
    LOOP
        INSERT INTO webhook_events (type, payload)
        SELECT 'invoice.paid', jsonb_build_object(
            'invoice_id', i.id, 'number', i.number, 'account_id', i.account_id,
            'account_external_id', c.external_id, 'currency', i.currency,
            'total', i.total::text, 'credited', b.credited::text, 'paid', b.allocated::text,
            'payment_ids', a.payment_ids, 'paid_at', webhooks_time(a.at))
        FROM invoices i
        JOIN invoice_balances b ON b.invoice_id = i.id
        JOIN customers c ON c.id = i.account_id
        WHERE i.id = a.invoice_id AND i.status = 'finalized'
          AND i.total - b.credited - b.allocated <= 0
          AND i.total - b.credited - b.allocated + a.amount > 0;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER invoice_allocations_webhooks_paid
AFTER INSERT ON invoice_allocations REFERENCING NEW TABLE AS new_allocations
FOR EACH STATEMENT EXECUTE FUNCTION webhooks_invoice_paid();

-- payment.succeeded / payment.failed: a payment made in that state (money received) or
-- moved to it (a gateway's answer, a direct debit booked or rejected).
CREATE OR REPLACE FUNCTION webhooks_payment_settled() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_type text := 'payment.' || NEW.status;
BEGIN
    IF NOT webhooks_wanted(v_type) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, payload)
    SELECT v_type, jsonb_build_object(
        'payment_id', NEW.id, 'status', NEW.status, 'kind', NEW.kind,
        'account_id', NEW.account_id, 'account_external_id', c.external_id,
        'amount', NEW.amount::text, 'currency', NEW.currency, 'invoice_id', NEW.invoice_id,
        'gateway', NEW.gateway, 'gateway_reference', NEW.gateway_reference,
        'failure_code', NEW.failure_code, 'failure_message', NEW.failure_message,
        'received_on', NEW.received_on, 'updated_at', webhooks_time(NEW.updated_at))
    FROM customers c WHERE c.id = NEW.account_id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER payments_webhooks_made
AFTER INSERT ON payments
FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed'))
EXECUTE FUNCTION webhooks_payment_settled();

CREATE OR REPLACE TRIGGER payments_webhooks_settled
AFTER UPDATE OF status ON payments
FOR EACH ROW WHEN (NEW.status IN ('succeeded', 'failed') AND NEW.status <> OLD.status)
EXECUTE FUNCTION webhooks_payment_settled();

-- dispute.opened / dispute.closed (won or lost), of both kinds: a card chargeback (on a
-- payment) and a customer's dispute of an invoice line.
CREATE OR REPLACE FUNCTION webhooks_dispute() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    v_type text := CASE WHEN TG_OP = 'INSERT' THEN 'dispute.opened' ELSE 'dispute.closed' END;
BEGIN
    IF NOT webhooks_wanted(v_type) THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, payload)
    SELECT v_type, jsonb_build_object(
        'dispute_id', NEW.id, 'kind', NEW.kind, 'status', NEW.status,
        'payment_id', NEW.payment_id, 'invoice_id', NEW.invoice_id,
        'line_position', NEW.line_position, 'account_id', NEW.account_id,
        'account_external_id', c.external_id, 'amount', NEW.amount::text,
        'currency', NEW.currency, 'reason', NEW.reason,
        'gateway_reference', NEW.gateway_reference, 'credit_note_id', NEW.credit_note_id,
        'evidence_due_by', webhooks_time(NEW.evidence_due_by),
        'opened_at', webhooks_time(NEW.opened_at), 'closed_at', webhooks_time(NEW.closed_at))
    FROM customers c WHERE c.id = NEW.account_id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER disputes_webhooks_opened
AFTER INSERT ON disputes
FOR EACH ROW EXECUTE FUNCTION webhooks_dispute();

CREATE OR REPLACE TRIGGER disputes_webhooks_closed
AFTER UPDATE OF status ON disputes
FOR EACH ROW WHEN (OLD.status = 'open' AND NEW.status <> 'open')
EXECUTE FUNCTION webhooks_dispute();

-- subscription.changed: every entry of a subscription's history (created, plan or quantity
-- changed, suspended, resumed, cancelled), once per statement.
CREATE OR REPLACE FUNCTION webhooks_subscription_changed() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT webhooks_wanted('subscription.changed') THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, payload)
    SELECT 'subscription.changed', jsonb_build_object(
        'subscription_id', s.id, 'subscription_external_id', s.external_id,
        'account_id', s.account_id, 'account_external_id', c.external_id,
        'change', n.kind, 'position', n.position, 'effective', n.effective,
        'plan', n.plan, 'quantity', n.quantity, 'trial_days', n.trial_days,
        'recorded_at', webhooks_time(n.recorded_at))
    FROM new_changes n
    JOIN subscriptions s ON s.id = n.subscription_id
    JOIN customers c ON c.id = s.account_id
    ORDER BY n.subscription_id, n.position;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER subscription_changes_webhooks
AFTER INSERT ON subscription_changes REFERENCING NEW TABLE AS new_changes
FOR EACH STATEMENT EXECUTE FUNCTION webhooks_subscription_changed();

-- usage.quarantined: one event per import (a file, or a retry of the quarantine) that
-- quarantined lines, with its counts, when it finishes; never one per record (the intake
-- path stays untouched).
CREATE OR REPLACE FUNCTION webhooks_usage_quarantined() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT webhooks_wanted('usage.quarantined') THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, payload)
    VALUES ('usage.quarantined', jsonb_build_object(
        'import_id', NEW.id, 'kind', NEW.kind, 'source', NEW.source, 'file', NEW.file,
        'tenant', NEW.tenant, 'received', NEW.received, 'accepted', NEW.accepted,
        'filtered', NEW.filtered, 'duplicates', NEW.duplicates,
        'quarantined', NEW.quarantined, 'started_at', webhooks_time(NEW.started_at),
        'finished_at', webhooks_time(NEW.finished_at)));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER usage_imports_webhooks_quarantined
AFTER UPDATE OF finished_at ON usage_imports
FOR EACH ROW WHEN (OLD.finished_at IS NULL AND NEW.finished_at IS NOT NULL
                   AND NEW.quarantined > 0)
EXECUTE FUNCTION webhooks_usage_quarantined();

-- bill_run.completed: the run's counts and its invoices' totals per status and currency.
CREATE OR REPLACE FUNCTION webhooks_bill_run_completed() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF NOT webhooks_wanted('bill_run.completed') THEN
        RETURN NULL;
    END IF;
    INSERT INTO webhook_events (type, payload)
    SELECT 'bill_run.completed', jsonb_build_object(
        'bill_run_id', NEW.id, 'as_of', NEW.as_of, 'seller_id', NEW.seller_id,
        'seller_code', s.code, 'finalize', NEW.finalize,
        'accounts', q.accounts, 'failed', q.failed, 'drafted', q.drafted,
        'finalized', q.finalized, 'totals', t.totals,
        'started_at', webhooks_time(NEW.started_at),
        'finished_at', webhooks_time(NEW.finished_at))
    FROM sellers s,
         (SELECT count(*) AS accounts, count(*) FILTER (WHERE status = 'failed') AS failed,
                 coalesce(sum(drafted), 0) AS drafted, coalesce(sum(finalized), 0) AS finalized
          FROM bill_run_accounts WHERE bill_run_id = NEW.id) q,
         (SELECT coalesce(jsonb_agg(jsonb_build_object(
                     'status', status, 'currency', currency, 'invoices', invoices,
                     'net', net::text, 'tax', tax::text, 'total', total::text)
                     ORDER BY status, currency), '[]') AS totals
          FROM (SELECT status, currency, count(*) AS invoices, sum(net) AS net,
                       sum(tax) AS tax, sum(total) AS total
                FROM invoices WHERE bill_run_id = NEW.id
                GROUP BY status, currency) g) t
    WHERE s.id = NEW.seller_id;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER bill_runs_webhooks_completed
AFTER UPDATE OF status ON bill_runs
FOR EACH ROW WHEN (OLD.status = 'running' AND NEW.status = 'completed')
EXECUTE FUNCTION webhooks_bill_run_completed();
