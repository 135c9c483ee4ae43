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
    IF to_regclass(name) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
            name,
            (month_start::timestamp AT TIME ZONE 'UTC'),
            ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
    END IF;
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
        PERFORM pg_advisory_xact_lock(7402118560);
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


SET default_tablespace = '';

SET default_table_access_method = heap;

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
    CONSTRAINT catalog_plans_code_check CHECK ((code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'::text)),
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
    started_at timestamp with time zone NOT NULL
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
    status text DEFAULT 'pending'::text NOT NULL,
    disposition text,
    line bigint,
    raw text NOT NULL,
    CONSTRAINT usage_records_record_id_check CHECK (((length(record_id) >= 1) AND (length(record_id) <= 200))),
    CONSTRAINT usage_records_service_check CHECK ((((((((service = 'voice'::text) AND (unit = 'seconds'::text) AND (category = 'call'::text)) OR ((service = 'data'::text) AND (unit = 'bytes'::text) AND (category = 'data'::text))) OR ((service = 'sms'::text) AND (unit = 'events'::text) AND (category = 'sms'::text))) OR ((service = 'mms'::text) AND (unit = 'events'::text) AND (category = 'mms'::text))) OR ((service = 'video'::text) AND (unit = 'seconds'::text) AND (category = 'video'::text))) OR ((service = 'video'::text) AND (unit = 'bytes'::text) AND (category = 'video'::text)))),
    CONSTRAINT usage_records_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'filtered'::text, 'rated'::text, 'error'::text]))),
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
-- Name: usage_records usage_records_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_records
    ADD CONSTRAINT usage_records_pkey PRIMARY KEY (id, started_at);


--
-- Name: audit_log_entity; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_entity ON ONLY public.audit_log USING btree (entity_type, entity_id);


--
-- Name: catalog_charges_product_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_charges_product_idx ON public.catalog_charges USING btree (product_id);


--
-- Name: catalog_promotions_charge_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX catalog_promotions_charge_idx ON public.catalog_promotions USING btree (charge_id);


--
-- Name: customers_parent_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX customers_parent_id ON public.customers USING btree (parent_id) WHERE (parent_id IS NOT NULL);


--
-- Name: usage_identifiers_account_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_identifiers_account_id ON public.usage_identifiers USING btree (account_id);


--
-- Name: usage_quarantine_import; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_quarantine_import ON public.usage_quarantine USING btree (import_id);


--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_guard();


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
-- Name: customers customers_parent_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES public.customers(id);


--
-- Name: usage_identifiers usage_identifiers_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_identifiers
    ADD CONSTRAINT usage_identifiers_account_id_fkey FOREIGN KEY (account_id) REFERENCES public.customers(id);


--
-- Name: usage_quarantine usage_quarantine_import_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_quarantine
    ADD CONSTRAINT usage_quarantine_import_id_fkey FOREIGN KEY (import_id) REFERENCES public.usage_imports(id);


--
-- PostgreSQL database dump complete
--
