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
-- Name: audit_log_entity; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_entity ON ONLY public.audit_log USING btree (entity_type, entity_id);


--
-- Name: audit_log audit_log_append_only; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION public.audit_log_guard();


--
-- PostgreSQL database dump complete
--
