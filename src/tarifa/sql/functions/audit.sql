-- Audit log: canonical content, append, and the guard that keeps rows append-only.

-- The text every row's hash covers (besides the previous hash). jsonb's text form is
-- canonical (keys sorted, fixed spacing), so the same row always gives the same text.
CREATE OR REPLACE FUNCTION audit_canonical(
    p_id bigint, p_recorded_at timestamptz, p_actor text, p_action text,
    p_entity_type text, p_entity_id text, p_data jsonb, p_personal_digest text
) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT jsonb_build_array(
        p_id,
        to_char(p_recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        p_actor, p_action, p_entity_type, p_entity_id, p_data, p_personal_digest
    )::text
$$;

-- sha256 over the previous hash, a newline, and the canonical content (hex).
CREATE OR REPLACE FUNCTION audit_link_hash(p_prev_hash text, p_canonical text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT encode(sha256(convert_to(p_prev_hash || E'\n' || p_canonical, 'UTF8')), 'hex')
$$;

CREATE OR REPLACE FUNCTION audit_ensure_partition(p_at timestamptz) RETURNS void
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

-- Append one row to the chain and return its id. The advisory lock is held until the
-- caller's transaction ends, so rows are chained in the order their transactions commit.
CREATE OR REPLACE FUNCTION audit_append(
    p_actor text, p_action text, p_entity_type text, p_entity_id text,
    p_data jsonb DEFAULT '{}'::jsonb, p_personal jsonb DEFAULT NULL
) RETURNS bigint
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

-- Rows are never changed or deleted, except that personal data may be erased (set to NULL)
-- when the person asks. Someone with the rights to drop this trigger can still tamper; the
-- hash chain and an exported head hash are what catch that.
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
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

CREATE OR REPLACE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
