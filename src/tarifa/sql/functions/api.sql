-- The REST API's authentication (sql/migrations/0026_create_api_keys.sql, 0027).

-- The live key of a token (prefix and digest) and its requests in this minute's window, with
-- p_count more counted (this request, and those a worker let through on its own since it
-- last asked: tarifa/api/auth.py), in one round trip. A wrong secret counts nothing (nobody exhausts another's
-- limit by guessing). The count is worth nothing after a crash (the table is unlogged), so
-- the transaction does not wait for its commit to reach the disk.
DROP FUNCTION IF EXISTS api_admit(text, text);
CREATE OR REPLACE FUNCTION api_admit(p_prefix text, p_digest text, p_count integer)
RETURNS TABLE (id bigint, prefix text, name text, scopes text[], customer_id bigint,
               created_at timestamptz, revoked_at timestamptz, requests integer)
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
