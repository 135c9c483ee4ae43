-- Usage intake: monthly partitions of usage_records, created when an import needs them.

-- Make sure usage_records has a partition for the (UTC) month of each instant in p_at.
--
-- A new month is created as a plain table and then attached: ATTACH PARTITION takes only a
-- SHARE UPDATE EXCLUSIVE lock on usage_records, which reads and writes of other sessions
-- (the rater, another import) do not wait for, whereas CREATE TABLE ... PARTITION OF would
-- hold an ACCESS EXCLUSIVE lock until the import commits. Two imports adding months take
-- turns: the lock is taken before looking again (taking a table lock also brings this
-- session's view of the catalog up to date), so the second finds the month the first made.
CREATE OR REPLACE FUNCTION usage_ensure_partitions(p_at timestamptz[]) RETURNS integer
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
