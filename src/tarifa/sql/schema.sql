--
-- PostgreSQL database dump
--



SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;


--
-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';


--
-- Name: api_admit(text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.api_admit(p_prefix text, p_digest text, p_count integer) RETURNS TABLE(id bigint, prefix text, name text, scopes text[], customer_id bigint, created_at timestamp with time zone, revoked_at timestamp with time zone, requests integer)
    LANGUAGE plpgsql
    AS $$
DECLARE
    k api_keys%ROWTYPE;
    counted integer;
    this_minute timestamptz := date_trunc('minute', clock_timestamp());
BEGIN
    SELECT * INTO k FROM api_keys a
    WHERE a.prefix = p_prefix AND a.digest = p_digest AND a.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('synchronous_commit', 'off', true);
    INSERT INTO api_rate_windows AS w (key_id, window_start, requests)
    VALUES (k.id, this_minute, p_count)
    ON CONFLICT (key_id, window_start) DO UPDATE SET requests = w.requests + p_count
    RETURNING w.requests INTO counted;
    IF counted = p_count THEN  -- a new minute: the key's older windows are done with
        DELETE FROM api_rate_windows r WHERE r.key_id = k.id AND r.window_start < this_minute;
    END IF;
    RETURN QUERY SELECT k.id, k.prefix, k.name, k.scopes, k.customer_id, k.created_at,
                        k.revoked_at, counted;
END;
$$;


--
-- Name: audit_append(text, text, text, text, jsonb, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_append(p_actor text, p_action text, p_entity_type text, p_entity_id text, p_data jsonb DEFAULT '{}'::jsonb, p_personal jsonb DEFAULT NULL::jsonb) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    genesis constant text := repeat('0', 64);
    v_id bigint;
    v_at timestamptz;
    v_prev text;
    v_personal jsonb;
    v_digest text;
    v_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock(7402118552);
    SELECT hash INTO v_prev FROM audit_head;
    v_prev := coalesce(v_prev, genesis);
    v_id := nextval('audit_log_id_seq');
    v_at := clock_timestamp();
    IF p_personal IS NOT NULL THEN
        -- A random salt keeps the digest from being matched against guessed values
        -- (an email address hashed bare is still personal data).
        v_personal := jsonb_build_object('salt', gen_random_uuid()::text, 'data', p_personal);
        v_digest := encode(sha256(convert_to(
            (v_personal->>'salt') || E'\n' || (v_personal->'data')::text, 'UTF8')), 'hex');
    END IF;
    v_hash := audit_link_hash(v_prev, audit_canonical(
        v_id, v_at, p_actor, p_action, p_entity_type, p_entity_id,
        coalesce(p_data, '{}'::jsonb), v_digest));
    PERFORM audit_ensure_partition(v_at);
    INSERT INTO audit_log (id, recorded_at, actor, action, entity_type, entity_id, data,
                           personal, personal_digest, prev_hash, hash)
    VALUES (v_id, v_at, p_actor, p_action, p_entity_type, p_entity_id,
            coalesce(p_data, '{}'::jsonb), v_personal, v_digest, v_prev, v_hash);
    INSERT INTO audit_head (id, hash) VALUES (v_id, v_hash)
    ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, hash = excluded.hash;
    RETURN v_id;
END;
$$;


--
-- Name: audit_canonical(bigint, timestamp with time zone, text, text, text, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_canonical(p_id bigint, p_recorded_at timestamp with time zone, p_actor text, p_action text, p_entity_type text, p_entity_id text, p_data jsonb, p_personal_digest text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT jsonb_build_array(
        p_id,
        to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        p_actor, p_action, p_entity_type, p_entity_id, p_data, p_personal_digest
    )::text
$$;


--
-- Name: audit_ensure_partition(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_ensure_partition(p_at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    month_start date := date_trunc('month', p_at AT TIME ZONE 'UTC')::date;
    name text := format('audit_log_p%s', to_char(month_start, 'YYYYMM'));
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    -- Look again under a table lock: taking it brings this session's view of the catalog up
    -- to date, so a month another transaction has just made is found, not made twice.
    LOCK TABLE audit_log IN SHARE UPDATE EXCLUSIVE MODE;
    IF to_regclass(name) IS NOT NULL THEN
        RETURN;
    END IF;
    EXECUTE format(
        'CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
        name,
        (month_start::timestamp AT TIME ZONE 'UTC'),
        ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
END;
$$;


--
-- Name: audit_link_hash(text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_link_hash(p_prev_hash text, p_canonical text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT encode(sha256(convert_to(p_prev_hash || E'\n' || p_canonical, 'UTF8')), 'hex')
$$;


--
-- Name: audit_log_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit log rows cannot be deleted (id %)', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.personal IS NOT NULL
       OR (NEW.id, NEW.recorded_at, NEW.actor, NEW.action, NEW.entity_type, NEW.entity_id,
           NEW.data, NEW.personal_digest, NEW.prev_hash, NEW.hash)
          IS DISTINCT FROM
          (OLD.id, OLD.recorded_at, OLD.actor, OLD.action, OLD.entity_type, OLD.entity_id,
           OLD.data, OLD.personal_digest, OLD.prev_hash, OLD.hash) THEN
        RAISE EXCEPTION 'audit log row % can only have its personal data erased', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;


--
-- Name: billing_charged_cost(numeric, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.billing_charged_cost(cost numeric, billed numeric, covered numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT CASE WHEN covered = 0 THEN cost
                WHEN covered = billed THEN 0
                ELSE div(2 * cost * (billed - covered) * 1000000000000 + billed, 2 * billed)
                     * 0.000000000001
           END
$$;


--
-- Name: billing_consume_allowances(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.billing_consume_allowances(p_from timestamp with time zone, p_to timestamp with time zone) RETURNS TABLE(usage_id bigint, started_at timestamp with time zone, account_id bigint, category text, billed numeric, covered numeric, cost numeric, charged_cost numeric)
    LANGUAGE plpgsql STABLE
    AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH used AS (
        SELECT r.usage_id, r.started_at, r.account_id, u.category, r.billed_usage,
               r.precise_cost, a.included * a.unit AS included
        FROM pg_temp.billing_allowances a
        JOIN rated_usage r ON r.account_id = a.account_id
        JOIN usage_records u
            ON u.id = r.usage_id AND u.started_at = r.started_at AND u.category = a.category
        WHERE r.started_at >= p_from AND r.started_at < p_to
          AND u.started_at >= p_from AND u.started_at < p_to
    ),
    running AS (
        SELECT used.*,
               sum(billed_usage) OVER (PARTITION BY account_id, category
                                       ORDER BY started_at, usage_id
                                       ROWS UNBOUNDED PRECEDING) - billed_usage AS before
        FROM used
    ),
    covered AS (
        SELECT running.*,
               least(billed_usage, greatest(included - before, 0)) AS covered_usage
        FROM running
    )
    SELECT c.usage_id, c.started_at, c.account_id, c.category, c.billed_usage,
           c.covered_usage, c.precise_cost,
           billing_charged_cost(c.precise_cost, c.billed_usage, c.covered_usage)
    FROM covered c;
END;
$$;


--
-- Name: catalog_refuse_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.catalog_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% of % is refused: stored catalog versions never change', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = 'catalog_immutable',
              HINT = 'load a new plan version with a later effective_from';
END
$$;


--
-- Name: customer_credit_available(bigint, character); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.customer_credit_available(p_account bigint, p_currency character) RETURNS numeric
    LANGUAGE sql STABLE
    AS $$
    SELECT (SELECT coalesce(sum(c.amount), 0) FROM customer_credits c
            LEFT JOIN payments p ON p.id = c.payment_id
            WHERE c.account_id = p_account AND c.currency = p_currency
              -- a returned payment takes its credit back
              AND (p.id IS NULL OR p.status NOT IN ('returned', 'reversed')))
         - (SELECT coalesce(sum(a.amount), 0) FROM invoice_allocations a
            JOIN invoices j ON j.id = a.invoice_id
            WHERE j.account_id = p_account AND j.currency = p_currency
              AND a.source = 'customer_credit')
         - (SELECT coalesce(sum(r.amount), 0) FROM refunds r
            WHERE r.account_id = p_account AND r.currency = p_currency
              AND r.status <> 'failed')
$$;


--
-- Name: customers_check_children(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.customers_check_children() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    child record;
BEGIN
    SELECT id, external_id, currency, status INTO child
    FROM customers
    WHERE parent_id = NEW.id
      AND (status <> 'closed' OR NEW.kind <> 'business' OR currency <> NEW.currency)
    ORDER BY id
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'closed' AND child.status <> 'closed' THEN
        RAISE EXCEPTION 'customer % (%) has open child accounts, such as % (%)',
            NEW.id, NEW.external_id, child.id, child.external_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_open_children';
    END IF;
    IF NEW.kind <> 'business' THEN
        RAISE EXCEPTION 'customer % (%) has child accounts and must stay a business',
            NEW.id, NEW.external_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    IF child.currency <> NEW.currency THEN
        RAISE EXCEPTION 'customer % (%) has child accounts billed in %',
            NEW.id, NEW.external_id, child.currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    RETURN NEW;
END;
$$;


--
-- Name: customers_check_parent(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.customers_check_parent() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    parent record;
    ancestor bigint;
    hops integer := 0;
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    -- FOR SHARE: the parent cannot be closed (or change currency) until this commits.
    SELECT id, external_id, kind, currency, status INTO parent
    FROM customers WHERE id = NEW.parent_id FOR SHARE;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports a parent that does not exist
    END IF;
    IF parent.kind <> 'business' THEN
        RAISE EXCEPTION 'customer % (%): parent % (%) is not a business account',
            NEW.id, NEW.external_id, parent.id, parent.external_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    IF parent.currency <> NEW.currency THEN
        RAISE EXCEPTION 'customer % (%) bills in %, its parent % (%) in %',
            NEW.id, NEW.external_id, NEW.currency, parent.id, parent.external_id,
            parent.currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    IF TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        IF parent.status = 'closed' THEN
            RAISE EXCEPTION 'customer % (%): parent % (%) is closed',
                NEW.id, NEW.external_id, parent.id, parent.external_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
        END IF;
        IF TG_OP = 'UPDATE' THEN
            -- A new row has no descendants, so only a changed parent can close a cycle. The
            -- lock serializes hierarchy changes, so two concurrent ones cannot each miss the
            -- other's half of a cycle.
            PERFORM pg_advisory_xact_lock(7402118553);
            ancestor := NEW.parent_id;
            WHILE ancestor IS NOT NULL LOOP
                IF ancestor = NEW.id THEN
                    RAISE EXCEPTION 'customer % (%): parent % would make a cycle',
                        NEW.id, NEW.external_id, NEW.parent_id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_cycle';
                END IF;
                hops := hops + 1;
                IF hops > 1000 THEN
                    RAISE EXCEPTION 'customer % (%): hierarchy deeper than 1000 levels',
                        NEW.id, NEW.external_id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_cycle';
                END IF;
                SELECT c.parent_id INTO ancestor FROM customers c WHERE c.id = ancestor;
            END LOOP;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;


--
-- Name: invoice_balances_of(bigint[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.invoice_balances_of(p_invoices bigint[]) RETURNS TABLE(invoice_id bigint, credited numeric, allocated numeric, prepaid numeric, balance numeric, state text, written_off numeric, disputed numeric)
    LANGUAGE sql STABLE
    AS $$
SELECT i.id AS invoice_id,
       coalesce(c.credited, 0) AS credited,
       coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) AS allocated,
       coalesce(a.prepaid, 0) AS prepaid,
       greatest(i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                - coalesce(a.written_off, 0) + coalesce(d.charged_back, 0), 0) AS balance,
       CASE
           WHEN i.status = 'draft' THEN 'draft'
           WHEN i.total > 0 AND coalesce(c.credited, 0) = i.total THEN 'void'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                - coalesce(a.written_off, 0) + coalesce(d.charged_back, 0) <= 0
                AND coalesce(a.written_off, 0) > 0 THEN 'written_off'
           WHEN i.total - coalesce(c.credited, 0) - coalesce(a.allocated, 0)
                + coalesce(d.charged_back, 0) <= 0 THEN 'paid'
           WHEN i.due_date < current_date THEN 'overdue'
           WHEN coalesce(a.allocated, 0) - coalesce(d.charged_back, 0) > 0 THEN 'partially_paid'
           ELSE 'open'
       END AS state,
       coalesce(a.written_off, 0) AS written_off,
       coalesce(l.disputed, 0) AS disputed
FROM invoices i
LEFT JOIN (SELECT n.invoice_id, sum(n.total) AS credited FROM credit_notes n
           WHERE p_invoices IS NULL OR n.invoice_id = ANY(p_invoices)
           GROUP BY n.invoice_id) c
    ON c.invoice_id = i.id
LEFT JOIN (SELECT x.invoice_id,
                  sum(x.amount) FILTER (WHERE x.source <> 'write_off') AS allocated,
                  sum(x.amount) FILTER (WHERE x.source = 'customer_credit') AS prepaid,
                  sum(x.amount) FILTER (WHERE x.source = 'write_off') AS written_off
           FROM invoice_allocations x
           LEFT JOIN payments p ON p.id = x.payment_id
           WHERE (p.id IS NULL OR p.status NOT IN ('returned', 'reversed'))
             AND (p_invoices IS NULL OR x.invoice_id = ANY(p_invoices))
           GROUP BY x.invoice_id) a
    ON a.invoice_id = i.id
LEFT JOIN (SELECT s.invoice_id, sum(s.amount) AS charged_back FROM disputes s
           WHERE s.status = 'lost' AND s.kind = 'chargeback'
             AND (p_invoices IS NULL OR s.invoice_id = ANY(p_invoices))
           GROUP BY s.invoice_id) d
    ON d.invoice_id = i.id
LEFT JOIN (SELECT s.invoice_id, sum(s.amount) AS disputed FROM disputes s
           WHERE s.status = 'open' AND s.kind = 'line'
             AND (p_invoices IS NULL OR s.invoice_id = ANY(p_invoices))
           GROUP BY s.invoice_id) l
    ON l.invoice_id = i.id
WHERE p_invoices IS NULL OR i.id = ANY(p_invoices)
$$;


--
-- Name: invoice_lines_frozen(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.invoice_lines_frozen() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    frozen boolean;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT EXISTS (SELECT 1 FROM new_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized') INTO frozen;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT EXISTS (SELECT 1 FROM old_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized')
            OR EXISTS (SELECT 1 FROM new_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized') INTO frozen;
    ELSE
        SELECT EXISTS (SELECT 1 FROM old_lines l JOIN invoices i ON i.id = l.invoice_id
                       WHERE i.status = 'finalized') INTO frozen;
    END IF;
    IF frozen THEN
        RAISE EXCEPTION 'the lines of a finalized invoice cannot be changed'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: invoices_documents_frozen(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.invoices_documents_frozen() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '% rows cannot be changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;


--
-- Name: invoices_frozen(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.invoices_frozen() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.status = 'finalized' THEN
        RAISE EXCEPTION 'invoice % is finalized: it cannot be deleted', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'finalized'
       AND (NEW.status, NEW.number, NEW.creditor_reference, NEW.issue_date, NEW.due_date,
            NEW.seller_id, NEW.account_id, NEW.currency, NEW.period_start, NEW.period_end,
            NEW.net, NEW.tax, NEW.total, NEW.finalized_at)
           IS DISTINCT FROM
           (OLD.status, OLD.number, OLD.creditor_reference, OLD.issue_date, OLD.due_date,
            OLD.seller_id, OLD.account_id, OLD.currency, OLD.period_start, OLD.period_end,
            OLD.net, OLD.tax, OLD.total, OLD.finalized_at) THEN
        RAISE EXCEPTION 'invoice % is finalized: it cannot be changed', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;


--
-- Name: journal_entry_balanced(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.journal_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM journal_lines l
        JOIN ledger_accounts a ON a.id = l.ledger_account_id
        WHERE l.entry_id = NEW.entry_id
        GROUP BY a.currency
        HAVING sum(l.debit) <> sum(l.credit)
    ) THEN
        RAISE EXCEPTION 'journal entry % does not balance', NEW.entry_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;


--
-- Name: ledger_account_id(text, character, text, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_account_id(p_kind text, p_currency character, p_subject text, p_customer bigint) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    found bigint;
BEGIN
    INSERT INTO ledger_accounts (kind, currency, subject, customer_id)
    VALUES (p_kind, p_currency, p_subject, p_customer)
    ON CONFLICT (kind, currency, subject) DO NOTHING;
    SELECT id INTO found FROM ledger_accounts
    WHERE kind = p_kind AND currency = p_currency AND subject = p_subject;
    RETURN found;
END;
$$;


--
-- Name: ledger_post(bigint[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post(p_invoices bigint[], p_actor text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    posted integer;
BEGIN
    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_amounts (
        entry_id    bigint,
        source_kind text,
        source_id   bigint,
        invoice_id  bigint,
        effective   date,
        description text,
        kind        text,
        currency    char(3),
        subject     text,
        customer_id bigint,
        tagged      bigint,
        amount      numeric,
        -- The ledger account, found once the accounts are made.
        ledger_account bigint
    ) ON COMMIT DROP;
    TRUNCATE ledger_amounts;

    -- Invoices.
    WITH inv AS MATERIALIZED (
        SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) AS entry_id,
               i.id, i.account_id, i.currency, i.total, i.tax, i.issue_date, i.number,
               c.country
        FROM invoices i
        JOIN customers c ON c.id = i.account_id
        WHERE i.id = ANY(p_invoices) AND i.status = 'finalized'
          AND (SELECT e.id FROM journal_entries e
               WHERE e.invoice_id = i.id AND e.kind = 'invoice') IS NULL
    )
    INSERT INTO ledger_amounts
    SELECT entry_id, 'invoice', id, id, issue_date, 'invoice ' || number,
           CASE WHEN total >= 0 THEN 'receivable' ELSE 'customer_credit' END,
           currency, account_id::text, account_id,
           CASE WHEN total >= 0 THEN id END, total
    FROM inv
    UNION ALL
    SELECT inv.entry_id, 'invoice', inv.id, inv.id, inv.issue_date, 'invoice ' || inv.number,
           'revenue', inv.currency, coalesce(l.product, 'other'), NULL::bigint, NULL::bigint,
           -sum(l.net)
    FROM inv JOIN invoice_lines l ON l.invoice_id = inv.id
    GROUP BY inv.entry_id, inv.id, inv.issue_date, inv.number, inv.currency,
             coalesce(l.product, 'other')
    UNION ALL
    SELECT entry_id, 'invoice', id, id, issue_date, 'invoice ' || number, 'tax_payable',
           currency, country, NULL::bigint, NULL::bigint, -tax
    FROM inv;

    -- Credit notes.
    WITH note AS MATERIALIZED (
        SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) AS entry_id,
               n.id, n.invoice_id, n.account_id, n.currency, n.total, n.tax, n.issue_date,
               n.number, c.country,
               coalesce((SELECT sum(k.amount) FROM customer_credits k
                         WHERE k.credit_note_id = n.id), 0) AS beyond
        FROM credit_notes n
        JOIN customers c ON c.id = n.account_id
        WHERE n.invoice_id = ANY(p_invoices)
          AND (SELECT e.id FROM journal_entries e
               WHERE e.credit_note_id = n.id AND e.kind = 'credit_note') IS NULL
    )
    INSERT INTO ledger_amounts
    SELECT note.entry_id, 'credit_note', note.id, note.invoice_id, note.issue_date,
           'credit note ' || note.number, 'revenue', note.currency,
           coalesce(il.product, 'other'), NULL::bigint, NULL::bigint, sum(nl.net)
    FROM note
    JOIN credit_note_lines nl ON nl.credit_note_id = note.id
    LEFT JOIN invoice_lines il
        ON il.invoice_id = note.invoice_id AND il.position = nl.invoice_position
    GROUP BY note.entry_id, note.id, note.invoice_id, note.issue_date, note.number,
             note.currency, coalesce(il.product, 'other')
    UNION ALL
    SELECT entry_id, 'credit_note', id, invoice_id, issue_date, 'credit note ' || number,
           'tax_payable', currency, country, NULL::bigint, NULL::bigint, tax
    FROM note
    UNION ALL
    SELECT entry_id, 'credit_note', id, invoice_id, issue_date, 'credit note ' || number,
           'receivable', currency, account_id::text, account_id, invoice_id, -(total - beyond)
    FROM note
    UNION ALL
    SELECT entry_id, 'credit_note', id, invoice_id, issue_date, 'credit note ' || number,
           'customer_credit', currency, account_id::text, account_id, NULL::bigint, -beyond
    FROM note;

    -- Allocations (a write-off is one of its own kind: the write-offs expense account, not
    -- cash or credit, takes what the receivable gives up).
    WITH alloc AS MATERIALIZED (
        SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')) AS entry_id,
               a.id, a.invoice_id, a.amount, a.source, a.allocated_at, i.account_id,
               i.currency, i.number,
               CASE a.source WHEN 'write_off' THEN 'write_off' ELSE 'allocation' END AS entry
        FROM invoice_allocations a
        JOIN invoices i ON i.id = a.invoice_id
        WHERE a.invoice_id = ANY(p_invoices)
          -- Two probes, each on its partial unique index (one probe on kind IN (...) can
          -- use neither, and scanned the journal once per allocation).
          AND (SELECT e.id FROM journal_entries e
               WHERE e.allocation_id = a.id AND e.kind = 'allocation') IS NULL
          AND (SELECT e.id FROM journal_entries e
               WHERE e.allocation_id = a.id AND e.kind = 'write_off') IS NULL
    )
    INSERT INTO ledger_amounts
    SELECT entry_id, entry, id, invoice_id, allocated_at::date,
           replace(source, '_', ' ') || ' for invoice ' || number,
           CASE source WHEN 'payment' THEN 'cash' WHEN 'write_off' THEN 'write_offs'
                       ELSE 'customer_credit' END, currency,
           CASE source WHEN 'payment' THEN 'bank' WHEN 'write_off' THEN 'bad_debt'
                       ELSE account_id::text END,
           CASE WHEN source IN ('payment', 'write_off') THEN NULL ELSE account_id END,
           NULL::bigint, amount
    FROM alloc
    UNION ALL
    SELECT entry_id, entry, id, invoice_id, allocated_at::date,
           replace(source, '_', ' ') || ' for invoice ' || number, 'receivable', currency,
           account_id::text, account_id, invoice_id, -amount
    FROM alloc;

    INSERT INTO ledger_accounts (kind, currency, subject, customer_id)
    SELECT DISTINCT kind, currency, subject, customer_id FROM ledger_amounts
    ORDER BY 1, 2, 3
    ON CONFLICT (kind, currency, subject) DO NOTHING;
    UPDATE ledger_amounts la
    SET ledger_account = (SELECT a.id FROM ledger_accounts a
                          WHERE a.kind = la.kind AND a.currency = la.currency
                            AND a.subject = la.subject);
    -- Accounts are taken in a fixed order (shared locks: posters never wait for each other,
    -- and an account cannot go away under an entry).
    PERFORM 1 FROM ledger_accounts a
    WHERE a.id = ANY(ARRAY(SELECT DISTINCT ledger_account FROM ledger_amounts))
    ORDER BY a.id
    FOR KEY SHARE;

    INSERT INTO journal_entries (id, kind, invoice_id, credit_note_id, allocation_id,
                                 effective_date, description, actor)
    OVERRIDING SYSTEM VALUE
    SELECT DISTINCT ON (entry_id) entry_id, source_kind, invoice_id,
           CASE WHEN source_kind = 'credit_note' THEN source_id END,
           CASE WHEN source_kind IN ('allocation', 'write_off') THEN source_id END,
           effective, description, p_actor
    FROM ledger_amounts
    ORDER BY entry_id;
    GET DIAGNOSTICS posted = ROW_COUNT;

    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    SELECT entry_id,
           row_number() OVER (PARTITION BY entry_id ORDER BY amount DESC, ledger_account),
           ledger_account, tagged, greatest(amount, 0), greatest(-amount, 0)
    FROM ledger_amounts
    WHERE amount <> 0;
    RETURN posted;
END;
$$;


--
-- Name: ledger_post_chargeback(bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post_chargeback(p_dispute bigint, p_actor text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    dispute disputes%ROWTYPE;
BEGIN
    SELECT * INTO dispute FROM disputes
    WHERE id = p_dispute AND status = 'lost' AND kind = 'chargeback';
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE dispute_id = p_dispute AND kind = 'chargeback') THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post_transfer(
        'chargeback',
        ledger_account_id('receivable', dispute.currency, dispute.account_id::text,
                          dispute.account_id),
        ledger_account_id('cash', dispute.currency, 'bank', NULL),
        dispute.amount, 'chargeback ' || dispute.gateway_reference || ': ' || dispute.reason,
        p_actor, p_invoice => dispute.invoice_id, p_dispute => p_dispute);
    RETURN 1;
END;
$$;


--
-- Name: ledger_post_payment_credit(bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post_payment_credit(p_payment bigint, p_actor text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    credit customer_credits%ROWTYPE;
BEGIN
    SELECT * INTO credit FROM customer_credits
    WHERE payment_id = p_payment AND source = 'payment';
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE payment_id = p_payment AND kind = 'payment') THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post_transfer(
        'payment',
        ledger_account_id('cash', credit.currency, 'bank', NULL),
        ledger_account_id('customer_credit', credit.currency, credit.account_id::text,
                          credit.account_id),
        credit.amount, 'payment ' || p_payment || ' kept as customer credit', p_actor,
        p_payment => p_payment,
        p_effective => coalesce((SELECT received_on FROM payments WHERE id = p_payment),
                                current_date));
    RETURN 1;
END;
$$;


--
-- Name: ledger_post_payment_credits(bigint[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post_payment_credits(p_payments bigint[], p_actor text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    posted integer;
BEGIN
    INSERT INTO ledger_accounts (kind, currency, subject, customer_id)
    SELECT DISTINCT a.kind, a.currency, a.subject, a.customer_id
    FROM customer_credits k
    CROSS JOIN LATERAL (VALUES ('cash', k.currency, 'bank', NULL::bigint),
                               ('customer_credit', k.currency, k.account_id::text, k.account_id))
        AS a (kind, currency, subject, customer_id)
    WHERE k.payment_id = ANY(p_payments) AND k.source = 'payment'
    ORDER BY 1, 2, 3
    ON CONFLICT (kind, currency, subject) DO NOTHING;

    CREATE TEMPORARY TABLE IF NOT EXISTS ledger_credit_postings (
        entry_id   bigint,
        payment_id bigint,
        amount     numeric,
        cash       bigint,
        held       bigint,
        effective  date
    ) ON COMMIT DROP;
    TRUNCATE ledger_credit_postings;
    INSERT INTO ledger_credit_postings
    SELECT nextval(pg_get_serial_sequence('journal_entries', 'id')), k.payment_id, k.amount,
           (SELECT a.id FROM ledger_accounts a
            WHERE a.kind = 'cash' AND a.currency = k.currency AND a.subject = 'bank'),
           (SELECT a.id FROM ledger_accounts a
            WHERE a.kind = 'customer_credit' AND a.currency = k.currency
              AND a.subject = k.account_id::text),
           coalesce((SELECT p.received_on FROM payments p WHERE p.id = k.payment_id),
                    current_date)
    FROM customer_credits k
    WHERE k.payment_id = ANY(p_payments) AND k.source = 'payment'
      AND (SELECT e.id FROM journal_entries e
           WHERE e.payment_id = k.payment_id AND e.kind = 'payment') IS NULL;

    PERFORM 1 FROM ledger_accounts a
    WHERE a.id = ANY(ARRAY(SELECT cash FROM ledger_credit_postings
                           UNION SELECT held FROM ledger_credit_postings))
    ORDER BY a.id
    FOR KEY SHARE;

    INSERT INTO journal_entries (id, kind, payment_id, effective_date, description, actor)
    OVERRIDING SYSTEM VALUE
    SELECT entry_id, 'payment', payment_id, effective,
           'payment ' || payment_id || ' kept as customer credit', p_actor
    FROM ledger_credit_postings
    ORDER BY entry_id;
    GET DIAGNOSTICS posted = ROW_COUNT;

    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    SELECT entry_id, 1, cash, NULL::bigint, amount, 0 FROM ledger_credit_postings
    UNION ALL
    SELECT entry_id, 2, held, NULL::bigint, 0, amount FROM ledger_credit_postings;
    RETURN posted;
END;
$$;


--
-- Name: ledger_post_payment_return(bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post_payment_return(p_payment bigint, p_actor text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    pay payments%ROWTYPE;
    entry bigint;
    cash bigint;
    owed bigint;
    held bigint;
BEGIN
    SELECT * INTO pay FROM payments WHERE id = p_payment AND status IN ('returned', 'reversed');
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE payment_id = p_payment AND kind = 'chargeback') THEN
        RETURN 0;
    END IF;
    cash := ledger_account_id('cash', pay.currency, 'bank', NULL);
    owed := ledger_account_id('receivable', pay.currency, pay.account_id::text, pay.account_id);
    held := ledger_account_id('customer_credit', pay.currency, pay.account_id::text,
                              pay.account_id);
    PERFORM 1 FROM ledger_accounts WHERE id IN (cash, owed, held) ORDER BY id FOR KEY SHARE;
    INSERT INTO journal_entries (kind, payment_id, invoice_id, effective_date, description,
                                 actor)
    VALUES ('chargeback', p_payment, pay.invoice_id, current_date,
            'payment ' || p_payment || ' returned: ' || coalesce(pay.failure_code, ''), p_actor)
    RETURNING id INTO entry;
    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    SELECT entry, row_number() OVER (ORDER BY part, invoice_id), account, invoice_id, amount, 0
    FROM (
        SELECT 1 AS part, a.invoice_id, sum(a.amount) AS amount, owed AS account
        FROM invoice_allocations a WHERE a.payment_id = p_payment GROUP BY a.invoice_id
        UNION ALL
        SELECT 2, NULL, sum(c.amount), held
        FROM customer_credits c WHERE c.payment_id = p_payment
        HAVING sum(c.amount) > 0
    ) parts;
    INSERT INTO journal_lines (entry_id, position, ledger_account_id, debit, credit)
    VALUES (entry, 1000, cash, 0, pay.amount);
    RETURN 1;
END;
$$;


--
-- Name: ledger_post_refund(bigint, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post_refund(p_refund bigint, p_actor text) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    refund refunds%ROWTYPE;
BEGIN
    SELECT * INTO refund FROM refunds WHERE id = p_refund AND status = 'succeeded';
    IF NOT FOUND OR EXISTS (SELECT 1 FROM journal_entries
                            WHERE refund_id = p_refund AND kind = 'refund') THEN
        RETURN 0;
    END IF;
    PERFORM ledger_post_transfer(
        'refund',
        ledger_account_id('customer_credit', refund.currency, refund.account_id::text,
                          refund.account_id),
        ledger_account_id('cash', refund.currency, 'bank', NULL),
        refund.amount, 'refund ' || p_refund || ': ' || refund.reason, p_actor,
        p_refund => p_refund);
    RETURN 1;
END;
$$;


--
-- Name: ledger_post_transfer(text, bigint, bigint, numeric, text, text, bigint, bigint, bigint, bigint, date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ledger_post_transfer(p_kind text, p_debit bigint, p_credit bigint, p_amount numeric, p_description text, p_actor text, p_invoice bigint DEFAULT NULL::bigint, p_payment bigint DEFAULT NULL::bigint, p_refund bigint DEFAULT NULL::bigint, p_dispute bigint DEFAULT NULL::bigint, p_effective date DEFAULT CURRENT_DATE) RETURNS bigint
    LANGUAGE plpgsql
    AS $$
DECLARE
    entry bigint;
BEGIN
    PERFORM 1 FROM ledger_accounts WHERE id IN (p_debit, p_credit) ORDER BY id FOR KEY SHARE;
    INSERT INTO journal_entries (kind, invoice_id, payment_id, refund_id, dispute_id,
                                 effective_date, description, actor)
    VALUES (p_kind, p_invoice, p_payment, p_refund, p_dispute, p_effective, p_description,
            p_actor)
    RETURNING id INTO entry;
    INSERT INTO journal_lines (entry_id, position, ledger_account_id, invoice_id, debit, credit)
    VALUES (entry, 1, p_debit,
            CASE WHEN (SELECT kind FROM ledger_accounts WHERE id = p_debit) = 'receivable'
                 THEN p_invoice END,
            p_amount, 0),
           (entry, 2, p_credit, NULL, 0, p_amount);
    RETURN entry;
END;
$$;


--
-- Name: rating_add_costs(jsonb, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_add_costs(p_one jsonb, p_other jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
    SELECT coalesce(jsonb_object_agg(c.key, c.total::text), '{}')
    FROM (SELECT x.key, sum(x.value::numeric) AS total
          FROM (SELECT * FROM jsonb_each_text(p_one)
                UNION ALL
                SELECT * FROM jsonb_each_text(p_other)) AS x
          GROUP BY x.key) AS c
$$;


--
-- Name: rating_analyze_usage(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_analyze_usage() RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    month regclass;
    analyzed integer := 0;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM rating_batches b WHERE b.done_at IS NULL) THEN
        RETURN 0;  -- nothing to rate: no batch will read a month
    END IF;
    FOR month IN
        SELECT t.relid
        FROM pg_partition_tree('usage_records') t
        JOIN pg_class c ON c.oid = t.relid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE t.isleaf
          AND NOT EXISTS (SELECT 1 FROM pg_stats s
                          WHERE s.schemaname = n.nspname AND s.tablename = c.relname
                            AND s.attname = 'id')
    LOOP
        PERFORM set_config('default_statistics_target', '10', true);
        EXECUTE format('ANALYZE %s (id)', month);
        analyzed := analyzed + 1;
    END LOOP;
    RETURN analyzed;
END;
$$;


--
-- Name: rating_create_todo(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_create_todo() RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    DROP TABLE IF EXISTS pg_temp.rating_todo;
    CREATE TEMPORARY TABLE rating_todo (
        id          bigint      NOT NULL,
        started_at  timestamptz NOT NULL,
        account_id  bigint      NOT NULL,
        tenant      text        NOT NULL,
        category    text        NOT NULL,
        subject     text        NOT NULL,
        unit        text        NOT NULL,
        usage       numeric     NOT NULL,
        destination text        NOT NULL,
        -- A part after the first of a session: the session's start and the usage before it.
        session_started_at timestamptz,
        usage_before       numeric
    ) ON COMMIT DROP;
END;
$$;


--
-- Name: rating_day_matches(integer[], integer[], integer[], integer[], date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_day_matches(p_years integer[], p_months integer[], p_month_days integer[], p_weekdays integer[], p_day date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (((cardinality(p_years) = 0) OR ((EXTRACT(year FROM p_day))::integer = ANY (p_years))) AND ((cardinality(p_months) = 0) OR ((EXTRACT(month FROM p_day))::integer = ANY (p_months))) AND ((cardinality(p_month_days) = 0) OR ((EXTRACT(day FROM p_day))::integer = ANY (p_month_days))) AND ((cardinality(p_weekdays) = 0) OR ((EXTRACT(isodow FROM p_day))::integer = ANY (p_weekdays)) OR ((EXTRACT(isodow FROM p_day) = (7)::numeric) AND (0 = ANY (p_weekdays)))));


--
-- Name: rating_ensure_partitions(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_ensure_partitions() RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    part record;
    name text;
    created integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'usage_records'::regclass
    LOOP
        name := 'rated_usage' || substr(part.relname, length('usage_records') + 1);
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        -- Sessions adding a month take turns on this lock (rating and storing rows do not
        -- wait for it). A table lock, not an advisory one: taking it also brings the
        -- session's view of the catalog up to date, so the second session finds the month
        -- the first made instead of making it again (DuplicateTable).
        LOCK TABLE rated_usage IN SHARE UPDATE EXCLUSIVE MODE;
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format(
            'CREATE TABLE %I (LIKE rated_usage INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE rated_usage ATTACH PARTITION %I %s', name, part.bound);
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;


--
-- Name: rating_ensure_schedule(timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_ensure_schedule(p_from timestamp with time zone, p_to timestamp with time zone) RETURNS bigint
    LANGUAGE sql
    AS $$
    WITH wanted AS (
        SELECT p.id, p.bands, p.times, d::date AS day
        FROM rating_band_patterns p
        JOIN rating_tariffs t ON t.id = p.tariff_id AND t.current
        CROSS JOIN LATERAL generate_series(
            ((p_from AT TIME ZONE 'UTC') - interval '1 day')::date::timestamp,
            ((p_to AT TIME ZONE 'UTC') + interval '1 day')::date::timestamp,
            interval '1 day') AS d
        WHERE NOT EXISTS (SELECT 1 FROM rating_schedule s
                          WHERE s.pattern_id = p.id AND s.day = d::date)
    ),
    winners AS (
        SELECT w.id, w.day, x.from_t,
               (SELECT min(b.n)
                FROM unnest(w.bands) WITH ORDINALITY AS b (band_id, n)
                LEFT JOIN rating_time_bands tb ON tb.id = b.band_id
                WHERE b.band_id = 0
                   OR (tb.start_time <= x.from_t
                       AND rating_day_matches(tb.years, tb.months, tb.month_days,
                                              tb.weekdays, w.day)))::integer AS ord
        FROM wanted w
        CROSS JOIN LATERAL unnest(w.times) AS x (from_t)
    ),
    changes AS (
        SELECT *, row_number() OVER w = 1 OR ord IS DISTINCT FROM lag(ord) OVER w AS starts
        FROM winners
        WINDOW w AS (PARTITION BY id, day ORDER BY from_t)
    ),
    runs AS (
        SELECT id, day, day + from_t AS wall_from,
               coalesce(day + lead(from_t) OVER (PARTITION BY id, day ORDER BY from_t),
                        day + 1) AS wall_to,
               ord
        FROM changes
        WHERE starts
    ),
    added AS (
        INSERT INTO rating_schedule (pattern_id, day, wall_from, wall_to, ord)
        SELECT id, day, wall_from, wall_to, ord FROM runs
        ON CONFLICT DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM added
$$;


--
-- Name: rating_group_cost(numeric, boolean, numeric, numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_group_cost(p_increments numeric, p_exact boolean, p_doubled numeric, p_unit numeric, p_increment_cost numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN p_exact THEN (div(((p_increments * p_doubled) + p_unit), ((2)::numeric * p_unit)) * 0.000000000001) ELSE (p_increments * p_increment_cost) END;


--
-- Name: rating_increments(numeric, numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_increments(p_usage numeric, p_step numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (div(p_usage, p_step) + (CASE WHEN (mod(p_usage, p_step) = (0)::numeric) THEN 0 ELSE 1 END)::numeric);


--
-- Name: rating_number(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_number(p_destination text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN ("left"(btrim(p_destination, ' 	



'::text), 1) = '+'::text) THEN substr(btrim(p_destination, ' 	



'::text), 2) ELSE btrim(p_destination, ' 	



'::text) END;


--
-- Name: rating_offset(text, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_offset(p_zone text, p_at timestamp with time zone) RETURNS interval
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN ((p_at AT TIME ZONE p_zone) - (p_at AT TIME ZONE 'UTC'::text));


--
-- Name: rating_prepare(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_prepare(p_tariff bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM 1 FROM rating_tariffs WHERE id = p_tariff AND NOT (prepared AND search_prepared)
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF NOT (SELECT prepared FROM rating_tariffs WHERE id = p_tariff) THEN
        PERFORM rating_prepare_lookups(p_tariff);
    END IF;
    DELETE FROM rating_prefix_search
    WHERE plan_id IN (SELECT id FROM rating_plans WHERE tariff_id = p_tariff);
    PERFORM rating_prepare_search(p_tariff);
    UPDATE rating_tariffs SET prepared = true, search_prepared = true WHERE id = p_tariff;
    RETURN true;
END;
$$;


--
-- Name: rating_prepare_lookups(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_prepare_lookups(p_tariff bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    WITH sets AS (
        SELECT cs.id, cs.times,
               array_agg(coalesce(c.time_band_id, 0) ORDER BY c.ord) AS bands
        FROM rating_candidate_sets cs
        JOIN rating_plans pl ON pl.id = cs.plan_id
        JOIN rating_candidates c ON c.candidate_set_id = cs.id
        WHERE pl.tariff_id = p_tariff
        GROUP BY cs.id, cs.times
    ),
    patterns AS (
        INSERT INTO rating_band_patterns (tariff_id, bands, times)
        SELECT DISTINCT p_tariff, bands, times FROM sets
        ON CONFLICT ON CONSTRAINT rating_band_patterns_key DO UPDATE SET bands = EXCLUDED.bands
        RETURNING id, bands, times
    )
    UPDATE rating_candidate_sets cs
    SET pattern_id = p.id
    FROM sets s
    JOIN patterns p ON p.bands = s.bands AND p.times = s.times
    WHERE cs.id = s.id;

    UPDATE rating_plan_prefixes pp
    SET pattern_id = cs.pattern_id
    FROM rating_candidate_sets cs, rating_plans pl
    WHERE cs.id = pp.candidate_set_id AND pl.id = pp.plan_id AND pl.tariff_id = p_tariff;

    UPDATE rating_plans pl
    SET any_pattern_id = cs.pattern_id
    FROM rating_candidate_sets cs
    WHERE cs.id = pl.any_candidates AND pl.tariff_id = p_tariff;

    INSERT INTO rating_prices (candidate_set_id, ord, destination, time_band, time_bands,
                               rounding_decimals,
                               round_sign, round_half, round_scale, round_unit, cap,
                               connect_fee, simple, start1, next1, step1, doubled1, unit1,
                               increment_cost1, start2, step2, doubled2, unit2,
                               increment_cost2)
    SELECT c.candidate_set_id, c.ord, e.destination, c.time_band, ARRAY[c.time_band],
           e.rounding_decimals,
           CASE e.rounding_method WHEN 'up' THEN -1 ELSE 1 END,
           CASE e.rounding_method WHEN 'half_up' THEN 0.5 ELSE 0 END,
           trim_scale(power(10::numeric, e.rounding_decimals)),
           trim_scale(1 / power(10::numeric, e.rounding_decimals)),
           CASE WHEN e.max_cost_strategy = 'free' THEN e.max_cost END,
           rt.connect_fee, g.groups <= 2,
           g1.interval_start, g1.next_start, g1.step,
           2 * g1.price * g1.step * 1000000000000, g1.unit, g1.increment_cost,
           g2.interval_start, g2.step, 2 * g2.price * g2.step * 1000000000000, g2.unit,
           g2.increment_cost
    FROM rating_candidates c
    JOIN rating_candidate_sets cs ON cs.id = c.candidate_set_id
    JOIN rating_plans pl ON pl.id = cs.plan_id
    JOIN rating_destination_rate_entries e ON e.id = c.entry_id
    JOIN rating_rates rt ON rt.id = e.rate_id
    CROSS JOIN LATERAL (SELECT count(*) AS groups FROM rating_rate_groups WHERE rate_id = rt.id) g
    JOIN LATERAL (SELECT * FROM rating_rate_groups WHERE rate_id = rt.id
                  ORDER BY interval_start LIMIT 1) g1 ON true
    LEFT JOIN LATERAL (SELECT * FROM rating_rate_groups WHERE rate_id = rt.id
                       ORDER BY interval_start OFFSET 1 LIMIT 1) g2 ON true
    WHERE pl.tariff_id = p_tariff;
END;
$$;


--
-- Name: rating_prepare_search(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_prepare_search(p_tariff bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
DECLARE
    v_plan bigint;
    lens integer[];
    tree integer[];
    depth integer;
    marked_len integer[];
    marker_len integer[];
    todo_lo integer[];
    todo_hi integer[];
    todo_node integer[];
    todo_level integer[];
    lo integer;
    hi integer;
    node integer;
    level integer;
    mid integer;
BEGIN
    FOR v_plan IN SELECT pl.id FROM rating_plans pl WHERE pl.tariff_id = p_tariff LOOP
        SELECT coalesce(array_agg(DISTINCT length(pp.prefix) ORDER BY length(pp.prefix)), '{}')
        INTO lens
        FROM rating_plan_prefixes pp
        WHERE pp.plan_id = v_plan;
        CONTINUE WHEN cardinality(lens) = 0;
        tree := '{}';
        depth := 0;
        marked_len := '{}';
        marker_len := '{}';
        todo_lo := ARRAY[1];
        todo_hi := ARRAY[cardinality(lens)];
        todo_node := ARRAY[1];
        todo_level := ARRAY[1];
        WHILE cardinality(todo_node) > 0 LOOP
            lo := todo_lo[1];
            hi := todo_hi[1];
            node := todo_node[1];
            level := todo_level[1];
            todo_lo := todo_lo[2:];
            todo_hi := todo_hi[2:];
            todo_node := todo_node[2:];
            todo_level := todo_level[2:];
            mid := (lo + hi) / 2;
            tree[node] := lens[mid];
            depth := greatest(depth, level);
            FOR j IN mid + 1 .. hi LOOP
                marked_len := marked_len || lens[j];
                marker_len := marker_len || lens[mid];
            END LOOP;
            IF lo < mid THEN
                todo_lo := todo_lo || lo;
                todo_hi := todo_hi || mid - 1;
                todo_node := todo_node || 2 * node;
                todo_level := todo_level || level + 1;
            END IF;
            IF mid < hi THEN
                todo_lo := todo_lo || mid + 1;
                todo_hi := todo_hi || hi;
                todo_node := todo_node || 2 * node + 1;
                todo_level := todo_level || level + 1;
            END IF;
        END LOOP;
        UPDATE rating_plans pl SET search_tree = tree, search_depth = depth
        WHERE pl.id = v_plan;
        INSERT INTO rating_prefix_search (plan_id, prefix, level, best_prefix,
                                          candidate_set_id, pattern_id)
        SELECT v_plan, e.prefix,
               (SELECT length(ltrim(t.node::bit(32)::text, '0'))
                FROM unnest(tree) WITH ORDINALITY AS t (len, node)
                WHERE t.len = length(e.prefix)),
               b.prefix, b.candidate_set_id, b.pattern_id
        FROM (SELECT pp.prefix
              FROM rating_plan_prefixes pp
              WHERE pp.plan_id = v_plan
              UNION
              SELECT left(pp.prefix, m.marker_len)
              FROM rating_plan_prefixes pp
              JOIN unnest(marked_len, marker_len) AS m (marked_len, marker_len)
                  ON m.marked_len = length(pp.prefix)
              WHERE pp.plan_id = v_plan) AS e
        LEFT JOIN LATERAL (
            SELECT pp.prefix, pp.candidate_set_id, pp.pattern_id
            FROM unnest(lens) AS l (len)
            JOIN rating_plan_prefixes pp
                ON pp.plan_id = v_plan AND pp.prefix = left(e.prefix, l.len)
            WHERE l.len <= length(e.prefix)
            ORDER BY l.len DESC
            LIMIT 1) AS b ON true;
    END LOOP;
END;
$$;


--
-- Name: rating_rate_general(bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_rate_general(p_run bigint) RETURNS TABLE(rated bigint, errors bigint, cost numeric, costs jsonb)
    LANGUAGE plpgsql
    SET enable_mergejoin TO 'off'
    SET enable_nestloop TO 'off'
    AS $_$
DECLARE
    days integer;
BEGIN
    DROP TABLE IF EXISTS pg_temp.rating_work_records, pg_temp.rating_work_matches,
                         pg_temp.rating_work_parts;
    -- 1. The records left to the general path, each with the profile that routes it.
    EXECUTE $sql$
    CREATE TEMPORARY TABLE rating_work_records ON COMMIT DROP AS
    WITH profiles AS MATERIALIZED (
        SELECT p.id, p.tariff_id, p.tenant, p.category, p.subject, p.activation, p.plan_id,
               p.fallback_subjects,
               lead(p.activation) OVER (PARTITION BY p.tenant, p.category, p.subject
                                        ORDER BY p.activation) AS until
        FROM rating_profiles p
        WHERE p.active
    )
    SELECT r.id, r.stored_at, r.started_at, r.account_id, r.tenant, r.category,
           r.subject AS record_subject, r.unit, r.usage, rating_number(r.destination) AS number,
           CASE WHEN r.unit = 'seconds'
                THEN r.started_at + ceil(r.usage * 1000000)::bigint * interval '1 microsecond'
                ELSE r.started_at END AS ended_at,
           coalesce(s.id, a.id) AS profile_id,
           coalesce(s.tariff_id, a.tariff_id) AS tariff_id,
           coalesce(s.plan_id, a.plan_id) AS plan_id,
           coalesce(s.subject, a.subject) AS subject,
           coalesce(s.fallback_subjects, a.fallback_subjects) AS fallbacks,
           t.code AS tariff, t.currency, t.time_zone, t.increment_decimals,
           -- Looked up per record by the primary key: a join would hash every customer
           -- (20 ms for 100,000) for the few records of this path.
           (SELECT cu.currency FROM customers cu WHERE cu.id = r.account_id) AS account_currency
    -- A part after the first of a session is two events from the session's start: the
    -- session through the part (its id), and through the part before it (minus its id),
    -- whose outcome is taken off in step 4.
    FROM (SELECT t.id, t.started_at AS stored_at,
                 coalesce(t.session_started_at, t.started_at) AS started_at, t.account_id,
                 t.tenant, t.category, t.subject, t.unit,
                 coalesce(t.usage_before, 0) + t.usage AS usage, t.destination
          FROM pg_temp.rating_todo t
          UNION ALL
          SELECT -t.id, t.started_at, t.session_started_at, t.account_id, t.tenant,
                 t.category, t.subject, t.unit, t.usage_before, t.destination
          FROM pg_temp.rating_todo t
          WHERE t.usage_before IS NOT NULL) AS r
    LEFT JOIN profiles s
        ON s.tenant = r.tenant AND s.category = r.category AND s.subject = r.subject
       AND s.activation <= r.started_at AND (s.until IS NULL OR r.started_at < s.until)
    LEFT JOIN profiles a
        ON a.tenant = r.tenant AND a.category = r.category AND a.subject = '*any'
       AND a.activation <= r.started_at AND (a.until IS NULL OR r.started_at < a.until)
    LEFT JOIN rating_tariffs t ON t.id = coalesce(s.tariff_id, a.tariff_id)
    $sql$;
    ANALYZE rating_work_records (id);

    -- 2. The destination: the first profile of the chain whose plan has a rate for the
    -- number, with the longest prefix (or *any) and its candidate set.
    EXECUTE $sql$
    CREATE TEMPORARY TABLE rating_work_matches ON COMMIT DROP AS
    WITH profiles AS (
        SELECT p.id, p.tariff_id, p.tenant, p.category, p.subject, p.activation, p.plan_id,
               lead(p.activation) OVER (PARTITION BY p.tariff_id, p.tenant, p.category,
                                        p.subject ORDER BY p.activation) AS until
        FROM rating_profiles p
        WHERE p.active
    ),
    routed AS (
        SELECT * FROM rating_work_records w
        WHERE w.profile_id IS NOT NULL
          AND (w.account_currency IS NULL OR w.account_currency = w.currency)
    ),
    -- The profiles tried after the routing one: its fallback subjects' (few records).
    fallbacks AS (
        SELECT w.id, f.pos, fp.id AS profile_id, fp.plan_id, fp.subject, w.number
        FROM routed w
        CROSS JOIN LATERAL unnest(w.fallbacks) WITH ORDINALITY AS f (subject, pos)
        JOIN profiles fp
            ON fp.tariff_id = w.tariff_id AND fp.tenant = w.tenant
           AND fp.category = w.category AND fp.subject = f.subject
           AND fp.activation <= w.started_at
           AND (fp.until IS NULL OR w.started_at < fp.until)
        WHERE cardinality(w.fallbacks) > 0
    ),
    -- Every prefix of the plan that starts the number (one probe per prefix length the
    -- plan has), and the plan's *any rates; position 0 is the routing profile.
    hits AS (
        SELECT w.id, 0::bigint AS pos, l.len, pp.prefix, pp.candidate_set_id, w.profile_id,
               w.plan_id, w.subject
        FROM routed w
        JOIN rating_plans pl ON pl.id = w.plan_id
        CROSS JOIN LATERAL unnest(pl.prefix_lengths) AS l (len)
        JOIN rating_plan_prefixes pp
            ON pp.plan_id = w.plan_id AND pp.prefix = left(w.number, l.len)
        WHERE l.len <= length(w.number)
        UNION ALL
        SELECT w.id, 0, 0, '', pl.any_candidates, w.profile_id, w.plan_id, w.subject
        FROM routed w
        JOIN rating_plans pl ON pl.id = w.plan_id
        WHERE pl.any_candidates IS NOT NULL
        UNION ALL
        SELECT c.id, c.pos, l.len, pp.prefix, pp.candidate_set_id, c.profile_id, c.plan_id,
               c.subject
        FROM fallbacks c
        JOIN rating_plans pl ON pl.id = c.plan_id
        CROSS JOIN LATERAL unnest(pl.prefix_lengths) AS l (len)
        JOIN rating_plan_prefixes pp
            ON pp.plan_id = c.plan_id AND pp.prefix = left(c.number, l.len)
        WHERE l.len <= length(c.number)
        UNION ALL
        SELECT c.id, c.pos, 0, '', pl.any_candidates, c.profile_id, c.plan_id, c.subject
        FROM fallbacks c
        JOIN rating_plans pl ON pl.id = c.plan_id
        WHERE pl.any_candidates IS NOT NULL
    ),
    best AS (
        SELECT DISTINCT ON (h.id) h.*
        FROM hits h
        ORDER BY h.id, h.pos, h.len DESC
    )
    SELECT b.id, b.profile_id, b.plan_id, b.subject, b.prefix, b.candidate_set_id AS cset,
           w.started_at, w.ended_at, w.usage, w.time_zone, w.increment_decimals, x.ls, x.le,
           -- In one part when not a call, or when no instant at which the bands can change
           -- lies strictly inside the call: the same local date, no band start between its
           -- local start and end, no change of UTC offset.
           w.unit <> 'seconds' OR w.usage = 0 OR (
               x.le::date = x.ls::date
               AND x.le - x.ls = w.ended_at - w.started_at
               AND NOT EXISTS (SELECT 1 FROM unnest(cs.times) AS t
                               WHERE t > x.ls::time AND t < x.le::time)) AS single
    FROM best b
    JOIN rating_work_records w ON w.id = b.id
    JOIN rating_candidate_sets cs ON cs.id = b.candidate_set_id
    CROSS JOIN LATERAL (SELECT w.started_at AT TIME ZONE w.time_zone AS ls,
                               w.ended_at AT TIME ZONE w.time_zone AS le) AS x
    $sql$;
    ANALYZE rating_work_matches (id, cset);

    -- 3. The parts of each matched record, each with its winning candidate (NULL: no band).
    -- A segment of one UTC offset spans at most its length in whole days plus one more
    -- local dates.
    SELECT coalesce(max(ceil(extract(epoch FROM m.ended_at - m.started_at) / 86400)), 0)::integer
           + 1
    INTO days
    FROM rating_work_matches m
    WHERE NOT m.single;
    EXECUTE format($sql$
    CREATE TEMPORARY TABLE rating_work_parts ON COMMIT DROP AS
    WITH
    multi AS MATERIALIZED (
        SELECT * FROM rating_work_matches WHERE NOT single
    ),
    -- Calls in several parts: cut at the clock changes into segments of one UTC offset,
    -- each read as a range of wall-clock time, and that range cut by local dates.
    bounds AS (
        SELECT id, started_at AS at FROM multi
        UNION ALL
        SELECT m.id, tr.at
        -- Only where the offset differs at both ends or the call lasts a day or more
        -- (otherwise the zone cannot have changed its offset during the call).
        FROM (SELECT * FROM multi
              WHERE ended_at - started_at >= interval '1 day'
                 OR rating_offset(time_zone, started_at) <> rating_offset(time_zone, ended_at)
              OFFSET 0) AS m
        CROSS JOIN LATERAL rating_transitions(m.time_zone, m.started_at, m.ended_at) AS tr (at)
    ),
    segments AS MATERIALIZED (
        SELECT m.id, m.cset, m.started_at, m.usage,
               b.at AT TIME ZONE m.time_zone AS wall_from,
               rating_offset(m.time_zone, b.at) AS utc_offset,
               coalesce(lead(b.at) OVER (PARTITION BY b.id ORDER BY b.at), m.ended_at)
                   AT TIME ZONE 'UTC' + rating_offset(m.time_zone, b.at) AS wall_to
        FROM bounds b
        JOIN multi m ON m.id = b.id
    ),
    -- The local dates of each segment's wall-clock range [wall_from, wall_to): its first
    -- date plus 0 .. %1$s days (the most any call of the batch can span, a constant here
    -- so that the planner counts rows right; a PL/pgSQL function per segment cost 30 µs a
    -- call, a third of this statement).
    segment_days AS MATERIALIZED (
        SELECT s.*, s.wall_from::date + k AS day
        FROM segments s
        CROSS JOIN generate_series(0, %1$s) AS k
        WHERE k <= (s.wall_to - interval '1 microsecond')::date - s.wall_from::date
    ),
    -- The winner on each local date needed, from each change time on. Candidate sets
    -- whose candidates have the same bands in the same order have the same winners (by
    -- position), so the schedule is worked out once per such band pattern and date.
    patterns AS MATERIALIZED (
        SELECT c.candidate_set_id AS cset,
               array_agg(coalesce(c.time_band_id, 0) ORDER BY c.ord) AS bands
        FROM rating_candidates c
        WHERE c.candidate_set_id IN (SELECT cset FROM rating_work_matches)
        GROUP BY c.candidate_set_id
    ),
    needed AS MATERIALIZED (
        SELECT n.cset, n.day, p.bands
        FROM (SELECT DISTINCT cset, ls::date AS day FROM rating_work_matches WHERE single
              UNION
              SELECT DISTINCT cset, day FROM segment_days) AS n
        JOIN patterns p ON p.cset = n.cset
    ),
    pattern_days AS (
        SELECT DISTINCT n.bands, cs.times, n.day
        FROM needed n
        JOIN rating_candidate_sets cs ON cs.id = n.cset
    ),
    pattern_schedule AS MATERIALIZED (
        SELECT d.bands, d.day, x.from_t,
               lead(x.from_t) OVER (PARTITION BY d.bands, d.day ORDER BY x.from_t) AS to_t,
               (SELECT min(b.n)
                FROM unnest(d.bands) WITH ORDINALITY AS b (band_id, n)
                LEFT JOIN rating_time_bands tb ON tb.id = b.band_id
                WHERE b.band_id = 0
                   OR (tb.start_time <= x.from_t
                       AND rating_day_matches(tb.years, tb.months, tb.month_days,
                                              tb.weekdays, d.day)))::integer AS ord
        FROM pattern_days d
        CROSS JOIN LATERAL unnest(d.times) AS x (from_t)
    ),
    schedule AS MATERIALIZED (
        SELECT n.cset, n.day, ps.from_t, ps.to_t, ps.ord
        FROM needed n
        JOIN pattern_schedule ps ON ps.bands = n.bands AND ps.day = n.day
    ),
    single_parts AS (
        SELECT m.id, 1::bigint AS part, 0::numeric AS since, m.usage AS until, sc.ord, m.cset,
               m.increment_decimals
        FROM rating_work_matches m
        JOIN schedule sc
            ON sc.cset = m.cset AND sc.day = m.ls::date AND sc.from_t <= m.ls::time
           AND (sc.to_t IS NULL OR m.ls::time < sc.to_t)
        WHERE m.single
    ),
    pieces AS (
        SELECT sd.id,
               (greatest(sd.day + sc.from_t, sd.wall_from) - sd.utc_offset) AT TIME ZONE 'UTC'
                   AS at,
               sc.ord
        FROM segment_days sd
        JOIN schedule sc ON sc.cset = sd.cset AND sc.day = sd.day
        WHERE sd.day + sc.from_t < sd.wall_to
          AND (sc.to_t IS NULL OR sd.day + sc.to_t > sd.wall_from)
    ),
    changes AS (
        SELECT p.id, p.at, p.ord,
               row_number() OVER w = 1 OR p.ord IS DISTINCT FROM lag(p.ord) OVER w AS starts
        FROM pieces p
        WINDOW w AS (PARTITION BY p.id ORDER BY p.at)
    ),
    multi_parts AS (
        SELECT ch.id, row_number() OVER w AS part,
               extract(epoch FROM ch.at - m.started_at) AS since,
               coalesce(extract(epoch FROM lead(ch.at) OVER w - m.started_at), m.usage) AS until,
               ch.ord, m.cset, m.increment_decimals
        FROM changes ch
        JOIN multi m ON m.id = ch.id
        WHERE ch.starts
        WINDOW w AS (PARTITION BY ch.id ORDER BY ch.at)
    )
    SELECT * FROM single_parts
    UNION ALL
    SELECT * FROM multi_parts
    $sql$, days);
    ANALYZE rating_work_parts (id);

    -- 4. Price, store, refuse, move: the main statement.
    RETURN QUERY EXECUTE $sql$
    WITH
    -- Per rate group once, not per span: 2 x price x increment x 10^12 and 2 x rate unit. A
    -- span's exact cost n / u (n = increments x price x increment, u = rate unit) rounded
    -- half-up to 12 decimals is then floor((2n x 10^12 + u) / 2u) x 10^-12: one
    -- multiplication and one integer division, exact (the quotient of two decimals rarely
    -- terminates, and rounding a rounded quotient again could go wrong).
    groups AS (
        SELECT g.rate_id, g.interval_start, g.next_start, g.step, g.unit, g.increment_cost,
               2 * g.price * g.step * 1000000000000 AS doubled, 2 * g.unit AS unit2
        FROM rating_rate_groups g
    ),
    parts AS (
        SELECT p.id, p.part, p.ord, c.time_band, e.destination, e.rounding_method,
               e.rounding_decimals, e.max_cost, e.max_cost_strategy, rt.connect_fee,
               g.step, g.doubled, g.unit, g.unit2, g.increment_cost, p.increment_decimals,
               rating_increments(least(p.until, coalesce(g.next_start, p.until))
                                 - greatest(p.since, g.interval_start), g.step) AS increments
        FROM rating_work_parts p
        LEFT JOIN rating_candidates c ON c.candidate_set_id = p.cset AND c.ord = p.ord
        LEFT JOIN rating_destination_rate_entries e ON e.id = c.entry_id
        LEFT JOIN rating_rates rt ON rt.id = e.rate_id
        -- Each part where it meets each rate group (none for a part of no usage).
        LEFT JOIN groups g
            ON g.rate_id = e.rate_id AND g.interval_start < p.until
           AND (g.next_start IS NULL OR g.next_start > p.since)
    ),
    -- Cheap aggregates for every record; what depends on the order of its parts (the
    -- rounding method, the bands) is taken apart for the few records in several parts.
    events AS (
        SELECT p.id, bool_or(p.ord IS NULL) AS uncovered, max(p.part) AS parts,
               max(p.rounding_decimals) AS decimals,
               max(p.rounding_method) FILTER (WHERE p.part = 1) AS first_method,
               max(p.time_band) FILTER (WHERE p.part = 1) AS first_band,
               max(p.destination) FILTER (WHERE p.part = 1) AS destination,
               max(p.connect_fee) FILTER (WHERE p.part = 1) AS connect_fee,
               max(p.max_cost) FILTER (WHERE p.part = 1) AS max_cost,
               max(p.max_cost_strategy) FILTER (WHERE p.part = 1) AS max_cost_strategy,
               coalesce(sum(CASE WHEN p.increment_decimals IS NULL
                                 THEN div(p.increments * p.doubled + p.unit, p.unit2)
                                      * 0.000000000001
                                 ELSE p.increments * p.increment_cost END), 0) AS spans_cost,
               coalesce(sum(p.increments * p.step), 0) AS billed
        FROM parts p
        GROUP BY p.id
    ),
    several AS (
        SELECT p.id,
               -- the method of the first part among those with the most decimals
               (array_agg(e.rounding_method
                          ORDER BY e.rounding_decimals DESC, p.part))[1] AS method,
               ARRAY(SELECT b FROM unnest(array_agg(c.time_band ORDER BY p.part))
                                   WITH ORDINALITY AS x (b, n)
                     GROUP BY b ORDER BY min(n)) AS time_bands
        FROM rating_work_parts p
        JOIN rating_candidates c ON c.candidate_set_id = p.cset AND c.ord = p.ord
        JOIN rating_destination_rate_entries e ON e.id = c.entry_id
        WHERE p.id IN (SELECT q.id FROM rating_work_parts q WHERE q.part > 1)
        GROUP BY p.id
    ),
    priced AS (
        SELECT e.id, e.decimals, e.destination, e.max_cost, e.max_cost_strategy, e.billed,
               CASE WHEN m.usage > 0 THEN e.spans_cost + e.connect_fee ELSE e.spans_cost END
                   AS uncapped,
               coalesce(sv.method, e.first_method) AS method,
               coalesce(sv.time_bands, ARRAY[e.first_band]) AS time_bands,
               m.profile_id, m.plan_id, m.subject, m.prefix
        FROM events e
        JOIN rating_work_matches m ON m.id = e.id
        LEFT JOIN several sv ON sv.id = e.id
        WHERE NOT e.uncovered
    ),
    capped AS (
        SELECT pr.*,
               CASE WHEN pr.max_cost_strategy = 'free' THEN least(pr.uncapped, pr.max_cost)
                    ELSE pr.uncapped END AS precise
        FROM priced pr
    ),
    outcome AS MATERIALIZED (
        SELECT w.id, w.stored_at, w.account_id, w.tariff_id, w.currency, pr.profile_id,
               pr.plan_id, pr.subject, pr.destination, pr.prefix, pr.time_bands, pr.billed,
               pr.decimals, pr.precise, rating_round(pr.precise, pr.decimals, pr.method) AS cost,
               CASE WHEN w.profile_id IS NULL THEN 'no_rating_profile'
                    WHEN w.account_currency <> w.currency THEN 'currency_mismatch'
                    WHEN pr.id IS NULL THEN 'unauthorized_destination'
               END AS error,
               CASE WHEN w.profile_id IS NULL THEN
                        format('no rating profile for %s/%s/%s (nor for subject *any) active '
                               'at %s', w.tenant, w.category, w.record_subject, w.started_at)
                    WHEN w.account_currency <> w.currency THEN
                        format('tariff %s is in %s, the account in %s', w.tariff,
                               w.currency, w.account_currency)
                    WHEN m.id IS NULL THEN
                        format('the rating plan of subject %s (and its fallbacks) has no rate '
                               'for %L', w.subject, w.number)
                    WHEN pr.id IS NULL THEN
                        format('no time band of the plan prices %L at some time of the event',
                               w.number)
               END AS message
        FROM rating_work_records w
        LEFT JOIN rating_work_matches m ON m.id = w.id
        LEFT JOIN capped pr ON pr.id = w.id
    ),
    -- What a record costs: a part after the first of a session, what the session costs
    -- through it less what it cost through the part before (event -id); so a session's
    -- parts add up to the session rated whole (one connect fee, one final rounding).
    netted AS (
        SELECT o.id, o.stored_at, o.account_id, o.tariff_id, o.currency, o.profile_id,
               o.plan_id, o.subject, o.destination, o.prefix, o.time_bands, o.decimals,
               o.billed - coalesce(b.billed, 0) AS billed,
               o.precise - coalesce(b.precise, 0) AS precise,
               -- Never below 0: a later band rounding down to more decimals can end the
               -- session's final rounding below the rounding through the part before.
               greatest(o.cost - coalesce(b.cost, 0), 0) AS cost,
               coalesce(o.error, b.error) AS error, coalesce(o.message, b.message) AS message
        FROM outcome o
        LEFT JOIN outcome b ON b.id = -o.id
        WHERE o.id > 0
    ),
    stored AS (
        INSERT INTO rated_usage (usage_id, started_at, account_id, tariff_id, profile_id,
                                 plan_id, subject, destination, prefix, time_bands,
                                 billed_usage, cost, precise_cost, rounding_decimals, currency,
                                 run_id)
        SELECT o.id, o.stored_at, o.account_id, o.tariff_id, o.profile_id, o.plan_id,
               o.subject, o.destination, o.prefix, o.time_bands, o.billed, o.cost, o.precise,
               o.decimals, o.currency, $1
        FROM netted o
        WHERE o.error IS NULL
        RETURNING cost, currency
    ),
    refused AS (
        INSERT INTO rating_errors (usage_id, started_at, account_id, code, message, run_id)
        SELECT o.id, o.stored_at, o.account_id, o.error, o.message, $1
        FROM netted o
        WHERE o.error IS NOT NULL
        RETURNING 1
    ),
    totals AS (
        SELECT stored.currency, count(*) AS records, sum(stored.cost) AS cost
        FROM stored
        GROUP BY stored.currency
    )
    SELECT (SELECT coalesce(sum(t.records), 0)::bigint FROM totals t),
           (SELECT count(*) FROM refused),
           (SELECT coalesce(sum(t.cost), 0) FROM totals t),
           (SELECT coalesce(jsonb_object_agg(t.currency, t.cost::text), '{}') FROM totals t)
    $sql$ USING p_run;
END;
$_$;


--
-- Name: rating_rate_range(bigint, bigint, bigint, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_rate_range(p_run bigint, p_import bigint, p_first bigint, p_last bigint) RETURNS TABLE(rated bigint, errors bigint, cost numeric, costs jsonb)
    LANGUAGE sql
    AS $_$
    SELECT * FROM rating_rate_source(
        p_run,
        '(SELECT * FROM usage_records WHERE import_id = $2 AND id BETWEEN $3 AND $4'
        ' AND status = ''billable'') AS r',
        p_import, p_first, p_last)
$_$;


--
-- Name: rating_rate_source(bigint, text, bigint, bigint, bigint); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_rate_source(p_run bigint, p_source text, p_import bigint, p_first bigint, p_last bigint) RETURNS TABLE(rated bigint, errors bigint, cost numeric, costs jsonb)
    LANGUAGE plpgsql
    SET enable_mergejoin TO 'off'
    SET enable_nestloop TO 'off'
    SET join_collapse_limit TO '1'
    AS $_$
DECLARE
    depth integer;
    subjects boolean;
    currencies boolean;
    node text := '1';
    probes text := '';
    found_prefix text := '';
    found_set text := '';
    found_pattern text := '';
    fast_rated bigint;
    fast_cost numeric;
    fast_costs jsonb;
    left_over bigint;
    general record;
BEGIN
    -- The longest prefix by the plan's binary search over its prefix lengths
    -- (rating_prepare_search()): one probe per level of the deepest current plan's tree,
    -- each of the length at the node the previous probes lead to; the deepest hit knows
    -- the answer (a hit is always longer than the hits before it).
    SELECT coalesce(max(pl.search_depth), 0) INTO depth
    FROM rating_plans pl
    JOIN rating_tariffs t ON t.id = pl.tariff_id AND t.current;
    SELECT EXISTS (SELECT 1 FROM rating_profiles WHERE active AND subject <> '*any')
    INTO subjects;
    -- The accounts' currencies are joined only when one can differ from its tariff's:
    -- other than exactly one currency among the current tariffs, or an account in another
    -- (usually neither): the least and the greatest currency of any account, two probes of
    -- customers_currency, where reading every customer took 0.3 s a batch at 2,100,000.
    SELECT t.currencies <> 1
           OR (SELECT min(c.currency) FROM customers c) < t.currency
           OR (SELECT max(c.currency) FROM customers c) > t.currency
    INTO currencies
    FROM (SELECT count(DISTINCT currency) AS currencies, min(currency) AS currency
          FROM rating_tariffs
          WHERE current) AS t;
    FOR level IN 1 .. depth LOOP
        probes := probes || format(
            ' LEFT JOIN rating_prefix_search q%1$s ON q%1$s.plan_id = b.plan_id'
            ' AND q%1$s.prefix = left(b.number, pl.search_tree[%2$s]) AND q%1$s.level = %1$s',
            level, node);
        node := format('2 * (%s) + (q%s.plan_id IS NOT NULL)::integer', node, level);
        found_prefix := format('q%s.best_prefix, ', level) || found_prefix;
        found_set := format('q%s.candidate_set_id, ', level) || found_set;
        found_pattern := format('q%s.pattern_id, ', level) || found_pattern;
    END LOOP;
    PERFORM rating_create_todo();
    EXECUTE format($sql$
    WITH
    profiles AS MATERIALIZED (
        SELECT p.id, p.tariff_id, p.tenant, p.category, p.subject, p.activation, p.plan_id,
               coalesce(lead(p.activation) OVER (PARTITION BY p.tenant, p.category, p.subject
                                                 ORDER BY p.activation),
                        'infinity') AS until,
               t.currency, t.time_zone, t.increment_decimals
        FROM rating_profiles p
        JOIN rating_tariffs t ON t.id = p.tariff_id
        WHERE p.active
    ),
    -- Each record with its route, and its number as matched against prefixes. A part after
    -- the first of a session is rated from the session's start (`since`) through the part
    -- (`total`), less the session through the part before it (`usage_before`).
    batch AS (
        SELECT r.id, r.started_at, r.account_id, r.tenant, r.category, r.subject, r.unit,
               r.usage, r.usage_before,
               CASE WHEN r.usage_before IS NULL THEN r.usage
                    ELSE r.usage_before + r.usage END AS total,
               coalesce(r.session_started_at, r.started_at) AS since,
               r.destination, rating_number(r.destination) AS number,
               coalesce(s.id, a.id) AS profile_id, coalesce(s.tariff_id, a.tariff_id) AS tariff_id,
               coalesce(s.plan_id, a.plan_id) AS plan_id,
               coalesce(s.subject, a.subject) AS plan_subject,
               coalesce(s.currency, a.currency) AS currency,
               coalesce(s.time_zone, a.time_zone) AS time_zone,
               coalesce(s.increment_decimals, a.increment_decimals) AS increment_decimals,
               %7$s AS account_currency
        FROM %1$s
        -- Without any profile of a subject of its own (the common case: one profile of
        -- *any per category), an empty join: otherwise the planner may hash the whole
        -- batch to probe it with the few profiles, then scan it again for the unmatched.
        LEFT JOIN (SELECT * FROM profiles WHERE subject <> '*any' AND %6$s) AS s
            ON s.tenant = r.tenant AND s.category = r.category AND s.subject = r.subject
           AND s.activation <= coalesce(r.session_started_at, r.started_at)
           AND coalesce(r.session_started_at, r.started_at) < s.until
        LEFT JOIN profiles a
            ON a.tenant = r.tenant AND a.category = r.category AND a.subject = '*any'
           AND a.activation <= coalesce(r.session_started_at, r.started_at)
           AND coalesce(r.session_started_at, r.started_at) < a.until
        %8$s
        OFFSET 0
    ),
    -- The longest prefix of the routing plan that starts the number, else its *any.
    matched AS (
        SELECT b.*,
               coalesce(%2$s CASE WHEN pl.any_candidates IS NOT NULL THEN '' END) AS prefix,
               coalesce(%3$s pl.any_candidates) AS cset,
               coalesce(%4$s pl.any_pattern_id) AS pattern_id,
               b.since AT TIME ZONE b.time_zone AS ls,
               CASE WHEN b.unit = 'seconds' AND b.total > 0
                    THEN b.since + ceil(b.total * 1000000)::bigint * interval '1 microsecond'
               END AS ended_at
        FROM batch b
        LEFT JOIN rating_plans pl ON pl.id = b.plan_id
        %5$s
        OFFSET 0
    ),
    -- The winner at the start, and whether the record is for the fast path. Not
    -- materialized: the records it leaves are found again by id (left_over), which costs
    -- far less than writing every wide row to a tuplestore and reading it twice.
    computed AS NOT MATERIALIZED (
        SELECT m.id, m.started_at, m.account_id, m.tenant, m.category, m.subject, m.unit,
               m.usage, m.destination, m.profile_id, m.tariff_id, m.plan_id, m.plan_subject,
               m.currency, m.increment_decimals, m.prefix, f.destination AS rate_destination,
               f.time_bands, f.rounding_decimals,
               f.round_sign, f.round_half, f.round_scale, f.round_unit, f.cap,
               CASE WHEN m.total > 0 THEN f.connect_fee ELSE 0 END AS fee,
               f.step1, f.doubled1, f.unit1, f.increment_cost1,
               f.step2, f.doubled2, f.unit2, f.increment_cost2,
               CASE WHEN m.total > f.start1
                    THEN least(m.total, coalesce(f.next1, m.total)) - f.start1 END AS span1,
               CASE WHEN m.total > f.start2 THEN m.total - f.start2 END AS span2,
               -- The same for the session through the part before (NULL for other records).
               m.usage_before,
               CASE WHEN m.usage_before > 0 THEN f.connect_fee ELSE 0 END AS fee_before,
               CASE WHEN m.usage_before > f.start1
                    THEN least(m.usage_before, coalesce(f.next1, m.usage_before)) - f.start1
               END AS span1_before,
               CASE WHEN m.usage_before > f.start2 THEN m.usage_before - f.start2
               END AS span2_before,
               m.profile_id IS NOT NULL
               AND (m.account_currency IS NULL OR m.account_currency = m.currency)
               AND f.simple
               AND (m.ended_at IS NULL
                    OR ((m.ended_at AT TIME ZONE m.time_zone) <= sc.wall_to
                        AND (m.ended_at AT TIME ZONE m.time_zone) - m.ls
                            = m.ended_at - m.since)) AS fast
        FROM matched m
        LEFT JOIN rating_schedule sc
            ON sc.pattern_id = m.pattern_id AND sc.day = m.ls::date
           AND sc.wall_from <= m.ls AND m.ls < sc.wall_to
        LEFT JOIN rating_prices f ON f.candidate_set_id = m.cset AND f.ord = sc.ord
    ),
    -- Whole increments of each group's span (a started one counting whole) and the cost.
    counted AS (
        SELECT c.*, rating_increments(c.span1, c.step1) AS n1,
               rating_increments(c.span2, c.step2) AS n2,
               rating_increments(c.span1_before, c.step1) AS n1_before,
               rating_increments(c.span2_before, c.step2) AS n2_before
        FROM computed c
        WHERE c.fast
        OFFSET 0
    ),
    priced AS (
        SELECT c.*,
               least(c.fee
                     + coalesce(rating_group_cost(c.n1, c.increment_decimals IS NULL,
                                                  c.doubled1, c.unit1, c.increment_cost1), 0)
                     + coalesce(rating_group_cost(c.n2, c.increment_decimals IS NULL,
                                                  c.doubled2, c.unit2, c.increment_cost2), 0),
                     c.cap) AS precise,
               coalesce(c.n1 * c.step1, 0) + coalesce(c.n2 * c.step2, 0) AS billed,
               CASE WHEN c.usage_before IS NOT NULL THEN
                   least(c.fee_before
                         + coalesce(rating_group_cost(c.n1_before, c.increment_decimals IS NULL,
                                                      c.doubled1, c.unit1, c.increment_cost1),
                                    0)
                         + coalesce(rating_group_cost(c.n2_before, c.increment_decimals IS NULL,
                                                      c.doubled2, c.unit2, c.increment_cost2),
                                    0),
                         c.cap)
               END AS precise_before,
               CASE WHEN c.usage_before IS NOT NULL THEN
                   coalesce(c.n1_before * c.step1, 0) + coalesce(c.n2_before * c.step2, 0)
               END AS billed_before
        FROM counted c
        OFFSET 0
    ),
    -- The final rounding; a later part of a session: less the session before it.
    rounded AS (
        SELECT p.*,
               p.round_sign * floor(p.round_sign * p.precise * p.round_scale + p.round_half)
                   * p.round_unit AS cost,
               p.round_sign * floor(p.round_sign * p.precise_before * p.round_scale
                                    + p.round_half) * p.round_unit AS cost_before
        FROM priced p
    ),
    stored AS (
        INSERT INTO rated_usage (usage_id, started_at, account_id, tariff_id, profile_id,
                                 plan_id, subject, destination, prefix, time_bands,
                                 billed_usage, cost, precise_cost, rounding_decimals, currency,
                                 run_id)
        SELECT p.id, p.started_at, p.account_id, p.tariff_id, p.profile_id, p.plan_id,
               p.plan_subject, p.rate_destination, p.prefix, p.time_bands,
               CASE WHEN p.usage_before IS NULL THEN p.billed
                    ELSE p.billed - p.billed_before END,
               CASE WHEN p.usage_before IS NULL THEN p.cost
                    ELSE greatest(p.cost - p.cost_before, 0) END,
               CASE WHEN p.usage_before IS NULL THEN p.precise
                    ELSE p.precise - p.precise_before END,
               p.rounding_decimals, p.currency, $1
        FROM rounded p
        RETURNING rated_usage.usage_id, rated_usage.cost, rated_usage.currency
    ),
    -- Every record the fast path did not store (one row per record: each join above finds
    -- at most one row) goes to the general path.
    left_over AS (
        INSERT INTO pg_temp.rating_todo (id, started_at, account_id, tenant, category,
                                         subject, unit, usage, destination,
                                         session_started_at, usage_before)
        SELECT r.id, r.started_at, r.account_id, r.tenant, r.category, r.subject, r.unit,
               r.usage, r.destination, r.session_started_at, r.usage_before
        FROM %1$s
        WHERE r.id NOT IN (SELECT stored.usage_id FROM stored)
        RETURNING 1
    ),
    -- What the batch stored, per currency: one pass over the stored rows.
    totals AS (
        SELECT stored.currency, count(*) AS records, sum(stored.cost) AS cost
        FROM stored
        GROUP BY stored.currency
    )
    SELECT (SELECT coalesce(sum(t.records), 0)::bigint FROM totals t),
           (SELECT coalesce(sum(t.cost), 0) FROM totals t),
           (SELECT coalesce(jsonb_object_agg(t.currency, t.cost::text), '{}') FROM totals t),
           (SELECT count(*) FROM left_over)
    $sql$, p_source, found_prefix, found_set, found_pattern, probes, subjects::text,
        CASE WHEN currencies THEN 'cu.currency' ELSE 'NULL::bpchar' END,
        CASE WHEN currencies
             THEN 'LEFT JOIN customers cu ON cu.id = r.account_id' ELSE '' END)
    INTO fast_rated, fast_cost, fast_costs, left_over
    USING p_run, p_import, p_first, p_last;
    IF left_over = 0 THEN
        RETURN QUERY SELECT fast_rated, 0::bigint, fast_cost, fast_costs;
        RETURN;
    END IF;
    ANALYZE pg_temp.rating_todo;
    SELECT * INTO general FROM rating_rate_general(p_run);
    RETURN QUERY SELECT fast_rated + general.rated, general.errors, fast_cost + general.cost,
                        rating_add_costs(fast_costs, general.costs);
END;
$_$;


--
-- Name: rating_round(numeric, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_round(p_cost numeric, p_decimals integer, p_method text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE p_method WHEN 'half_up'::text THEN round(p_cost, p_decimals) WHEN 'down'::text THEN trunc(p_cost, p_decimals) ELSE (trunc(p_cost, p_decimals) + CASE WHEN (trunc(p_cost, p_decimals) = p_cost) THEN (0)::numeric ELSE ('{1,0.1,0.01,0.001,0.0001,0.00001,0.000001,0.0000001,0.00000001,0.000000001,0.0000000001,0.00000000001,0.000000000001}'::numeric[])[(p_decimals + 1)] END) END;


--
-- Name: rating_transitions(text, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.rating_transitions(p_zone text, p_from timestamp with time zone, p_to timestamp with time zone) RETURNS SETOF timestamp with time zone
    LANGUAGE sql STABLE ROWS 1 PARALLEL SAFE
    AS $$
    WITH RECURSIVE samples AS (
        SELECT s AS at FROM generate_series(p_from, p_to, interval '24 hours') AS s
        UNION
        SELECT p_to
    ),
    steps AS (
        SELECT at AS lo, lead(at) OVER (ORDER BY at) AS hi FROM samples
    ),
    search (lo, hi) AS (
        SELECT lo, hi FROM steps
        WHERE hi IS NOT NULL AND rating_offset(p_zone, lo) <> rating_offset(p_zone, hi)
        UNION ALL
        SELECT CASE WHEN same THEN lo ELSE mid END, CASE WHEN same THEN mid ELSE hi END
        FROM (SELECT lo, hi, mid, rating_offset(p_zone, mid) = rating_offset(p_zone, hi) AS same
              FROM (SELECT lo, hi, lo + (hi - lo) / 2 AS mid FROM search
                    WHERE hi - lo > interval '1 microsecond') AS halves) AS tested
    )
    SELECT hi FROM search WHERE hi - lo <= interval '1 microsecond' AND hi < p_to
$$;


--
-- Name: seller_next_invoice_number(bigint, date); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.seller_next_invoice_number(p_seller bigint, p_day date) RETURNS TABLE(number bigint, formatted text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    s sellers%ROWTYPE;
    counter_year integer;
    taken bigint;
BEGIN
    SELECT * INTO s FROM sellers WHERE id = p_seller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no seller %', p_seller USING ERRCODE = 'no_data_found';
    END IF;
    counter_year := CASE WHEN s.series_pattern LIKE '%{year}%'
                         THEN extract(year FROM p_day)::integer ELSE 0 END;
    INSERT INTO invoice_number_counters AS c (seller_id, year, last_number)
    VALUES (p_seller, counter_year, 1)
    ON CONFLICT (seller_id, year) DO UPDATE SET last_number = c.last_number + 1
    RETURNING c.last_number INTO taken;
    RETURN QUERY SELECT taken,
        replace(replace(s.series_pattern, '{year}', lpad(extract(year FROM p_day)::text, 4, '0')),
                '{number}', lpad(taken::text, s.series_width, '0'));
END;
$$;


--
-- Name: seller_take_invoice_numbers(bigint, date, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.seller_take_invoice_numbers(p_seller bigint, p_day date, p_count integer) RETURNS TABLE(number bigint, formatted text)
    LANGUAGE plpgsql
    AS $$
DECLARE
    s sellers%ROWTYPE;
    counter_year integer;
    last_taken bigint;
BEGIN
    SELECT * INTO s FROM sellers WHERE id = p_seller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no seller %', p_seller USING ERRCODE = 'no_data_found';
    END IF;
    counter_year := CASE WHEN s.series_pattern LIKE '%{year}%'
                         THEN extract(year FROM p_day)::integer ELSE 0 END;
    INSERT INTO invoice_number_counters AS c (seller_id, year, last_number)
    VALUES (p_seller, counter_year, p_count)
    ON CONFLICT (seller_id, year) DO UPDATE SET last_number = c.last_number + p_count
    RETURNING c.last_number INTO last_taken;
    RETURN QUERY SELECT n,
        replace(replace(s.series_pattern, '{year}', lpad(extract(year FROM p_day)::text, 4, '0')),
                '{number}', lpad(n::text, s.series_width, '0'))
    FROM generate_series(last_taken - p_count + 1, last_taken) AS n;
END;
$$;


--
-- Name: subscription_changes_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.subscription_changes_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'subscription history is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;


--
-- Name: usage_ensure_partitions(timestamp with time zone[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.usage_ensure_partitions(p_at timestamp with time zone[]) RETURNS integer
    LANGUAGE plpgsql
    AS $$
DECLARE
    month_start timestamp;
    name text;
    created integer := 0;
BEGIN
    FOR month_start IN
        SELECT DISTINCT date_trunc('month', at AT TIME ZONE 'UTC') FROM unnest(p_at) AS at
        WHERE at IS NOT NULL
    LOOP
        name := format('usage_records_p%s', to_char(month_start, 'YYYYMM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        LOCK TABLE usage_records IN SHARE UPDATE EXCLUSIVE MODE;
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format(
            'CREATE TABLE %I (LIKE usage_records INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
            name);
        EXECUTE format(
            'ALTER TABLE usage_records ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
            name,
            month_start AT TIME ZONE 'UTC',
            (month_start + interval '1 month') AT TIME ZONE 'UTC');
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;


--
-- Name: webhooks_bill_run_completed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_bill_run_completed() RETURNS trigger
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


--
-- Name: webhooks_dispute(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_dispute() RETURNS trigger
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


--
-- Name: webhooks_fan_out(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_fan_out() RETURNS trigger
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


--
-- Name: webhooks_invoice_paid(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_invoice_paid() RETURNS trigger
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


--
-- Name: webhooks_invoices_finalized(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_invoices_finalized() RETURNS trigger
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


--
-- Name: webhooks_payment_settled(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_payment_settled() RETURNS trigger
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


--
-- Name: webhooks_subscription_changed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_subscription_changed() RETURNS trigger
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


--
-- Name: webhooks_time(timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_time(p_at timestamp with time zone) RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;


--
-- Name: webhooks_usage_quarantined(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_usage_quarantined() RETURNS trigger
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


--
-- Name: webhooks_wanted(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.webhooks_wanted(p_type text) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (SELECT 1 FROM webhook_endpoints
                   WHERE active AND (p_type = ANY (event_types) OR '*' = ANY (event_types)))
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: api_idempotency; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_idempotency (
    key_id bigint NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint character(64) NOT NULL,
    status integer,
    media_type text,
    body bytea,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT api_idempotency_key_check CHECK (((length(idempotency_key) >= 1) AND (length(idempotency_key) <= 255)))
);


--
-- Name: api_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_keys (
    id bigint NOT NULL,
    prefix text NOT NULL,
    digest character(64) NOT NULL,
    name text NOT NULL,
    scopes text[] NOT NULL,
    customer_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    actor text NOT NULL,
    CONSTRAINT api_keys_digest_check CHECK ((digest ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT api_keys_scopes_check CHECK ((cardinality(scopes) >= 1))
);


--
-- Name: api_keys_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.api_keys ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_keys_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: api_rate_windows; Type: TABLE; Schema: public; Owner: -
--

CREATE UNLOGGED TABLE public.api_rate_windows (
    key_id bigint NOT NULL,
    window_start timestamp with time zone NOT NULL,
    requests integer NOT NULL
);


--
-- Name: audit_head; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_head (
    singleton boolean DEFAULT true NOT NULL,
    id bigint NOT NULL,
    hash text NOT NULL,
    CONSTRAINT audit_head_singleton_check CHECK (singleton)
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    recorded_at timestamp with time zone NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id text,
    data jsonb DEFAULT '{}'::jsonb NOT NULL,
    personal jsonb,
    personal_digest text,
    prev_hash text NOT NULL,
    hash text NOT NULL,
    CONSTRAINT audit_log_check CHECK (((length(hash) = 64) AND (length(prev_hash) = 64))),
    CONSTRAINT audit_log_check1 CHECK (((personal IS NULL) OR (personal_digest IS NOT NULL)))
)
PARTITION BY RANGE (recorded_at);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: bill_run_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bill_run_accounts (
    bill_run_id bigint NOT NULL,
    account_id bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    reason text,
    drafted integer DEFAULT 0 NOT NULL,
    finalized integer DEFAULT 0 NOT NULL,
    CONSTRAINT bill_run_accounts_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'done'::text, 'failed'::text])))
);


--
-- Name: bill_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.bill_runs (
    id bigint NOT NULL,
    as_of date NOT NULL,
    seller_id bigint NOT NULL,
    finalize boolean NOT NULL,
    grace_days integer NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    actor text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT bill_runs_grace_check CHECK ((grace_days >= 0)),
    CONSTRAINT bill_runs_status_check CHECK ((status = ANY (ARRAY['running'::text, 'completed'::text])))
);


--
-- Name: bill_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.bill_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.bill_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_charge_prices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_charge_prices (
    charge_id bigint NOT NULL,
    currency character(3) NOT NULL,
    model text NOT NULL,
    spec jsonb NOT NULL,
    CONSTRAINT catalog_charge_prices_model_check CHECK (((spec ->> 'model'::text) = model))
);


--
-- Name: catalog_charges; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_charges (
    id bigint NOT NULL,
    plan_version_id bigint NOT NULL,
    "position" integer NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    product_id bigint NOT NULL,
    timing text,
    metric text,
    unit text,
    tariff text,
    allowance_quantity numeric(30,10),
    allowance_prorate boolean,
    allowance_destinations text[],
    periods integer,
    CONSTRAINT catalog_charges_allowance_check CHECK ((((allowance_quantity IS NULL) = (allowance_prorate IS NULL)) AND ((allowance_quantity IS NULL) = (allowance_destinations IS NULL)) AND (allowance_quantity >= (0)::numeric))),
    CONSTRAINT catalog_charges_kind_check CHECK ((kind = ANY (ARRAY['recurring'::text, 'usage'::text, 'one_time'::text]))),
    CONSTRAINT catalog_charges_periods_check CHECK ((((periods >= 1) AND (kind = 'recurring'::text)) OR (periods IS NULL))),
    CONSTRAINT catalog_charges_timing_check CHECK ((((kind = 'recurring'::text) = (timing IS NOT NULL)) AND (timing = ANY (ARRAY['in_advance'::text, 'in_arrears'::text])))),
    CONSTRAINT catalog_charges_usage_check CHECK (((kind = 'usage'::text) OR ((metric IS NULL) AND (unit IS NULL) AND (tariff IS NULL) AND (allowance_quantity IS NULL))))
);


--
-- Name: catalog_charges_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_charges ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_charges_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_coupon_amounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_coupon_amounts (
    coupon_id bigint NOT NULL,
    currency character(3) NOT NULL,
    amount numeric(30,10) NOT NULL,
    CONSTRAINT catalog_coupon_amounts_amount_check CHECK ((amount > (0)::numeric))
);


--
-- Name: catalog_coupons; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_coupons (
    id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    percentage numeric(9,6),
    duration text NOT NULL,
    periods integer,
    scope text NOT NULL,
    target text,
    valid_from date,
    valid_until date,
    max_redemptions integer,
    load_id bigint NOT NULL,
    CONSTRAINT catalog_coupons_code_check CHECK ((code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT catalog_coupons_duration_check CHECK (((duration = ANY (ARRAY['once'::text, 'repeating'::text, 'forever'::text])) AND ((duration = 'repeating'::text) = (periods IS NOT NULL)) AND (periods >= 1))),
    CONSTRAINT catalog_coupons_max_redemptions_check CHECK ((max_redemptions >= 1)),
    CONSTRAINT catalog_coupons_percentage_check CHECK (((percentage > (0)::numeric) AND (percentage <= (100)::numeric))),
    CONSTRAINT catalog_coupons_scope_check CHECK (((scope = ANY (ARRAY['invoice'::text, 'plan'::text, 'charge'::text])) AND ((scope = 'invoice'::text) = (target IS NULL)))),
    CONSTRAINT catalog_coupons_validity_check CHECK ((valid_until >= valid_from))
);


--
-- Name: catalog_coupons_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_coupons ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_coupons_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_loads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_loads (
    id bigint NOT NULL,
    content_hash text NOT NULL,
    source text NOT NULL,
    loaded_by text NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    created jsonb NOT NULL
);


--
-- Name: catalog_loads_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_loads ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_loads_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_minimum_commitments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_minimum_commitments (
    plan_version_id bigint NOT NULL,
    currency character(3) NOT NULL,
    amount numeric(30,10) NOT NULL,
    CONSTRAINT catalog_minimum_commitments_amount_check CHECK ((amount >= (0)::numeric))
);


--
-- Name: catalog_plan_versions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_plan_versions (
    id bigint NOT NULL,
    plan_id bigint NOT NULL,
    number integer NOT NULL,
    effective_from date NOT NULL,
    currencies text[] NOT NULL,
    billing_period text NOT NULL,
    proration text NOT NULL,
    trial_days integer NOT NULL,
    load_id bigint NOT NULL,
    CONSTRAINT catalog_plan_versions_billing_period_check CHECK ((billing_period = ANY (ARRAY['weekly'::text, 'monthly'::text, 'quarterly'::text, 'yearly'::text]))),
    CONSTRAINT catalog_plan_versions_currencies_check CHECK (((cardinality(currencies) >= 1) AND (array_position(currencies, NULL::text) IS NULL))),
    CONSTRAINT catalog_plan_versions_number_check CHECK ((number >= 1)),
    CONSTRAINT catalog_plan_versions_proration_check CHECK ((proration = ANY (ARRAY['actual_days'::text, 'thirty_360'::text, 'inclusive_days'::text, 'seconds'::text]))),
    CONSTRAINT catalog_plan_versions_trial_days_check CHECK ((trial_days >= 0))
);


--
-- Name: catalog_plan_versions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_plan_versions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_plan_versions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_plans; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_plans (
    id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    description text,
    load_id bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    dunning text,
    CONSTRAINT catalog_plans_code_check CHECK ((code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT catalog_plans_dunning_check CHECK ((dunning ~ '^[0-9]+:(remind|retry|suspend|write_off)(,[0-9]+:(remind|retry|suspend|write_off))*$'::text)),
    CONSTRAINT catalog_plans_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200)))
);


--
-- Name: catalog_plans_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_plans ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_plans_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_products; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_products (
    id bigint NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    service text NOT NULL,
    load_id bigint NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT catalog_products_code_check CHECK ((code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'::text)),
    CONSTRAINT catalog_products_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT catalog_products_service_check CHECK ((service = ANY (ARRAY['voice'::text, 'data'::text, 'sms'::text, 'mms'::text, 'video'::text, 'recurring'::text, 'one_time'::text, 'other'::text])))
);


--
-- Name: catalog_products_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_products ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_products_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: catalog_promotion_prices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_promotion_prices (
    promotion_id bigint NOT NULL,
    currency character(3) NOT NULL,
    model text NOT NULL,
    spec jsonb NOT NULL,
    CONSTRAINT catalog_promotion_prices_model_check CHECK (((spec ->> 'model'::text) = model))
);


--
-- Name: catalog_promotions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.catalog_promotions (
    id bigint NOT NULL,
    plan_version_id bigint NOT NULL,
    "position" integer NOT NULL,
    charge_id bigint NOT NULL,
    periods integer NOT NULL,
    CONSTRAINT catalog_promotions_periods_check CHECK ((periods >= 1))
);


--
-- Name: catalog_promotions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.catalog_promotions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.catalog_promotions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: credit_note_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credit_note_lines (
    credit_note_id bigint NOT NULL,
    "position" integer NOT NULL,
    invoice_position integer,
    description text NOT NULL,
    quantity numeric,
    amount numeric NOT NULL,
    net numeric NOT NULL,
    tax_category text NOT NULL,
    tax_percent numeric NOT NULL,
    tax_note text,
    CONSTRAINT credit_note_lines_category_check CHECK ((tax_category = ANY (ARRAY['S'::text, 'AE'::text, 'O'::text, 'E'::text])))
);


--
-- Name: credit_notes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.credit_notes (
    id bigint NOT NULL,
    invoice_id bigint NOT NULL,
    seller_id bigint NOT NULL,
    account_id bigint NOT NULL,
    currency character(3) NOT NULL,
    number text NOT NULL,
    issue_date date NOT NULL,
    reason text NOT NULL,
    net numeric NOT NULL,
    tax numeric NOT NULL,
    total numeric NOT NULL,
    issued_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT credit_notes_reason_check CHECK (((length(btrim(reason)) >= 1) AND (length(btrim(reason)) <= 500))),
    CONSTRAINT credit_notes_total_check CHECK ((total > (0)::numeric))
);


--
-- Name: credit_notes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.credit_notes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.credit_notes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: customer_credits; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customer_credits (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    currency character(3) NOT NULL,
    amount numeric NOT NULL,
    source text NOT NULL,
    invoice_id bigint,
    credit_note_id bigint,
    reference text,
    granted_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    payment_id bigint,
    CONSTRAINT customer_credits_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT customer_credits_source_check CHECK ((source = ANY (ARRAY['invoice'::text, 'credit_note'::text, 'payment'::text])))
);


--
-- Name: customer_credits_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.customer_credits ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.customer_credits_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: customers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customers (
    id bigint NOT NULL,
    external_id text NOT NULL,
    kind text NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    legal_name text NOT NULL,
    emails text[] DEFAULT '{}'::text[] NOT NULL,
    address_line1 text,
    address_line2 text,
    postal_code text,
    city text,
    region text,
    country character(2) NOT NULL,
    currency character(3) NOT NULL,
    time_zone text NOT NULL,
    billing_cycle_day smallint NOT NULL,
    locale text NOT NULL,
    payment_terms_days smallint DEFAULT 30 NOT NULL,
    tax_id text,
    tax_exempt_reason text,
    parent_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    closed_at timestamp with time zone,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT customers_address_check CHECK (((COALESCE(length(address_line1), 0) <= 200) AND (COALESCE(length(address_line2), 0) <= 200) AND (COALESCE(length(postal_code), 0) <= 20) AND (COALESCE(length(city), 0) <= 100) AND (COALESCE(length(region), 0) <= 100))),
    CONSTRAINT customers_billing_cycle_day_check CHECK (((billing_cycle_day >= 1) AND (billing_cycle_day <= 31))),
    CONSTRAINT customers_closed_check CHECK (((status = 'closed'::text) = (closed_at IS NOT NULL))),
    CONSTRAINT customers_country_check CHECK ((country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT customers_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT customers_emails_check CHECK (((cardinality(emails) <= 10) AND (array_position(emails, NULL::text) IS NULL))),
    CONSTRAINT customers_external_id_check CHECK ((((length(external_id) >= 1) AND (length(external_id) <= 100)) AND (external_id = btrim(external_id)))),
    CONSTRAINT customers_kind_check CHECK ((kind = ANY (ARRAY['person'::text, 'business'::text]))),
    CONSTRAINT customers_legal_name_check CHECK (((length(btrim(legal_name)) >= 1) AND (length(btrim(legal_name)) <= 200))),
    CONSTRAINT customers_locale_check CHECK ((locale ~ '^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$'::text)),
    CONSTRAINT customers_parent_not_self CHECK ((parent_id <> id)),
    CONSTRAINT customers_payment_terms_check CHECK (((payment_terms_days >= 0) AND (payment_terms_days <= 365))),
    CONSTRAINT customers_status_check CHECK ((status = ANY (ARRAY['active'::text, 'suspended'::text, 'closed'::text]))),
    CONSTRAINT customers_tax_exempt_reason_check CHECK (((length(tax_exempt_reason) >= 1) AND (length(tax_exempt_reason) <= 200))),
    CONSTRAINT customers_tax_id_check CHECK (((length(tax_id) >= 1) AND (length(tax_id) <= 50))),
    CONSTRAINT customers_time_zone_check CHECK ((time_zone ~ '^[A-Za-z][A-Za-z0-9_+/-]*$'::text)),
    CONSTRAINT customers_version_check CHECK ((version >= 1))
);


--
-- Name: customers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.customers ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (
    SEQUENCE NAME public.customers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: dispute_notes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dispute_notes (
    id bigint NOT NULL,
    dispute_id bigint NOT NULL,
    note text NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT dispute_notes_note_check CHECK (((length(btrim(note)) >= 1) AND (length(btrim(note)) <= 4000)))
);


--
-- Name: dispute_notes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.dispute_notes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dispute_notes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: disputes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.disputes (
    id bigint NOT NULL,
    payment_id bigint,
    invoice_id bigint,
    account_id bigint NOT NULL,
    amount numeric NOT NULL,
    currency character(3) NOT NULL,
    status text DEFAULT 'open'::text NOT NULL,
    reason text NOT NULL,
    gateway_reference text,
    opened_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    closed_at timestamp with time zone,
    actor text NOT NULL,
    kind text NOT NULL,
    line_position integer,
    net numeric,
    evidence_due_by timestamp with time zone,
    credit_note_id bigint,
    CONSTRAINT disputes_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT disputes_closed_check CHECK (((status = 'open'::text) = (closed_at IS NULL))),
    CONSTRAINT disputes_credit_note_check CHECK ((((kind = 'line'::text) AND (status = 'won'::text)) = (credit_note_id IS NOT NULL))),
    CONSTRAINT disputes_kind_check CHECK ((kind = ANY (ARRAY['chargeback'::text, 'line'::text]))),
    CONSTRAINT disputes_shape_check CHECK (
CASE kind
    WHEN 'chargeback'::text THEN ((payment_id IS NOT NULL) AND (gateway_reference IS NOT NULL) AND (evidence_due_by IS NOT NULL) AND (line_position IS NULL))
    ELSE ((invoice_id IS NOT NULL) AND (line_position IS NOT NULL) AND (net > (0)::numeric) AND (payment_id IS NULL) AND (gateway_reference IS NULL))
END),
    CONSTRAINT disputes_status_check CHECK ((status = ANY (ARRAY['open'::text, 'won'::text, 'lost'::text])))
);


--
-- Name: disputes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.disputes ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.disputes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: dunning_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dunning_events (
    id bigint NOT NULL,
    invoice_id bigint,
    account_id bigint NOT NULL,
    day integer NOT NULL,
    action text NOT NULL,
    taken boolean NOT NULL,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    run_on date NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    notice text,
    mail text,
    mail_error text,
    message_id text,
    sent_at timestamp with time zone,
    CONSTRAINT dunning_events_action_check CHECK ((action = ANY (ARRAY['remind'::text, 'retry'::text, 'suspend'::text, 'write_off'::text, 'resume'::text]))),
    CONSTRAINT dunning_events_mail_check CHECK ((mail = ANY (ARRAY['pending'::text, 'sent'::text, 'cancelled'::text, 'no_address'::text]))),
    CONSTRAINT dunning_events_mail_notice_check CHECK (((notice IS NULL) = (mail IS NULL))),
    CONSTRAINT dunning_events_notice_check CHECK ((notice = ANY (ARRAY['reminder_1'::text, 'reminder_2'::text, 'suspension'::text, 'write_off'::text]))),
    CONSTRAINT dunning_events_sent_check CHECK (((mail = 'sent'::text) = (sent_at IS NOT NULL)))
);


--
-- Name: dunning_events_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.dunning_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.dunning_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: inventory_assignments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inventory_assignments (
    id bigint NOT NULL,
    resource_id bigint NOT NULL,
    subscription_id bigint NOT NULL,
    during tstzrange NOT NULL
);


--
-- Name: inventory_assignments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.inventory_assignments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.inventory_assignments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: inventory_resources; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inventory_resources (
    id bigint NOT NULL,
    kind text NOT NULL,
    value text NOT NULL,
    status text DEFAULT 'available'::text NOT NULL,
    reserved_for text,
    reserved_until timestamp with time zone,
    subscription_id bigint,
    quarantine_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT inventory_resources_assigned_check CHECK (((status = 'assigned'::text) = (subscription_id IS NOT NULL))),
    CONSTRAINT inventory_resources_kind_check CHECK ((kind = ANY (ARRAY['phone_number'::text, 'sim'::text, 'device'::text]))),
    CONSTRAINT inventory_resources_reserved_check CHECK (((status = 'reserved'::text) = (reserved_until IS NOT NULL))),
    CONSTRAINT inventory_resources_status_check CHECK ((status = ANY (ARRAY['available'::text, 'reserved'::text, 'assigned'::text, 'quarantined'::text, 'retired'::text])))
);


--
-- Name: inventory_resources_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.inventory_resources ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.inventory_resources_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: invoice_allocations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoice_allocations (
    id bigint NOT NULL,
    invoice_id bigint NOT NULL,
    amount numeric NOT NULL,
    source text NOT NULL,
    reference text,
    allocated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    payment_id bigint,
    CONSTRAINT invoice_allocations_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT invoice_allocations_source_check CHECK ((source = ANY (ARRAY['payment'::text, 'customer_credit'::text, 'write_off'::text])))
);


--
-- Name: invoice_allocations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.invoice_allocations ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.invoice_allocations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: invoice_balances; Type: VIEW; Schema: public; Owner: -
--

CREATE VIEW public.invoice_balances AS
 SELECT invoice_id,
    credited,
    allocated,
    prepaid,
    balance,
    state,
    written_off,
    disputed
   FROM public.invoice_balances_of(NULL::bigint[]) invoice_balances_of(invoice_id, credited, allocated, prepaid, balance, state, written_off, disputed);


--
-- Name: invoice_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoice_lines (
    invoice_id bigint NOT NULL,
    "position" integer NOT NULL,
    subscription_id bigint,
    kind text NOT NULL,
    key text NOT NULL,
    description text NOT NULL,
    service_start date NOT NULL,
    service_end date NOT NULL,
    quantity numeric,
    amount numeric NOT NULL,
    net numeric NOT NULL,
    tax_category text NOT NULL,
    tax_percent numeric NOT NULL,
    tax_note text,
    plan text,
    charge text,
    full_amount numeric,
    product text,
    CONSTRAINT invoice_lines_category_check CHECK ((tax_category = ANY (ARRAY['S'::text, 'AE'::text, 'O'::text, 'E'::text])))
);


--
-- Name: invoice_number_counters; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoice_number_counters (
    seller_id bigint NOT NULL,
    year integer NOT NULL,
    last_number bigint DEFAULT 0 NOT NULL,
    CONSTRAINT invoice_number_counters_check CHECK ((last_number >= 0))
);


--
-- Name: invoices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.invoices (
    id bigint NOT NULL,
    seller_id bigint NOT NULL,
    account_id bigint NOT NULL,
    currency character(3) NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    status text DEFAULT 'draft'::text NOT NULL,
    number text,
    creditor_reference text,
    issue_date date,
    due_date date,
    net numeric DEFAULT 0 NOT NULL,
    tax numeric DEFAULT 0 NOT NULL,
    total numeric DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finalized_at timestamp with time zone,
    billing_date date NOT NULL,
    bill_run_id bigint,
    CONSTRAINT invoices_finalized_check CHECK (((status = 'draft'::text) = ((number IS NULL) AND (issue_date IS NULL) AND (finalized_at IS NULL)))),
    CONSTRAINT invoices_period_check CHECK ((period_end > period_start)),
    CONSTRAINT invoices_status_check CHECK ((status = ANY (ARRAY['draft'::text, 'finalized'::text])))
);


--
-- Name: invoices_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.invoices ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.invoices_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: journal_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.journal_entries (
    id bigint NOT NULL,
    kind text NOT NULL,
    invoice_id bigint,
    credit_note_id bigint,
    allocation_id bigint,
    effective_date date NOT NULL,
    description text NOT NULL,
    posted_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    payment_id bigint,
    refund_id bigint,
    dispute_id bigint,
    CONSTRAINT journal_entries_kind_check CHECK ((kind = ANY (ARRAY['invoice'::text, 'credit_note'::text, 'allocation'::text, 'payment'::text, 'refund'::text, 'chargeback'::text, 'write_off'::text])))
);


--
-- Name: journal_entries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.journal_entries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.journal_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: journal_lines; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.journal_lines (
    entry_id bigint NOT NULL,
    "position" integer NOT NULL,
    ledger_account_id bigint NOT NULL,
    invoice_id bigint,
    debit numeric DEFAULT 0 NOT NULL,
    credit numeric DEFAULT 0 NOT NULL,
    CONSTRAINT journal_lines_side_check CHECK (((debit >= (0)::numeric) AND (credit >= (0)::numeric) AND ((debit > (0)::numeric) <> (credit > (0)::numeric))))
);


--
-- Name: ledger_accounts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.ledger_accounts (
    id bigint NOT NULL,
    kind text NOT NULL,
    currency character(3) NOT NULL,
    subject text NOT NULL,
    customer_id bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT ledger_accounts_customer_check CHECK (((kind = ANY (ARRAY['receivable'::text, 'customer_credit'::text])) = (customer_id IS NOT NULL))),
    CONSTRAINT ledger_accounts_kind_check CHECK ((kind = ANY (ARRAY['receivable'::text, 'customer_credit'::text, 'revenue'::text, 'tax_payable'::text, 'cash'::text, 'refunds'::text, 'write_offs'::text])))
);


--
-- Name: ledger_accounts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.ledger_accounts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.ledger_accounts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    order_id text NOT NULL,
    fingerprint character(64) NOT NULL,
    account_id bigint,
    result jsonb,
    actor text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT orders_fingerprint_check CHECK ((fingerprint ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT orders_order_id_check CHECK ((((length(order_id) >= 1) AND (length(order_id) <= 100)) AND (order_id = btrim(order_id))))
);


--
-- Name: payment_methods; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payment_methods (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    kind text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    gateway text,
    token text,
    brand text,
    last4 character(4),
    exp_month smallint,
    exp_year smallint,
    iban text,
    bic text,
    mandate_id text,
    mandate_signed_on date,
    sequence text,
    label text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    CONSTRAINT payment_methods_card_check CHECK (((kind <> 'card'::text) OR ((gateway IS NOT NULL) AND (token IS NOT NULL) AND (brand IS NOT NULL) AND (last4 ~ '^[0-9]{4}$'::text) AND ((exp_month >= 1) AND (exp_month <= 12)) AND (exp_year >= 2000)))),
    CONSTRAINT payment_methods_default_check CHECK (((NOT is_default) OR (status = 'active'::text))),
    CONSTRAINT payment_methods_kind_check CHECK ((kind = ANY (ARRAY['card'::text, 'sepa_debit'::text, 'bank_transfer'::text]))),
    CONSTRAINT payment_methods_revoked_check CHECK (((status = 'revoked'::text) = (revoked_at IS NOT NULL))),
    CONSTRAINT payment_methods_sepa_check CHECK (((kind <> 'sepa_debit'::text) OR ((iban IS NOT NULL) AND (mandate_id IS NOT NULL) AND (mandate_signed_on IS NOT NULL) AND (sequence = ANY (ARRAY['FRST'::text, 'RCUR'::text]))))),
    CONSTRAINT payment_methods_status_check CHECK ((status = ANY (ARRAY['active'::text, 'revoked'::text])))
);


--
-- Name: payment_methods_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.payment_methods ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.payment_methods_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: payments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.payments (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    method_id bigint,
    kind text NOT NULL,
    amount numeric NOT NULL,
    currency character(3) NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    idempotency_key text NOT NULL,
    invoice_id bigint,
    reference text,
    gateway text,
    gateway_reference text,
    failure_code text,
    failure_message text,
    received_on date,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT payments_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT payments_kind_check CHECK ((kind = ANY (ARRAY['card'::text, 'sepa_debit'::text, 'bank_transfer'::text]))),
    CONSTRAINT payments_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'succeeded'::text, 'failed'::text, 'unknown'::text, 'returned'::text, 'reversed'::text])))
);


--
-- Name: payments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.payments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.payments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rated_usage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rated_usage (
    usage_id bigint NOT NULL,
    started_at timestamp with time zone NOT NULL,
    account_id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    profile_id bigint NOT NULL,
    plan_id bigint NOT NULL,
    subject text NOT NULL,
    destination text NOT NULL,
    prefix text NOT NULL,
    time_bands text[] NOT NULL,
    billed_usage numeric NOT NULL,
    cost numeric(30,12) NOT NULL,
    precise_cost numeric NOT NULL,
    rounding_decimals smallint NOT NULL,
    currency character(3) NOT NULL,
    run_id bigint NOT NULL,
    rated_at timestamp with time zone DEFAULT now() NOT NULL,
    invoice_id bigint,
    CONSTRAINT rated_usage_cost_check CHECK (((cost >= (0)::numeric) AND (precise_cost >= (0)::numeric)))
)
PARTITION BY RANGE (started_at);


--
-- Name: rating_band_patterns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_band_patterns (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    bands bigint[] NOT NULL,
    times time without time zone[] NOT NULL
);


--
-- Name: rating_band_patterns_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_band_patterns ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_band_patterns_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_batches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_batches (
    id bigint NOT NULL,
    first_id bigint NOT NULL,
    last_id bigint NOT NULL,
    planned_at timestamp with time zone DEFAULT now() NOT NULL,
    run_id bigint,
    done_at timestamp with time zone,
    rated bigint,
    errors bigint,
    import_id bigint,
    first_event_at timestamp with time zone,
    last_event_at timestamp with time zone,
    costs jsonb,
    CONSTRAINT rating_batches_range_check CHECK ((first_id <= last_id))
);


--
-- Name: rating_batches_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_batches ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_batches_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_candidate_sets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_candidate_sets (
    id bigint NOT NULL,
    plan_id bigint NOT NULL,
    times time without time zone[] NOT NULL,
    pattern_id bigint
);


--
-- Name: rating_candidate_sets_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_candidate_sets ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_candidate_sets_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_candidates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_candidates (
    candidate_set_id bigint NOT NULL,
    ord integer NOT NULL,
    entry_id bigint NOT NULL,
    time_band_id bigint,
    time_band text NOT NULL
);


--
-- Name: rating_destination_prefixes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_destination_prefixes (
    destination_id bigint NOT NULL,
    "position" integer NOT NULL,
    prefix text NOT NULL,
    CONSTRAINT rating_destination_prefixes_prefix_check CHECK (((prefix <> ''::text) AND (prefix <> '*any'::text) AND ("left"(prefix, 1) <> '+'::text)))
);


--
-- Name: rating_destination_rate_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_destination_rate_entries (
    id bigint NOT NULL,
    destination_rates_id bigint NOT NULL,
    "position" integer NOT NULL,
    destination text NOT NULL,
    destination_id bigint,
    rate_id bigint NOT NULL,
    rounding_method text NOT NULL,
    rounding_decimals smallint NOT NULL,
    max_cost numeric,
    max_cost_strategy text,
    CONSTRAINT rating_destination_rate_entries_decimals_check CHECK (((rounding_decimals >= 0) AND (rounding_decimals <= 12))),
    CONSTRAINT rating_destination_rate_entries_destination_check CHECK (((destination = '*any'::text) = (destination_id IS NULL))),
    CONSTRAINT rating_destination_rate_entries_max_cost_check CHECK ((((max_cost IS NULL) = (max_cost_strategy IS NULL)) AND (max_cost >= (0)::numeric) AND (max_cost_strategy = ANY (ARRAY['free'::text, 'disconnect'::text])))),
    CONSTRAINT rating_destination_rate_entries_method_check CHECK ((rounding_method = ANY (ARRAY['up'::text, 'half_up'::text, 'down'::text])))
);


--
-- Name: rating_destination_rate_entries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_destination_rate_entries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_destination_rate_entries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_destination_rates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_destination_rates (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    "position" integer NOT NULL,
    code text NOT NULL
);


--
-- Name: rating_destination_rates_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_destination_rates ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_destination_rates_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_destinations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_destinations (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    "position" integer NOT NULL,
    code text NOT NULL,
    CONSTRAINT rating_destinations_code_check CHECK ((code <> '*any'::text))
);


--
-- Name: rating_destinations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_destinations ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_destinations_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_errors; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_errors (
    usage_id bigint NOT NULL,
    started_at timestamp with time zone NOT NULL,
    account_id bigint NOT NULL,
    code text NOT NULL,
    message text NOT NULL,
    run_id bigint NOT NULL,
    failed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT rating_errors_code_check CHECK ((code = ANY (ARRAY['no_rating_profile'::text, 'unauthorized_destination'::text, 'currency_mismatch'::text])))
);


--
-- Name: rating_plan_entries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_plan_entries (
    plan_id bigint NOT NULL,
    "position" integer NOT NULL,
    destination_rates_id bigint NOT NULL,
    time_band text NOT NULL,
    time_band_id bigint,
    weight numeric NOT NULL
);


--
-- Name: rating_plan_prefixes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_plan_prefixes (
    plan_id bigint NOT NULL,
    prefix text NOT NULL,
    candidate_set_id bigint NOT NULL,
    pattern_id bigint
);


--
-- Name: rating_plans; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_plans (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    "position" integer NOT NULL,
    code text NOT NULL,
    prefix_lengths integer[] DEFAULT '{}'::integer[] NOT NULL,
    any_candidates bigint,
    any_pattern_id bigint,
    search_tree integer[],
    search_depth integer DEFAULT 0 NOT NULL
);


--
-- Name: rating_plans_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_plans ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_plans_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_prefix_search; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_prefix_search (
    plan_id bigint NOT NULL,
    prefix text NOT NULL,
    level integer NOT NULL,
    best_prefix text,
    candidate_set_id bigint,
    pattern_id bigint
);


--
-- Name: rating_prices; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_prices (
    candidate_set_id bigint NOT NULL,
    ord integer NOT NULL,
    destination text NOT NULL,
    time_band text NOT NULL,
    rounding_decimals smallint NOT NULL,
    round_sign numeric NOT NULL,
    round_half numeric NOT NULL,
    round_scale numeric NOT NULL,
    round_unit numeric NOT NULL,
    cap numeric,
    connect_fee numeric NOT NULL,
    simple boolean NOT NULL,
    start1 numeric NOT NULL,
    next1 numeric,
    step1 numeric NOT NULL,
    doubled1 numeric NOT NULL,
    unit1 numeric NOT NULL,
    increment_cost1 numeric,
    start2 numeric,
    step2 numeric,
    doubled2 numeric,
    unit2 numeric,
    increment_cost2 numeric,
    time_bands text[] NOT NULL
);


--
-- Name: rating_profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_profiles (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    "position" integer NOT NULL,
    tenant text NOT NULL,
    category text NOT NULL,
    subject text NOT NULL,
    activation timestamp with time zone NOT NULL,
    plan_id bigint NOT NULL,
    fallback_subjects text[] NOT NULL,
    active boolean DEFAULT true NOT NULL
);


--
-- Name: rating_profiles_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_profiles ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_profiles_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_rate_groups; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_rate_groups (
    rate_id bigint NOT NULL,
    "position" integer NOT NULL,
    interval_start numeric NOT NULL,
    price numeric NOT NULL,
    rate_unit numeric NOT NULL,
    increment numeric NOT NULL,
    next_start numeric,
    step numeric GENERATED ALWAYS AS (
CASE
    WHEN (increment = (0)::numeric) THEN (1)::numeric
    ELSE increment
END) STORED NOT NULL,
    unit numeric GENERATED ALWAYS AS (
CASE
    WHEN (rate_unit = (0)::numeric) THEN (1)::numeric
    ELSE rate_unit
END) STORED NOT NULL,
    increment_cost numeric,
    CONSTRAINT rating_rate_groups_order_check CHECK ((next_start > interval_start)),
    CONSTRAINT rating_rate_groups_values_check CHECK (((interval_start >= (0)::numeric) AND (price >= (0)::numeric) AND (rate_unit >= (0)::numeric) AND (increment >= (0)::numeric)))
);


--
-- Name: rating_rates; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_rates (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    "position" integer NOT NULL,
    code text NOT NULL,
    connect_fee numeric NOT NULL,
    CONSTRAINT rating_rates_connect_fee_check CHECK ((connect_fee >= (0)::numeric))
);


--
-- Name: rating_rates_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_rates ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_rates_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_runs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_runs (
    id bigint NOT NULL,
    kind text DEFAULT 'rate'::text NOT NULL,
    actor text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    rated bigint DEFAULT 0 NOT NULL,
    errors bigint DEFAULT 0 NOT NULL,
    cost numeric DEFAULT 0 NOT NULL,
    period_from timestamp with time zone,
    period_to timestamp with time zone,
    account_id bigint,
    cost_before numeric,
    CONSTRAINT rating_runs_kind_check CHECK ((kind = ANY (ARRAY['rate'::text, 'rerate'::text])))
);


--
-- Name: rating_runs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_schedule; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_schedule (
    pattern_id bigint NOT NULL,
    day date NOT NULL,
    wall_from timestamp without time zone NOT NULL,
    wall_to timestamp without time zone NOT NULL,
    ord integer
);


--
-- Name: rating_tariffs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_tariffs (
    id bigint NOT NULL,
    code text NOT NULL,
    revision integer NOT NULL,
    current boolean DEFAULT true NOT NULL,
    currency character(3) NOT NULL,
    time_zone text NOT NULL,
    increment_decimals smallint,
    content_hash text NOT NULL,
    source text NOT NULL,
    loaded_by text NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    replaced_at timestamp with time zone,
    prepared boolean DEFAULT false NOT NULL,
    search_prepared boolean DEFAULT false NOT NULL,
    CONSTRAINT rating_tariffs_code_check CHECK (((length(code) >= 1) AND (length(code) <= 100))),
    CONSTRAINT rating_tariffs_currency_check CHECK ((currency ~ '^[A-Z]{3}$'::text)),
    CONSTRAINT rating_tariffs_current_check CHECK ((current = (replaced_at IS NULL))),
    CONSTRAINT rating_tariffs_increment_decimals_check CHECK (((increment_decimals >= 0) AND (increment_decimals <= 12))),
    CONSTRAINT rating_tariffs_revision_check CHECK ((revision >= 1))
);


--
-- Name: rating_tariffs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_tariffs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_tariffs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: rating_time_bands; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.rating_time_bands (
    id bigint NOT NULL,
    tariff_id bigint NOT NULL,
    "position" integer NOT NULL,
    code text NOT NULL,
    years integer[] NOT NULL,
    months integer[] NOT NULL,
    month_days integer[] NOT NULL,
    weekdays integer[] NOT NULL,
    start_time time without time zone NOT NULL
);


--
-- Name: rating_time_bands_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.rating_time_bands ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rating_time_bands_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: reconciliation_statements; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reconciliation_statements (
    id bigint NOT NULL,
    kind text NOT NULL,
    identifier text NOT NULL,
    account text NOT NULL,
    fingerprint text NOT NULL,
    entries integer NOT NULL,
    file_name text,
    imported_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT reconciliation_statements_kind_check CHECK ((kind = ANY (ARRAY['camt.053'::text, 'camt.054'::text, 'mt940'::text])))
);


--
-- Name: reconciliation_statements_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.reconciliation_statements ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reconciliation_statements_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: reconciliation_transactions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reconciliation_transactions (
    id bigint NOT NULL,
    key text NOT NULL,
    statement_id bigint NOT NULL,
    entry_position integer NOT NULL,
    "position" integer NOT NULL,
    booking_date date NOT NULL,
    direction text NOT NULL,
    reversal boolean DEFAULT false NOT NULL,
    amount numeric NOT NULL,
    currency character(3) NOT NULL,
    bank_reference text,
    structured_reference text,
    remittance text DEFAULT ''::text NOT NULL,
    payer_iban text,
    payer_name text,
    status text NOT NULL,
    reason text NOT NULL,
    invoice_id bigint,
    payment_id bigint,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT reconciliation_transactions_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT reconciliation_transactions_applied_check CHECK (((status = 'queued'::text) = ((payment_id IS NULL) AND (invoice_id IS NULL)))),
    CONSTRAINT reconciliation_transactions_credit_check CHECK (((status = 'queued'::text) OR ((status = 'returned'::text) = ((direction = 'debit'::text) OR reversal)))),
    CONSTRAINT reconciliation_transactions_direction_check CHECK ((direction = ANY (ARRAY['credit'::text, 'debit'::text]))),
    CONSTRAINT reconciliation_transactions_status_check CHECK ((status = ANY (ARRAY['matched'::text, 'partially_matched'::text, 'queued'::text, 'matched_by_hand'::text, 'returned'::text])))
);


--
-- Name: reconciliation_transactions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.reconciliation_transactions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.reconciliation_transactions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: refunds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refunds (
    id bigint NOT NULL,
    payment_id bigint NOT NULL,
    account_id bigint NOT NULL,
    amount numeric NOT NULL,
    currency character(3) NOT NULL,
    method text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    idempotency_key text NOT NULL,
    reason text NOT NULL,
    iban text,
    bic text,
    gateway_reference text,
    failure_code text,
    exported_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    updated_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT refunds_amount_check CHECK ((amount > (0)::numeric)),
    CONSTRAINT refunds_method_check CHECK ((method = ANY (ARRAY['gateway'::text, 'credit_transfer'::text]))),
    CONSTRAINT refunds_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'succeeded'::text, 'failed'::text, 'unknown'::text]))),
    CONSTRAINT refunds_transfer_check CHECK (((method <> 'credit_transfer'::text) OR (iban IS NOT NULL)))
);


--
-- Name: refunds_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.refunds ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.refunds_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: sellers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sellers (
    id bigint NOT NULL,
    code text NOT NULL,
    legal_name text NOT NULL,
    address_line1 text NOT NULL,
    address_line2 text,
    postal_code text NOT NULL,
    city text NOT NULL,
    region text,
    country character(2) NOT NULL,
    vat_id text,
    iban text,
    bic text,
    sepa_creditor_id text,
    email text,
    legal_footer text,
    series_pattern text DEFAULT 'INV-{year}-{number}'::text NOT NULL,
    series_width smallint DEFAULT 6 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT sellers_code_check CHECK ((code ~ '^[a-z0-9][a-z0-9_-]{0,49}$'::text)),
    CONSTRAINT sellers_country_check CHECK ((country ~ '^[A-Z]{2}$'::text)),
    CONSTRAINT sellers_series_check CHECK (((series_pattern ~~ '%{number}%'::text) AND ((series_width >= 1) AND (series_width <= 12))))
);


--
-- Name: sellers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.sellers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sellers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: subscription_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subscription_changes (
    subscription_id bigint NOT NULL,
    "position" integer NOT NULL,
    kind text NOT NULL,
    effective date NOT NULL,
    plan text,
    quantity integer,
    trial_days integer DEFAULT 0 NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT subscription_changes_kind_check CHECK ((kind = ANY (ARRAY['created'::text, 'plan_changed'::text, 'quantity_changed'::text, 'suspended'::text, 'resumed'::text, 'cancelled'::text]))),
    CONSTRAINT subscription_changes_quantity_check CHECK ((quantity >= 1)),
    CONSTRAINT subscription_changes_trial_check CHECK ((trial_days >= 0))
);


--
-- Name: subscriptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subscriptions (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    external_id text,
    alignment text DEFAULT 'billing_cycle_day'::text NOT NULL,
    started_on date NOT NULL,
    coupon text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    CONSTRAINT subscriptions_alignment_check CHECK ((alignment = ANY (ARRAY['billing_cycle_day'::text, 'anniversary'::text])))
);


--
-- Name: subscriptions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.subscriptions ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: tax_rate_sets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tax_rate_sets (
    id bigint NOT NULL,
    source text NOT NULL,
    document jsonb NOT NULL,
    loaded_at timestamp with time zone DEFAULT now() NOT NULL,
    actor text NOT NULL
);


--
-- Name: tax_rate_sets_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tax_rate_sets ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tax_rate_sets_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: usage_identifiers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_identifiers (
    id bigint NOT NULL,
    account_id bigint NOT NULL,
    subscription_id bigint,
    kind text NOT NULL,
    value text NOT NULL,
    validity tstzrange NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT usage_identifiers_kind_check CHECK ((kind = ANY (ARRAY['e164'::text, 'sip'::text, 'account_code'::text]))),
    CONSTRAINT usage_identifiers_validity_check CHECK (((NOT isempty(validity)) AND (NOT lower_inf(validity)) AND lower_inc(validity) AND (NOT upper_inc(validity)))),
    CONSTRAINT usage_identifiers_value_check CHECK (
CASE kind
    WHEN 'e164'::text THEN (value ~ '^\+[1-9][0-9]{1,14}$'::text)
    WHEN 'sip'::text THEN ((value = lower(value)) AND (value ~ '^[^\s@:]+(@[a-z0-9.-]+)?$'::text))
    ELSE (((length(value) >= 1) AND (length(value) <= 80)) AND (value = btrim(value)))
END)
);


--
-- Name: usage_identifiers_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.usage_identifiers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.usage_identifiers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: usage_imports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_imports (
    id bigint NOT NULL,
    kind text DEFAULT 'import'::text NOT NULL,
    source text,
    format text,
    file text,
    tenant text DEFAULT 'default'::text NOT NULL,
    time_zone text,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    actor text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    received bigint DEFAULT 0 NOT NULL,
    accepted bigint DEFAULT 0 NOT NULL,
    filtered bigint DEFAULT 0 NOT NULL,
    duplicates bigint DEFAULT 0 NOT NULL,
    quarantined bigint DEFAULT 0 NOT NULL,
    first_usage_id bigint,
    last_usage_id bigint,
    first_event_at timestamp with time zone,
    last_event_at timestamp with time zone,
    rating_planned boolean DEFAULT false NOT NULL,
    CONSTRAINT usage_imports_counts_check CHECK (((received = (((accepted + filtered) + duplicates) + quarantined)) AND (LEAST(accepted, filtered, duplicates, quarantined) >= 0))),
    CONSTRAINT usage_imports_format_check CHECK ((format = ANY (ARRAY['asterisk'::text, 'csv'::text, 'jsonl'::text]))),
    CONSTRAINT usage_imports_import_check CHECK (((kind = 'retry'::text) OR ((source IS NOT NULL) AND (format IS NOT NULL)))),
    CONSTRAINT usage_imports_kind_check CHECK ((kind = ANY (ARRAY['import'::text, 'retry'::text]))),
    CONSTRAINT usage_imports_source_check CHECK (((length(source) >= 1) AND (length(source) <= 100))),
    CONSTRAINT usage_imports_tenant_check CHECK (((length(tenant) >= 1) AND (length(tenant) <= 100)))
);


--
-- Name: usage_imports_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.usage_imports ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.usage_imports_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: usage_quarantine; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_quarantine (
    id bigint NOT NULL,
    source text NOT NULL,
    line_hash text NOT NULL,
    import_id bigint NOT NULL,
    account_id bigint,
    line bigint NOT NULL,
    raw text NOT NULL,
    reason text NOT NULL,
    retryable boolean NOT NULL,
    quarantined_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: usage_quarantine_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.usage_quarantine ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.usage_quarantine_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: usage_record_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_record_keys (
    source text NOT NULL,
    record_id text NOT NULL,
    usage_id bigint NOT NULL,
    account_id bigint NOT NULL,
    started_at timestamp with time zone NOT NULL,
    counter numeric,
    session_started_at timestamp with time zone,
    CONSTRAINT usage_record_keys_counter_check CHECK ((counter >= (0)::numeric))
);


--
-- Name: usage_records; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_records (
    id bigint NOT NULL,
    import_id bigint NOT NULL,
    account_id bigint NOT NULL,
    subscription_id bigint,
    usage_identifier_id bigint NOT NULL,
    source text NOT NULL,
    record_id text NOT NULL,
    service text NOT NULL,
    unit text NOT NULL,
    category text NOT NULL,
    subject text NOT NULL,
    tenant text DEFAULT 'default'::text NOT NULL,
    destination text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    usage numeric NOT NULL,
    status text DEFAULT 'billable'::text NOT NULL,
    disposition text,
    line bigint,
    raw text NOT NULL,
    session_started_at timestamp with time zone,
    usage_before numeric,
    CONSTRAINT usage_records_part_check CHECK (((session_started_at IS NULL) = (usage_before IS NULL))),
    CONSTRAINT usage_records_record_id_check CHECK (((length(record_id) >= 1) AND (length(record_id) <= 200))),
    CONSTRAINT usage_records_service_check CHECK ((((((((service = 'voice'::text) AND (unit = 'seconds'::text) AND (category = 'call'::text)) OR ((service = 'data'::text) AND (unit = 'bytes'::text) AND (category = 'data'::text))) OR ((service = 'sms'::text) AND (unit = 'events'::text) AND (category = 'sms'::text))) OR ((service = 'mms'::text) AND (unit = 'events'::text) AND (category = 'mms'::text))) OR ((service = 'video'::text) AND (unit = 'seconds'::text) AND (category = 'video'::text))) OR ((service = 'video'::text) AND (unit = 'bytes'::text) AND (category = 'video'::text)))),
    CONSTRAINT usage_records_status_check CHECK ((status = ANY (ARRAY['billable'::text, 'filtered'::text]))),
    CONSTRAINT usage_records_usage_before_check CHECK ((usage_before >= (0)::numeric)),
    CONSTRAINT usage_records_usage_check CHECK ((usage >= (0)::numeric))
)
PARTITION BY RANGE (started_at);


--
-- Name: usage_records_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.usage_records_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1000;


--
-- Name: webhook_attempts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_attempts (
    id bigint NOT NULL,
    delivery_id bigint NOT NULL,
    attempt integer NOT NULL,
    started_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    finished_at timestamp with time zone,
    status_code integer,
    duration_ms integer,
    error text,
    response text,
    CONSTRAINT webhook_attempts_attempt_check CHECK ((attempt >= 1))
);


--
-- Name: webhook_attempts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_attempts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: webhook_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_deliveries (
    id bigint NOT NULL,
    event_id text NOT NULL,
    endpoint_id bigint NOT NULL,
    replay boolean DEFAULT false NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT clock_timestamp(),
    last_status_code integer,
    last_error text,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    delivered_at timestamp with time zone,
    CONSTRAINT webhook_deliveries_attempts_check CHECK ((attempts >= 0)),
    CONSTRAINT webhook_deliveries_delivered_check CHECK (((status = 'delivered'::text) = (delivered_at IS NOT NULL))),
    CONSTRAINT webhook_deliveries_due_check CHECK (((status = 'pending'::text) = (next_attempt_at IS NOT NULL))),
    CONSTRAINT webhook_deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivered'::text, 'failed'::text])))
);


--
-- Name: webhook_deliveries_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_deliveries ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_deliveries_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: webhook_endpoints; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_endpoints (
    id bigint NOT NULL,
    url text NOT NULL,
    secret text NOT NULL,
    event_types text[] NOT NULL,
    description text,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    actor text NOT NULL,
    CONSTRAINT webhook_endpoints_event_types_check CHECK ((array_to_string(event_types, ','::text, ''::text) ~ '^(\*|[a-z_]+\.[a-z_]+)(,(\*|[a-z_]+\.[a-z_]+))*$'::text)),
    CONSTRAINT webhook_endpoints_secret_check CHECK ((secret ~ '^whsec_[A-Za-z0-9+/]{32,}={0,2}$'::text)),
    CONSTRAINT webhook_endpoints_url_check CHECK (((url ~ '^https?://[^/?#[:space:]]+'::text) AND (length(url) <= 2000)))
);


--
-- Name: webhook_endpoints_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_endpoints ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_endpoints_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: webhook_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webhook_events (
    id text DEFAULT ('msg_'::text || replace((gen_random_uuid())::text, '-'::text, ''::text)) NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
    CONSTRAINT webhook_events_payload_check CHECK ((jsonb_typeof(payload) = 'object'::text)),
    CONSTRAINT webhook_events_type_check CHECK ((type ~ '^[a-z_]+\.[a-z_]+$'::text))
);


--
-- Name: webhook_events_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.webhook_events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.webhook_events_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: api_idempotency api_idempotency_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_idempotency
    ADD CONSTRAINT api_idempotency_pkey PRIMARY KEY (key_id, idempotency_key);


--
-- Name: api_keys api_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);


--
-- Name: api_keys api_keys_prefix_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_prefix_key UNIQUE (prefix);


--
-- Name: api_rate_windows api_rate_windows_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_rate_windows
    ADD CONSTRAINT api_rate_windows_pkey PRIMARY KEY (key_id, window_start);


--
-- Name: audit_head audit_head_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_head
    ADD CONSTRAINT audit_head_pkey PRIMARY KEY (singleton);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id, recorded_at);


--
-- Name: bill_run_accounts bill_run_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bill_run_accounts
    ADD CONSTRAINT bill_run_accounts_pkey PRIMARY KEY (bill_run_id, account_id);


--
-- Name: bill_runs bill_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bill_runs
    ADD CONSTRAINT bill_runs_pkey PRIMARY KEY (id);


--
-- Name: catalog_charge_prices catalog_charge_prices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charge_prices
    ADD CONSTRAINT catalog_charge_prices_pkey PRIMARY KEY (charge_id, currency);


--
-- Name: catalog_charges catalog_charges_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charges
    ADD CONSTRAINT catalog_charges_code_key UNIQUE (plan_version_id, code);


--
-- Name: catalog_charges catalog_charges_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charges
    ADD CONSTRAINT catalog_charges_pkey PRIMARY KEY (id);


--
-- Name: catalog_charges catalog_charges_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charges
    ADD CONSTRAINT catalog_charges_position_key UNIQUE (plan_version_id, "position");


--
-- Name: catalog_coupon_amounts catalog_coupon_amounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_coupon_amounts
    ADD CONSTRAINT catalog_coupon_amounts_pkey PRIMARY KEY (coupon_id, currency);


--
-- Name: catalog_coupons catalog_coupons_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_coupons
    ADD CONSTRAINT catalog_coupons_code_key UNIQUE (code);


--
-- Name: catalog_coupons catalog_coupons_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_coupons
    ADD CONSTRAINT catalog_coupons_pkey PRIMARY KEY (id);


--
-- Name: catalog_loads catalog_loads_content_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_loads
    ADD CONSTRAINT catalog_loads_content_hash_key UNIQUE (content_hash);


--
-- Name: catalog_loads catalog_loads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_loads
    ADD CONSTRAINT catalog_loads_pkey PRIMARY KEY (id);


--
-- Name: catalog_minimum_commitments catalog_minimum_commitments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_minimum_commitments
    ADD CONSTRAINT catalog_minimum_commitments_pkey PRIMARY KEY (plan_version_id, currency);


--
-- Name: catalog_plan_versions catalog_plan_versions_effective_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plan_versions
    ADD CONSTRAINT catalog_plan_versions_effective_key UNIQUE (plan_id, effective_from);


--
-- Name: catalog_plan_versions catalog_plan_versions_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plan_versions
    ADD CONSTRAINT catalog_plan_versions_number_key UNIQUE (plan_id, number);


--
-- Name: catalog_plan_versions catalog_plan_versions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plan_versions
    ADD CONSTRAINT catalog_plan_versions_pkey PRIMARY KEY (id);


--
-- Name: catalog_plans catalog_plans_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plans
    ADD CONSTRAINT catalog_plans_code_key UNIQUE (code);


--
-- Name: catalog_plans catalog_plans_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plans
    ADD CONSTRAINT catalog_plans_pkey PRIMARY KEY (id);


--
-- Name: catalog_products catalog_products_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_products
    ADD CONSTRAINT catalog_products_code_key UNIQUE (code);


--
-- Name: catalog_products catalog_products_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_products
    ADD CONSTRAINT catalog_products_pkey PRIMARY KEY (id);


--
-- Name: catalog_promotion_prices catalog_promotion_prices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_promotion_prices
    ADD CONSTRAINT catalog_promotion_prices_pkey PRIMARY KEY (promotion_id, currency);


--
-- Name: catalog_promotions catalog_promotions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_promotions
    ADD CONSTRAINT catalog_promotions_pkey PRIMARY KEY (id);


--
-- Name: catalog_promotions catalog_promotions_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_promotions
    ADD CONSTRAINT catalog_promotions_position_key UNIQUE (plan_version_id, "position");


--
-- Name: credit_note_lines credit_note_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_note_lines
    ADD CONSTRAINT credit_note_lines_pkey PRIMARY KEY (credit_note_id, "position");


--
-- Name: credit_notes credit_notes_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT credit_notes_number_key UNIQUE (seller_id, number);


--
-- Name: credit_notes credit_notes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT credit_notes_pkey PRIMARY KEY (id);


--
-- Name: customer_credits customer_credits_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_credits
    ADD CONSTRAINT customer_credits_pkey PRIMARY KEY (id);


--
-- Name: customers customers_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_external_id_key UNIQUE (external_id);


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: dispute_notes dispute_notes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute_notes
    ADD CONSTRAINT dispute_notes_pkey PRIMARY KEY (id);


--
-- Name: disputes disputes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_pkey PRIMARY KEY (id);


--
-- Name: disputes disputes_reference_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_reference_key UNIQUE (gateway_reference);


--
-- Name: dunning_events dunning_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dunning_events
    ADD CONSTRAINT dunning_events_pkey PRIMARY KEY (id);


--
-- Name: inventory_assignments inventory_assignments_once; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_assignments
    ADD CONSTRAINT inventory_assignments_once EXCLUDE USING gist (resource_id WITH =, during WITH &&);


--
-- Name: inventory_assignments inventory_assignments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_assignments
    ADD CONSTRAINT inventory_assignments_pkey PRIMARY KEY (id);


--
-- Name: inventory_resources inventory_resources_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_resources
    ADD CONSTRAINT inventory_resources_key UNIQUE (kind, value);


--
-- Name: inventory_resources inventory_resources_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_resources
    ADD CONSTRAINT inventory_resources_pkey PRIMARY KEY (id);


--
-- Name: invoice_allocations invoice_allocations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_allocations
    ADD CONSTRAINT invoice_allocations_pkey PRIMARY KEY (id);


--
-- Name: invoice_lines invoice_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_pkey PRIMARY KEY (invoice_id, "position");


--
-- Name: invoice_number_counters invoice_number_counters_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_number_counters
    ADD CONSTRAINT invoice_number_counters_pkey PRIMARY KEY (seller_id, year);


--
-- Name: invoices invoices_billing_date_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_billing_date_key UNIQUE (account_id, billing_date);


--
-- Name: invoices invoices_number_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_number_key UNIQUE (seller_id, number);


--
-- Name: invoices invoices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_pkey PRIMARY KEY (id);


--
-- Name: journal_entries journal_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_pkey PRIMARY KEY (id);


--
-- Name: journal_lines journal_lines_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_lines
    ADD CONSTRAINT journal_lines_pkey PRIMARY KEY (entry_id, "position");


--
-- Name: ledger_accounts ledger_accounts_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_key UNIQUE (kind, currency, subject);


--
-- Name: ledger_accounts ledger_accounts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_pkey PRIMARY KEY (id);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (order_id);


--
-- Name: payment_methods payment_methods_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_methods
    ADD CONSTRAINT payment_methods_pkey PRIMARY KEY (id);


--
-- Name: payments payments_idempotency_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_idempotency_key UNIQUE (idempotency_key);


--
-- Name: payments payments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_pkey PRIMARY KEY (id);


--
-- Name: rated_usage rated_usage_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rated_usage
    ADD CONSTRAINT rated_usage_pkey PRIMARY KEY (usage_id, started_at);


--
-- Name: rating_band_patterns rating_band_patterns_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_band_patterns
    ADD CONSTRAINT rating_band_patterns_key UNIQUE (tariff_id, bands, times);


--
-- Name: rating_band_patterns rating_band_patterns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_band_patterns
    ADD CONSTRAINT rating_band_patterns_pkey PRIMARY KEY (id);


--
-- Name: rating_batches rating_batches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_batches
    ADD CONSTRAINT rating_batches_pkey PRIMARY KEY (id);


--
-- Name: rating_candidate_sets rating_candidate_sets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidate_sets
    ADD CONSTRAINT rating_candidate_sets_pkey PRIMARY KEY (id);


--
-- Name: rating_candidates rating_candidates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidates
    ADD CONSTRAINT rating_candidates_pkey PRIMARY KEY (candidate_set_id, ord);


--
-- Name: rating_destination_prefixes rating_destination_prefixes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_prefixes
    ADD CONSTRAINT rating_destination_prefixes_pkey PRIMARY KEY (destination_id, "position");


--
-- Name: rating_destination_rate_entries rating_destination_rate_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rate_entries
    ADD CONSTRAINT rating_destination_rate_entries_pkey PRIMARY KEY (id);


--
-- Name: rating_destination_rate_entries rating_destination_rate_entries_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rate_entries
    ADD CONSTRAINT rating_destination_rate_entries_position_key UNIQUE (destination_rates_id, "position");


--
-- Name: rating_destination_rates rating_destination_rates_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rates
    ADD CONSTRAINT rating_destination_rates_code_key UNIQUE (tariff_id, code);


--
-- Name: rating_destination_rates rating_destination_rates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rates
    ADD CONSTRAINT rating_destination_rates_pkey PRIMARY KEY (id);


--
-- Name: rating_destinations rating_destinations_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destinations
    ADD CONSTRAINT rating_destinations_code_key UNIQUE (tariff_id, code);


--
-- Name: rating_destinations rating_destinations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destinations
    ADD CONSTRAINT rating_destinations_pkey PRIMARY KEY (id);


--
-- Name: rating_errors rating_errors_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_errors
    ADD CONSTRAINT rating_errors_pkey PRIMARY KEY (usage_id, started_at);


--
-- Name: rating_plan_entries rating_plan_entries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_entries
    ADD CONSTRAINT rating_plan_entries_pkey PRIMARY KEY (plan_id, "position");


--
-- Name: rating_plan_prefixes rating_plan_prefixes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_prefixes
    ADD CONSTRAINT rating_plan_prefixes_pkey PRIMARY KEY (plan_id, prefix);


--
-- Name: rating_plans rating_plans_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plans
    ADD CONSTRAINT rating_plans_code_key UNIQUE (tariff_id, code);


--
-- Name: rating_plans rating_plans_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plans
    ADD CONSTRAINT rating_plans_pkey PRIMARY KEY (id);


--
-- Name: rating_prefix_search rating_prefix_search_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_prefix_search
    ADD CONSTRAINT rating_prefix_search_pkey PRIMARY KEY (plan_id, prefix);


--
-- Name: rating_prices rating_prices_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_prices
    ADD CONSTRAINT rating_prices_pkey PRIMARY KEY (candidate_set_id, ord);


--
-- Name: rating_profiles rating_profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_profiles
    ADD CONSTRAINT rating_profiles_pkey PRIMARY KEY (id);


--
-- Name: rating_profiles rating_profiles_position_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_profiles
    ADD CONSTRAINT rating_profiles_position_key UNIQUE (tariff_id, "position");


--
-- Name: rating_rate_groups rating_rate_groups_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_rate_groups
    ADD CONSTRAINT rating_rate_groups_pkey PRIMARY KEY (rate_id, "position");


--
-- Name: rating_rates rating_rates_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_rates
    ADD CONSTRAINT rating_rates_code_key UNIQUE (tariff_id, code);


--
-- Name: rating_rates rating_rates_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_rates
    ADD CONSTRAINT rating_rates_pkey PRIMARY KEY (id);


--
-- Name: rating_runs rating_runs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_runs
    ADD CONSTRAINT rating_runs_pkey PRIMARY KEY (id);


--
-- Name: rating_schedule rating_schedule_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_schedule
    ADD CONSTRAINT rating_schedule_pkey PRIMARY KEY (pattern_id, day, wall_from);


--
-- Name: rating_tariffs rating_tariffs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_tariffs
    ADD CONSTRAINT rating_tariffs_pkey PRIMARY KEY (id);


--
-- Name: rating_tariffs rating_tariffs_revision_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_tariffs
    ADD CONSTRAINT rating_tariffs_revision_key UNIQUE (code, revision);


--
-- Name: rating_time_bands rating_time_bands_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_time_bands
    ADD CONSTRAINT rating_time_bands_code_key UNIQUE (tariff_id, code);


--
-- Name: rating_time_bands rating_time_bands_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_time_bands
    ADD CONSTRAINT rating_time_bands_pkey PRIMARY KEY (id);


--
-- Name: reconciliation_statements reconciliation_statements_fingerprint; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_statements
    ADD CONSTRAINT reconciliation_statements_fingerprint UNIQUE (fingerprint);


--
-- Name: reconciliation_statements reconciliation_statements_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_statements
    ADD CONSTRAINT reconciliation_statements_pkey PRIMARY KEY (id);


--
-- Name: reconciliation_transactions reconciliation_transactions_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_transactions
    ADD CONSTRAINT reconciliation_transactions_key UNIQUE (key);


--
-- Name: reconciliation_transactions reconciliation_transactions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_transactions
    ADD CONSTRAINT reconciliation_transactions_pkey PRIMARY KEY (id);


--
-- Name: refunds refunds_idempotency_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_idempotency_key UNIQUE (idempotency_key);


--
-- Name: refunds refunds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_pkey PRIMARY KEY (id);


--
-- Name: sellers sellers_code_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sellers
    ADD CONSTRAINT sellers_code_key UNIQUE (code);


--
-- Name: sellers sellers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sellers
    ADD CONSTRAINT sellers_pkey PRIMARY KEY (id);


--
-- Name: subscription_changes subscription_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscription_changes
    ADD CONSTRAINT subscription_changes_pkey PRIMARY KEY (subscription_id, "position");


--
-- Name: subscriptions subscriptions_external_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_external_id_key UNIQUE (external_id);


--
-- Name: subscriptions subscriptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_pkey PRIMARY KEY (id);


--
-- Name: tax_rate_sets tax_rate_sets_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tax_rate_sets
    ADD CONSTRAINT tax_rate_sets_pkey PRIMARY KEY (id);


--
-- Name: usage_identifiers usage_identifiers_no_overlap; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_identifiers
    ADD CONSTRAINT usage_identifiers_no_overlap EXCLUDE USING gist (hashtextextended(value, (0)::bigint) WITH =, kind WITH =, value WITH =, validity WITH &&);


--
-- Name: usage_identifiers usage_identifiers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_identifiers
    ADD CONSTRAINT usage_identifiers_pkey PRIMARY KEY (id);


--
-- Name: usage_imports usage_imports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_imports
    ADD CONSTRAINT usage_imports_pkey PRIMARY KEY (id);


--
-- Name: usage_quarantine usage_quarantine_line_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_quarantine
    ADD CONSTRAINT usage_quarantine_line_key UNIQUE (source, line_hash);


--
-- Name: usage_quarantine usage_quarantine_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_quarantine
    ADD CONSTRAINT usage_quarantine_pkey PRIMARY KEY (id);


--
-- Name: usage_record_keys usage_record_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_record_keys
    ADD CONSTRAINT usage_record_keys_pkey PRIMARY KEY (source, record_id);


--
-- Name: webhook_attempts webhook_attempts_attempt_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_attempt_key UNIQUE (delivery_id, attempt);


--
-- Name: webhook_attempts webhook_attempts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_pkey PRIMARY KEY (id);


--
-- Name: webhook_deliveries webhook_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id);


--
-- Name: webhook_endpoints webhook_endpoints_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_endpoints
    ADD CONSTRAINT webhook_endpoints_pkey PRIMARY KEY (id);


--
-- Name: webhook_events webhook_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (id);


--
-- Name: webhook_events webhook_events_seq_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_events
    ADD CONSTRAINT webhook_events_seq_key UNIQUE (seq);


--
-- Name: api_idempotency_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_idempotency_created ON public.api_idempotency USING btree (created_at);


--
-- Name: audit_log_entity; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_entity ON ONLY public.audit_log USING btree (entity_type, entity_id);


--
-- Name: bill_run_accounts_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX bill_run_accounts_pending ON public.bill_run_accounts USING btree (bill_run_id, account_id) WHERE (status = 'pending'::text);


--
-- Name: catalog_charges_product_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_charges_product_idx ON public.catalog_charges USING btree (product_id);


--
-- Name: catalog_promotions_charge_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_promotions_charge_idx ON public.catalog_promotions USING btree (charge_id);


--
-- Name: credit_notes_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX credit_notes_invoice ON public.credit_notes USING btree (invoice_id);


--
-- Name: customer_credits_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customer_credits_account ON public.customer_credits USING btree (account_id, currency);


--
-- Name: customer_credits_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX customer_credits_invoice ON public.customer_credits USING btree (invoice_id) WHERE (source = 'invoice'::text);


--
-- Name: customer_credits_payment; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX customer_credits_payment ON public.customer_credits USING btree (payment_id) WHERE (source = 'payment'::text);


--
-- Name: customers_currency; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customers_currency ON public.customers USING btree (currency);


--
-- Name: customers_parent_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customers_parent_id ON public.customers USING btree (parent_id) WHERE (parent_id IS NOT NULL);


--
-- Name: dispute_notes_dispute; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dispute_notes_dispute ON public.dispute_notes USING btree (dispute_id);


--
-- Name: disputes_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX disputes_invoice ON public.disputes USING btree (invoice_id);


--
-- Name: disputes_open_lines; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX disputes_open_lines ON public.disputes USING btree (invoice_id) WHERE ((kind = 'line'::text) AND (status = 'open'::text));


--
-- Name: dunning_events_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dunning_events_account ON public.dunning_events USING btree (account_id);


--
-- Name: dunning_events_step; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX dunning_events_step ON public.dunning_events USING btree (invoice_id, day) WHERE (action <> 'resume'::text);


--
-- Name: dunning_events_unsent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dunning_events_unsent ON public.dunning_events USING btree (id) WHERE (mail = 'pending'::text);


--
-- Name: inventory_assignments_subscription; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX inventory_assignments_subscription ON public.inventory_assignments USING btree (subscription_id);


--
-- Name: invoice_allocations_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoice_allocations_invoice ON public.invoice_allocations USING btree (invoice_id);


--
-- Name: invoice_allocations_payment; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoice_allocations_payment ON public.invoice_allocations USING btree (payment_id) WHERE (payment_id IS NOT NULL);


--
-- Name: invoice_allocations_write_off; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX invoice_allocations_write_off ON public.invoice_allocations USING btree (invoice_id) WHERE (source = 'write_off'::text);


--
-- Name: invoice_lines_usage; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoice_lines_usage ON public.invoice_lines USING btree (subscription_id, service_end) WHERE (kind = 'usage'::text);


--
-- Name: invoices_bill_run; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoices_bill_run ON public.invoices USING btree (bill_run_id) WHERE (bill_run_id IS NOT NULL);


--
-- Name: invoices_compact_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoices_compact_number ON public.invoices USING btree (upper(regexp_replace(number, '[^A-Za-z0-9]'::text, ''::text, 'g'::text))) WHERE (status = 'finalized'::text);


--
-- Name: invoices_creditor_reference; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX invoices_creditor_reference ON public.invoices USING btree (creditor_reference) WHERE (status = 'finalized'::text);


--
-- Name: journal_entries_allocation; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_allocation ON public.journal_entries USING btree (allocation_id) WHERE (kind = 'allocation'::text);


--
-- Name: journal_entries_credit_note; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_credit_note ON public.journal_entries USING btree (credit_note_id) WHERE (kind = 'credit_note'::text);


--
-- Name: journal_entries_dispute; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_dispute ON public.journal_entries USING btree (dispute_id) WHERE (kind = 'chargeback'::text);


--
-- Name: journal_entries_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_invoice ON public.journal_entries USING btree (invoice_id) WHERE (kind = 'invoice'::text);


--
-- Name: journal_entries_payment; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_payment ON public.journal_entries USING btree (payment_id) WHERE (kind = 'payment'::text);


--
-- Name: journal_entries_refund; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_refund ON public.journal_entries USING btree (refund_id) WHERE (kind = 'refund'::text);


--
-- Name: journal_entries_write_off; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX journal_entries_write_off ON public.journal_entries USING btree (allocation_id) WHERE (kind = 'write_off'::text);


--
-- Name: journal_lines_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX journal_lines_account ON public.journal_lines USING btree (ledger_account_id);


--
-- Name: journal_lines_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX journal_lines_invoice ON public.journal_lines USING btree (invoice_id) WHERE (invoice_id IS NOT NULL);


--
-- Name: orders_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_account ON public.orders USING btree (account_id);


--
-- Name: payment_methods_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_methods_account ON public.payment_methods USING btree (account_id);


--
-- Name: payment_methods_iban; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payment_methods_iban ON public.payment_methods USING btree (upper(replace(iban, ' '::text, ''::text))) WHERE (kind = 'sepa_debit'::text);


--
-- Name: payment_methods_mandate; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX payment_methods_mandate ON public.payment_methods USING btree (mandate_id) WHERE (kind = 'sepa_debit'::text);


--
-- Name: payment_methods_one_default; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX payment_methods_one_default ON public.payment_methods USING btree (account_id) WHERE is_default;


--
-- Name: payments_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_account ON public.payments USING btree (account_id);


--
-- Name: payments_invoice; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX payments_invoice ON public.payments USING btree (invoice_id) WHERE (invoice_id IS NOT NULL);


--
-- Name: rating_batches_open; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rating_batches_open ON public.rating_batches USING btree (id) WHERE (done_at IS NULL);


--
-- Name: rating_errors_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX rating_errors_account ON public.rating_errors USING btree (account_id, started_at);


--
-- Name: rating_profiles_namespace; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX rating_profiles_namespace ON public.rating_profiles USING btree (tenant, category, subject, activation) WHERE active;


--
-- Name: rating_tariffs_current_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX rating_tariffs_current_key ON public.rating_tariffs USING btree (code) WHERE current;


--
-- Name: reconciliation_transactions_payment; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX reconciliation_transactions_payment ON public.reconciliation_transactions USING btree (payment_id) WHERE ((payment_id IS NOT NULL) AND (status <> 'returned'::text));


--
-- Name: reconciliation_transactions_queue; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX reconciliation_transactions_queue ON public.reconciliation_transactions USING btree (id) WHERE (status = 'queued'::text);


--
-- Name: refunds_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refunds_account ON public.refunds USING btree (account_id);


--
-- Name: refunds_payment; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refunds_payment ON public.refunds USING btree (payment_id);


--
-- Name: subscriptions_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX subscriptions_account ON public.subscriptions USING btree (account_id);


--
-- Name: usage_identifiers_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_identifiers_account_id ON public.usage_identifiers USING btree (account_id);


--
-- Name: usage_quarantine_import; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_quarantine_import ON public.usage_quarantine USING btree (import_id);


--
-- Name: usage_records_id_brin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_records_id_brin ON ONLY public.usage_records USING brin (id);


--
-- Name: usage_records_subscription; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_records_subscription ON ONLY public.usage_records USING btree (subscription_id, started_at) WHERE (subscription_id IS NOT NULL);


--
-- Name: webhook_deliveries_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_deliveries_due ON public.webhook_deliveries USING btree (next_attempt_at) WHERE (status = 'pending'::text);


--
-- Name: webhook_deliveries_endpoint; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_deliveries_endpoint ON public.webhook_deliveries USING btree (endpoint_id, id);


--
-- Name: webhook_deliveries_once; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX webhook_deliveries_once ON public.webhook_deliveries USING btree (event_id, endpoint_id) WHERE (NOT replay);


--
-- Name: webhook_events_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_events_created ON public.webhook_events USING btree (created_at);


--
-- Name: webhook_events_type; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX webhook_events_type ON public.webhook_events USING btree (type, seq);


--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_guard();


--
-- Name: bill_runs bill_runs_webhooks_completed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER bill_runs_webhooks_completed AFTER UPDATE OF status ON public.bill_runs FOR EACH ROW WHEN (((old.status = 'running'::text) AND (new.status = 'completed'::text))) EXECUTE FUNCTION public.webhooks_bill_run_completed();


--
-- Name: catalog_charge_prices catalog_charge_prices_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_charge_prices_immutable BEFORE DELETE OR UPDATE ON public.catalog_charge_prices FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_charges catalog_charges_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_charges_immutable BEFORE DELETE OR UPDATE ON public.catalog_charges FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_coupon_amounts catalog_coupon_amounts_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_coupon_amounts_immutable BEFORE DELETE OR UPDATE ON public.catalog_coupon_amounts FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_coupons catalog_coupons_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_coupons_immutable BEFORE DELETE OR UPDATE ON public.catalog_coupons FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_minimum_commitments catalog_minimum_commitments_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_minimum_commitments_immutable BEFORE DELETE OR UPDATE ON public.catalog_minimum_commitments FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_plan_versions catalog_plan_versions_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_plan_versions_immutable BEFORE DELETE OR UPDATE ON public.catalog_plan_versions FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_promotion_prices catalog_promotion_prices_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_promotion_prices_immutable BEFORE DELETE OR UPDATE ON public.catalog_promotion_prices FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: catalog_promotions catalog_promotions_immutable; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER catalog_promotions_immutable BEFORE DELETE OR UPDATE ON public.catalog_promotions FOR EACH ROW EXECUTE FUNCTION public.catalog_refuse_change();


--
-- Name: credit_note_lines credit_note_lines_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER credit_note_lines_frozen BEFORE DELETE OR UPDATE ON public.credit_note_lines FOR EACH ROW EXECUTE FUNCTION public.invoices_documents_frozen();


--
-- Name: credit_notes credit_notes_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER credit_notes_frozen BEFORE DELETE OR UPDATE ON public.credit_notes FOR EACH ROW EXECUTE FUNCTION public.invoices_documents_frozen();


--
-- Name: customers customers_children_on_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER customers_children_on_update BEFORE UPDATE OF kind, currency, status ON public.customers FOR EACH ROW WHEN (((new.kind <> old.kind) OR (new.currency <> old.currency) OR ((new.status = 'closed'::text) AND (old.status <> 'closed'::text)))) EXECUTE FUNCTION public.customers_check_children();


--
-- Name: customers customers_parent_on_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER customers_parent_on_insert BEFORE INSERT ON public.customers FOR EACH ROW WHEN ((new.parent_id IS NOT NULL)) EXECUTE FUNCTION public.customers_check_parent();


--
-- Name: customers customers_parent_on_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER customers_parent_on_update BEFORE UPDATE OF parent_id, currency ON public.customers FOR EACH ROW WHEN (((new.parent_id IS NOT NULL) AND ((new.parent_id IS DISTINCT FROM old.parent_id) OR (new.currency <> old.currency)))) EXECUTE FUNCTION public.customers_check_parent();


--
-- Name: dispute_notes dispute_notes_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER dispute_notes_frozen BEFORE DELETE OR UPDATE ON public.dispute_notes FOR EACH ROW EXECUTE FUNCTION public.invoices_documents_frozen();


--
-- Name: disputes disputes_webhooks_closed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER disputes_webhooks_closed AFTER UPDATE OF status ON public.disputes FOR EACH ROW WHEN (((old.status = 'open'::text) AND (new.status <> 'open'::text))) EXECUTE FUNCTION public.webhooks_dispute();


--
-- Name: disputes disputes_webhooks_opened; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER disputes_webhooks_opened AFTER INSERT ON public.disputes FOR EACH ROW EXECUTE FUNCTION public.webhooks_dispute();


--
-- Name: invoice_allocations invoice_allocations_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoice_allocations_frozen BEFORE DELETE OR UPDATE ON public.invoice_allocations FOR EACH ROW EXECUTE FUNCTION public.invoices_documents_frozen();


--
-- Name: invoice_allocations invoice_allocations_webhooks_paid; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoice_allocations_webhooks_paid AFTER INSERT ON public.invoice_allocations REFERENCING NEW TABLE AS new_allocations FOR EACH STATEMENT EXECUTE FUNCTION public.webhooks_invoice_paid();


--
-- Name: invoice_lines invoice_lines_frozen_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoice_lines_frozen_delete AFTER DELETE ON public.invoice_lines REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION public.invoice_lines_frozen();


--
-- Name: invoice_lines invoice_lines_frozen_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoice_lines_frozen_insert AFTER INSERT ON public.invoice_lines REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION public.invoice_lines_frozen();


--
-- Name: invoice_lines invoice_lines_frozen_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoice_lines_frozen_update AFTER UPDATE ON public.invoice_lines REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION public.invoice_lines_frozen();


--
-- Name: invoices invoices_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoices_frozen BEFORE DELETE OR UPDATE ON public.invoices FOR EACH ROW EXECUTE FUNCTION public.invoices_frozen();


--
-- Name: invoices invoices_webhooks_finalized; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER invoices_webhooks_finalized AFTER UPDATE ON public.invoices REFERENCING OLD TABLE AS old_invoices NEW TABLE AS new_invoices FOR EACH STATEMENT EXECUTE FUNCTION public.webhooks_invoices_finalized();


--
-- Name: journal_entries journal_entries_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_entries_frozen BEFORE DELETE OR UPDATE ON public.journal_entries FOR EACH ROW EXECUTE FUNCTION public.invoices_documents_frozen();


--
-- Name: journal_lines journal_lines_balanced; Type: TRIGGER; Schema: public; Owner: -
--

CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON public.journal_lines DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.journal_entry_balanced();


--
-- Name: journal_lines journal_lines_frozen; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER journal_lines_frozen BEFORE DELETE OR UPDATE ON public.journal_lines FOR EACH ROW EXECUTE FUNCTION public.invoices_documents_frozen();


--
-- Name: payments payments_webhooks_made; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER payments_webhooks_made AFTER INSERT ON public.payments FOR EACH ROW WHEN ((new.status = ANY (ARRAY['succeeded'::text, 'failed'::text]))) EXECUTE FUNCTION public.webhooks_payment_settled();


--
-- Name: payments payments_webhooks_settled; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER payments_webhooks_settled AFTER UPDATE OF status ON public.payments FOR EACH ROW WHEN (((new.status = ANY (ARRAY['succeeded'::text, 'failed'::text])) AND (new.status <> old.status))) EXECUTE FUNCTION public.webhooks_payment_settled();


--
-- Name: subscription_changes subscription_changes_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER subscription_changes_append_only BEFORE DELETE OR UPDATE ON public.subscription_changes FOR EACH ROW EXECUTE FUNCTION public.subscription_changes_append_only();


--
-- Name: subscription_changes subscription_changes_webhooks; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER subscription_changes_webhooks AFTER INSERT ON public.subscription_changes REFERENCING NEW TABLE AS new_changes FOR EACH STATEMENT EXECUTE FUNCTION public.webhooks_subscription_changed();


--
-- Name: usage_imports usage_imports_webhooks_quarantined; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER usage_imports_webhooks_quarantined AFTER UPDATE OF finished_at ON public.usage_imports FOR EACH ROW WHEN (((old.finished_at IS NULL) AND (new.finished_at IS NOT NULL) AND (new.quarantined > 0))) EXECUTE FUNCTION public.webhooks_usage_quarantined();


--
-- Name: webhook_events webhook_events_fan_out; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER webhook_events_fan_out AFTER INSERT ON public.webhook_events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION public.webhooks_fan_out();


--
-- Name: api_idempotency api_idempotency_key_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_idempotency
    ADD CONSTRAINT api_idempotency_key_id_fkey FOREIGN KEY (key_id) REFERENCES public.api_keys(id);


--
-- Name: api_keys api_keys_customer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_keys
    ADD CONSTRAINT api_keys_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);


--
-- Name: api_rate_windows api_rate_windows_key_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_rate_windows
    ADD CONSTRAINT api_rate_windows_key_id_fkey FOREIGN KEY (key_id) REFERENCES public.api_keys(id);


--
-- Name: bill_run_accounts bill_run_accounts_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bill_run_accounts
    ADD CONSTRAINT bill_run_accounts_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: bill_run_accounts bill_run_accounts_bill_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bill_run_accounts
    ADD CONSTRAINT bill_run_accounts_bill_run_id_fkey FOREIGN KEY (bill_run_id) REFERENCES public.bill_runs(id);


--
-- Name: bill_runs bill_runs_seller_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.bill_runs
    ADD CONSTRAINT bill_runs_seller_id_fkey FOREIGN KEY (seller_id) REFERENCES public.sellers(id);


--
-- Name: catalog_charge_prices catalog_charge_prices_charge_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charge_prices
    ADD CONSTRAINT catalog_charge_prices_charge_id_fkey FOREIGN KEY (charge_id) REFERENCES public.catalog_charges(id);


--
-- Name: catalog_charges catalog_charges_plan_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charges
    ADD CONSTRAINT catalog_charges_plan_version_id_fkey FOREIGN KEY (plan_version_id) REFERENCES public.catalog_plan_versions(id);


--
-- Name: catalog_charges catalog_charges_product_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_charges
    ADD CONSTRAINT catalog_charges_product_id_fkey FOREIGN KEY (product_id) REFERENCES public.catalog_products(id);


--
-- Name: catalog_coupon_amounts catalog_coupon_amounts_coupon_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_coupon_amounts
    ADD CONSTRAINT catalog_coupon_amounts_coupon_id_fkey FOREIGN KEY (coupon_id) REFERENCES public.catalog_coupons(id);


--
-- Name: catalog_coupons catalog_coupons_load_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_coupons
    ADD CONSTRAINT catalog_coupons_load_id_fkey FOREIGN KEY (load_id) REFERENCES public.catalog_loads(id);


--
-- Name: catalog_minimum_commitments catalog_minimum_commitments_plan_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_minimum_commitments
    ADD CONSTRAINT catalog_minimum_commitments_plan_version_id_fkey FOREIGN KEY (plan_version_id) REFERENCES public.catalog_plan_versions(id);


--
-- Name: catalog_plan_versions catalog_plan_versions_load_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plan_versions
    ADD CONSTRAINT catalog_plan_versions_load_id_fkey FOREIGN KEY (load_id) REFERENCES public.catalog_loads(id);


--
-- Name: catalog_plan_versions catalog_plan_versions_plan_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plan_versions
    ADD CONSTRAINT catalog_plan_versions_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.catalog_plans(id);


--
-- Name: catalog_plans catalog_plans_load_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_plans
    ADD CONSTRAINT catalog_plans_load_id_fkey FOREIGN KEY (load_id) REFERENCES public.catalog_loads(id);


--
-- Name: catalog_products catalog_products_load_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_products
    ADD CONSTRAINT catalog_products_load_id_fkey FOREIGN KEY (load_id) REFERENCES public.catalog_loads(id);


--
-- Name: catalog_promotion_prices catalog_promotion_prices_promotion_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_promotion_prices
    ADD CONSTRAINT catalog_promotion_prices_promotion_id_fkey FOREIGN KEY (promotion_id) REFERENCES public.catalog_promotions(id);


--
-- Name: catalog_promotions catalog_promotions_charge_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_promotions
    ADD CONSTRAINT catalog_promotions_charge_id_fkey FOREIGN KEY (charge_id) REFERENCES public.catalog_charges(id);


--
-- Name: catalog_promotions catalog_promotions_plan_version_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.catalog_promotions
    ADD CONSTRAINT catalog_promotions_plan_version_id_fkey FOREIGN KEY (plan_version_id) REFERENCES public.catalog_plan_versions(id);


--
-- Name: credit_note_lines credit_note_lines_credit_note_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_note_lines
    ADD CONSTRAINT credit_note_lines_credit_note_id_fkey FOREIGN KEY (credit_note_id) REFERENCES public.credit_notes(id);


--
-- Name: credit_notes credit_notes_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT credit_notes_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: credit_notes credit_notes_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT credit_notes_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: credit_notes credit_notes_seller_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.credit_notes
    ADD CONSTRAINT credit_notes_seller_id_fkey FOREIGN KEY (seller_id) REFERENCES public.sellers(id);


--
-- Name: customer_credits customer_credits_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_credits
    ADD CONSTRAINT customer_credits_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: customer_credits customer_credits_credit_note_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_credits
    ADD CONSTRAINT customer_credits_credit_note_id_fkey FOREIGN KEY (credit_note_id) REFERENCES public.credit_notes(id);


--
-- Name: customer_credits customer_credits_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_credits
    ADD CONSTRAINT customer_credits_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: customer_credits customer_credits_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer_credits
    ADD CONSTRAINT customer_credits_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id);


--
-- Name: customers customers_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.customers(id);


--
-- Name: dispute_notes dispute_notes_dispute_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dispute_notes
    ADD CONSTRAINT dispute_notes_dispute_id_fkey FOREIGN KEY (dispute_id) REFERENCES public.disputes(id);


--
-- Name: disputes disputes_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: disputes disputes_credit_note_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_credit_note_id_fkey FOREIGN KEY (credit_note_id) REFERENCES public.credit_notes(id);


--
-- Name: disputes disputes_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: disputes disputes_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.disputes
    ADD CONSTRAINT disputes_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id);


--
-- Name: dunning_events dunning_events_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dunning_events
    ADD CONSTRAINT dunning_events_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: dunning_events dunning_events_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dunning_events
    ADD CONSTRAINT dunning_events_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: inventory_assignments inventory_assignments_resource_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_assignments
    ADD CONSTRAINT inventory_assignments_resource_id_fkey FOREIGN KEY (resource_id) REFERENCES public.inventory_resources(id);


--
-- Name: inventory_assignments inventory_assignments_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_assignments
    ADD CONSTRAINT inventory_assignments_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);


--
-- Name: inventory_resources inventory_resources_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inventory_resources
    ADD CONSTRAINT inventory_resources_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);


--
-- Name: invoice_allocations invoice_allocations_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_allocations
    ADD CONSTRAINT invoice_allocations_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: invoice_allocations invoice_allocations_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_allocations
    ADD CONSTRAINT invoice_allocations_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id);


--
-- Name: invoice_lines invoice_lines_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: invoice_lines invoice_lines_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_lines
    ADD CONSTRAINT invoice_lines_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);


--
-- Name: invoice_number_counters invoice_number_counters_seller_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoice_number_counters
    ADD CONSTRAINT invoice_number_counters_seller_id_fkey FOREIGN KEY (seller_id) REFERENCES public.sellers(id);


--
-- Name: invoices invoices_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: invoices invoices_bill_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_bill_run_id_fkey FOREIGN KEY (bill_run_id) REFERENCES public.bill_runs(id);


--
-- Name: invoices invoices_seller_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.invoices
    ADD CONSTRAINT invoices_seller_id_fkey FOREIGN KEY (seller_id) REFERENCES public.sellers(id);


--
-- Name: journal_entries journal_entries_allocation_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_allocation_id_fkey FOREIGN KEY (allocation_id) REFERENCES public.invoice_allocations(id);


--
-- Name: journal_entries journal_entries_credit_note_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_credit_note_id_fkey FOREIGN KEY (credit_note_id) REFERENCES public.credit_notes(id);


--
-- Name: journal_entries journal_entries_dispute_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_dispute_id_fkey FOREIGN KEY (dispute_id) REFERENCES public.disputes(id);


--
-- Name: journal_entries journal_entries_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: journal_entries journal_entries_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id);


--
-- Name: journal_entries journal_entries_refund_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_entries
    ADD CONSTRAINT journal_entries_refund_id_fkey FOREIGN KEY (refund_id) REFERENCES public.refunds(id);


--
-- Name: journal_lines journal_lines_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_lines
    ADD CONSTRAINT journal_lines_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES public.journal_entries(id);


--
-- Name: journal_lines journal_lines_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_lines
    ADD CONSTRAINT journal_lines_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: journal_lines journal_lines_ledger_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.journal_lines
    ADD CONSTRAINT journal_lines_ledger_account_id_fkey FOREIGN KEY (ledger_account_id) REFERENCES public.ledger_accounts(id);


--
-- Name: ledger_accounts ledger_accounts_customer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.ledger_accounts
    ADD CONSTRAINT ledger_accounts_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id);


--
-- Name: orders orders_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: payment_methods payment_methods_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payment_methods
    ADD CONSTRAINT payment_methods_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: payments payments_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: payments payments_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: payments payments_method_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.payments
    ADD CONSTRAINT payments_method_id_fkey FOREIGN KEY (method_id) REFERENCES public.payment_methods(id);


--
-- Name: rating_band_patterns rating_band_patterns_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_band_patterns
    ADD CONSTRAINT rating_band_patterns_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: rating_batches rating_batches_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_batches
    ADD CONSTRAINT rating_batches_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.usage_imports(id);


--
-- Name: rating_batches rating_batches_run_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_batches
    ADD CONSTRAINT rating_batches_run_id_fkey FOREIGN KEY (run_id) REFERENCES public.rating_runs(id);


--
-- Name: rating_candidate_sets rating_candidate_sets_pattern_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidate_sets
    ADD CONSTRAINT rating_candidate_sets_pattern_id_fkey FOREIGN KEY (pattern_id) REFERENCES public.rating_band_patterns(id);


--
-- Name: rating_candidate_sets rating_candidate_sets_plan_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidate_sets
    ADD CONSTRAINT rating_candidate_sets_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.rating_plans(id);


--
-- Name: rating_candidates rating_candidates_candidate_set_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidates
    ADD CONSTRAINT rating_candidates_candidate_set_id_fkey FOREIGN KEY (candidate_set_id) REFERENCES public.rating_candidate_sets(id);


--
-- Name: rating_candidates rating_candidates_entry_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidates
    ADD CONSTRAINT rating_candidates_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES public.rating_destination_rate_entries(id);


--
-- Name: rating_candidates rating_candidates_time_band_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_candidates
    ADD CONSTRAINT rating_candidates_time_band_id_fkey FOREIGN KEY (time_band_id) REFERENCES public.rating_time_bands(id);


--
-- Name: rating_destination_prefixes rating_destination_prefixes_destination_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_prefixes
    ADD CONSTRAINT rating_destination_prefixes_destination_id_fkey FOREIGN KEY (destination_id) REFERENCES public.rating_destinations(id);


--
-- Name: rating_destination_rate_entries rating_destination_rate_entries_destination_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rate_entries
    ADD CONSTRAINT rating_destination_rate_entries_destination_id_fkey FOREIGN KEY (destination_id) REFERENCES public.rating_destinations(id);


--
-- Name: rating_destination_rate_entries rating_destination_rate_entries_destination_rates_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rate_entries
    ADD CONSTRAINT rating_destination_rate_entries_destination_rates_id_fkey FOREIGN KEY (destination_rates_id) REFERENCES public.rating_destination_rates(id);


--
-- Name: rating_destination_rate_entries rating_destination_rate_entries_rate_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rate_entries
    ADD CONSTRAINT rating_destination_rate_entries_rate_id_fkey FOREIGN KEY (rate_id) REFERENCES public.rating_rates(id);


--
-- Name: rating_destination_rates rating_destination_rates_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destination_rates
    ADD CONSTRAINT rating_destination_rates_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: rating_destinations rating_destinations_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_destinations
    ADD CONSTRAINT rating_destinations_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: rating_plan_entries rating_plan_entries_destination_rates_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_entries
    ADD CONSTRAINT rating_plan_entries_destination_rates_id_fkey FOREIGN KEY (destination_rates_id) REFERENCES public.rating_destination_rates(id);


--
-- Name: rating_plan_entries rating_plan_entries_plan_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_entries
    ADD CONSTRAINT rating_plan_entries_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.rating_plans(id);


--
-- Name: rating_plan_entries rating_plan_entries_time_band_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_entries
    ADD CONSTRAINT rating_plan_entries_time_band_id_fkey FOREIGN KEY (time_band_id) REFERENCES public.rating_time_bands(id);


--
-- Name: rating_plan_prefixes rating_plan_prefixes_candidate_set_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_prefixes
    ADD CONSTRAINT rating_plan_prefixes_candidate_set_id_fkey FOREIGN KEY (candidate_set_id) REFERENCES public.rating_candidate_sets(id);


--
-- Name: rating_plan_prefixes rating_plan_prefixes_pattern_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_prefixes
    ADD CONSTRAINT rating_plan_prefixes_pattern_id_fkey FOREIGN KEY (pattern_id) REFERENCES public.rating_band_patterns(id);


--
-- Name: rating_plan_prefixes rating_plan_prefixes_plan_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plan_prefixes
    ADD CONSTRAINT rating_plan_prefixes_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.rating_plans(id);


--
-- Name: rating_plans rating_plans_any_candidates_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plans
    ADD CONSTRAINT rating_plans_any_candidates_fkey FOREIGN KEY (any_candidates) REFERENCES public.rating_candidate_sets(id);


--
-- Name: rating_plans rating_plans_any_pattern_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plans
    ADD CONSTRAINT rating_plans_any_pattern_id_fkey FOREIGN KEY (any_pattern_id) REFERENCES public.rating_band_patterns(id);


--
-- Name: rating_plans rating_plans_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_plans
    ADD CONSTRAINT rating_plans_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: rating_prefix_search rating_prefix_search_candidate_set_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_prefix_search
    ADD CONSTRAINT rating_prefix_search_candidate_set_id_fkey FOREIGN KEY (candidate_set_id) REFERENCES public.rating_candidate_sets(id);


--
-- Name: rating_prefix_search rating_prefix_search_pattern_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_prefix_search
    ADD CONSTRAINT rating_prefix_search_pattern_id_fkey FOREIGN KEY (pattern_id) REFERENCES public.rating_band_patterns(id);


--
-- Name: rating_prefix_search rating_prefix_search_plan_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_prefix_search
    ADD CONSTRAINT rating_prefix_search_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.rating_plans(id);


--
-- Name: rating_prices rating_prices_candidate_set_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_prices
    ADD CONSTRAINT rating_prices_candidate_set_id_fkey FOREIGN KEY (candidate_set_id) REFERENCES public.rating_candidate_sets(id);


--
-- Name: rating_profiles rating_profiles_plan_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_profiles
    ADD CONSTRAINT rating_profiles_plan_id_fkey FOREIGN KEY (plan_id) REFERENCES public.rating_plans(id);


--
-- Name: rating_profiles rating_profiles_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_profiles
    ADD CONSTRAINT rating_profiles_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: rating_rate_groups rating_rate_groups_rate_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_rate_groups
    ADD CONSTRAINT rating_rate_groups_rate_id_fkey FOREIGN KEY (rate_id) REFERENCES public.rating_rates(id);


--
-- Name: rating_rates rating_rates_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_rates
    ADD CONSTRAINT rating_rates_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: rating_schedule rating_schedule_pattern_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_schedule
    ADD CONSTRAINT rating_schedule_pattern_id_fkey FOREIGN KEY (pattern_id) REFERENCES public.rating_band_patterns(id);


--
-- Name: rating_time_bands rating_time_bands_tariff_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.rating_time_bands
    ADD CONSTRAINT rating_time_bands_tariff_id_fkey FOREIGN KEY (tariff_id) REFERENCES public.rating_tariffs(id);


--
-- Name: reconciliation_transactions reconciliation_transactions_invoice_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_transactions
    ADD CONSTRAINT reconciliation_transactions_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES public.invoices(id);


--
-- Name: reconciliation_transactions reconciliation_transactions_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_transactions
    ADD CONSTRAINT reconciliation_transactions_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id);


--
-- Name: reconciliation_transactions reconciliation_transactions_statement_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reconciliation_transactions
    ADD CONSTRAINT reconciliation_transactions_statement_id_fkey FOREIGN KEY (statement_id) REFERENCES public.reconciliation_statements(id);


--
-- Name: refunds refunds_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: refunds refunds_payment_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refunds
    ADD CONSTRAINT refunds_payment_id_fkey FOREIGN KEY (payment_id) REFERENCES public.payments(id);


--
-- Name: subscription_changes subscription_changes_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscription_changes
    ADD CONSTRAINT subscription_changes_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);


--
-- Name: subscriptions subscriptions_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subscriptions
    ADD CONSTRAINT subscriptions_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: usage_identifiers usage_identifiers_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_identifiers
    ADD CONSTRAINT usage_identifiers_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: usage_identifiers usage_identifiers_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_identifiers
    ADD CONSTRAINT usage_identifiers_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.subscriptions(id);


--
-- Name: usage_quarantine usage_quarantine_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_quarantine
    ADD CONSTRAINT usage_quarantine_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.usage_imports(id);


--
-- Name: webhook_attempts webhook_attempts_delivery_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_attempts
    ADD CONSTRAINT webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES public.webhook_deliveries(id) ON DELETE CASCADE;


--
-- Name: webhook_deliveries webhook_deliveries_endpoint_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_endpoint_id_fkey FOREIGN KEY (endpoint_id) REFERENCES public.webhook_endpoints(id) ON DELETE CASCADE;


--
-- Name: webhook_deliveries webhook_deliveries_event_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webhook_deliveries
    ADD CONSTRAINT webhook_deliveries_event_id_fkey FOREIGN KEY (event_id) REFERENCES public.webhook_events(id);


--
-- PostgreSQL database dump complete
--
