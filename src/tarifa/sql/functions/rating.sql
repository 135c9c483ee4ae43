-- The batch rater: prices usage records exactly as the reference rater
-- (src/tarifa/rating/reference.py) does, set-based, a batch of records per statement.
--
-- rating_rate_range(run, import, first_id, last_id) rates the records of an import whose id
-- is in the range (no loop over records): the fast path, one INSERT ... SELECT, prices the
-- common case (rating_rate_source()); the general path, four set-based statements, the rest
-- (rating_rate_general()). Sessions rating at once each claim a batch (rating_batches) with
-- FOR UPDATE SKIP LOCKED first; the primary keys of rated_usage and rating_errors refuse a
-- second rating of any record anyway. See docs/rating.md, "Batch rating".

-- rated_usage gets the months usage_records has: same names (usage_records_pYYYYMM becomes
-- rated_usage_pYYYYMM), same bounds. Added as plain tables then attached, like the usage
-- partitions, so rating in other sessions does not wait on an exclusive lock.
CREATE OR REPLACE FUNCTION rating_ensure_partitions() RETURNS integer
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

-- Statistics for every month of usage_records that has none on its ids (a month a bulk
-- import has just filled; autovacuum comes later). Without them the planner cannot know
-- that ids follow the order of the pages, prices the BRIN index as reading the whole month,
-- and scans the whole month for every batch: each batch of a month of N records then costs
-- O(N), and a run O(N²). Any statistics will do, even from when the month was small: the
-- correlation of ids to pages stays 1. So only the id is analyzed, from a small sample
-- (3,000 rows: 2 ms, where the whole month took 0.25 s at 1,000,000 records and 0.46 s at
-- 10,000,000, while the other rating sessions waited); an ANALYZE of some columns does not
-- reset the count of changes, so autovacuum still analyzes the whole month soon after.
-- Returns the months analyzed.
CREATE OR REPLACE FUNCTION rating_analyze_usage() RETURNS integer
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

-- The number as matched against prefixes: surrounding white space and a leading "+" dropped.
CREATE OR REPLACE FUNCTION rating_number(p_destination text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN left(btrim(p_destination, E' \t\n\r\f\v'), 1) = '+'
            THEN substr(btrim(p_destination, E' \t\n\r\f\v'), 2)
            ELSE btrim(p_destination, E' \t\n\r\f\v') END;

-- Whole increments of p_step in p_usage, a started one counting whole.
CREATE OR REPLACE FUNCTION rating_increments(p_usage numeric, p_step numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN div(p_usage, p_step) + CASE WHEN mod(p_usage, p_step) = 0 THEN 0 ELSE 1 END;

-- What p_increments whole increments of one rate group cost on the fast path: exactly (the
-- increment cost not rounded, p_exact) half-up to 12 decimals from the group's doubled price
-- per increment x 10^12 and its rate unit (see "groups" in rating_rate_general()), else
-- times the rounded increment cost. Inlined by the planner like any one-expression function.
CREATE OR REPLACE FUNCTION rating_group_cost(p_increments numeric, p_exact boolean,
                                             p_doubled numeric, p_unit numeric,
                                             p_increment_cost numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN p_exact THEN div(p_increments * p_doubled + p_unit, 2 * p_unit) * 0.000000000001
            ELSE p_increments * p_increment_cost END;

-- The final rounding of an event's cost (>= 0) to p_decimals with the destination rate's
-- method: up (away from zero), half_up, down.
CREATE OR REPLACE FUNCTION rating_round(p_cost numeric, p_decimals integer, p_method text)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE p_method
    WHEN 'half_up' THEN round(p_cost, p_decimals)
    WHEN 'down' THEN trunc(p_cost, p_decimals)
    ELSE trunc(p_cost, p_decimals)
         + CASE WHEN trunc(p_cost, p_decimals) = p_cost THEN 0
                -- 10^-decimals without numeric power() per record (decimals 0..12)
                ELSE ('{1, 0.1, 0.01, 0.001, 0.0001, 0.00001, 0.000001, 0.0000001, '
                      '0.00000001, 0.000000001, 0.0000000001, 0.00000000001, '
                      '0.000000000001}'::numeric[])[p_decimals + 1] END
END;

-- The sum of two maps of costs per currency ({"EUR": "12.3400", ...}).
CREATE OR REPLACE FUNCTION rating_add_costs(p_one jsonb, p_other jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
AS $$
    SELECT coalesce(jsonb_object_agg(c.key, c.total::text), '{}')
    FROM (SELECT x.key, sum(x.value::numeric) AS total
          FROM (SELECT * FROM jsonb_each_text(p_one)
                UNION ALL
                SELECT * FROM jsonb_each_text(p_other)) AS x
          GROUP BY x.key) AS c
$$;

-- Whether a band's date lists (empty: any) hold on the local date p_day. Weekdays are ISO
-- (Monday 1 .. Sunday 7); 0 is Sunday too.
CREATE OR REPLACE FUNCTION rating_day_matches(p_years integer[], p_months integer[],
                                              p_month_days integer[], p_weekdays integer[],
                                              p_day date) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (cardinality(p_years) = 0 OR extract(year FROM p_day)::integer = ANY (p_years))
   AND (cardinality(p_months) = 0 OR extract(month FROM p_day)::integer = ANY (p_months))
   AND (cardinality(p_month_days) = 0 OR extract(day FROM p_day)::integer = ANY (p_month_days))
   AND (cardinality(p_weekdays) = 0 OR extract(isodow FROM p_day)::integer = ANY (p_weekdays)
        OR (extract(isodow FROM p_day) = 7 AND 0 = ANY (p_weekdays)));

-- The UTC offset of p_zone at the instant p_at.
CREATE OR REPLACE FUNCTION rating_offset(p_zone text, p_at timestamptz) RETURNS interval
LANGUAGE sql STABLE PARALLEL SAFE
RETURN (p_at AT TIME ZONE p_zone) - (p_at AT TIME ZONE 'UTC');

-- Every instant strictly between p_from and p_to at which p_zone's UTC offset changes
-- (daylight saving), to the microsecond: the offset is sampled every 24 hours (no zone
-- changes twice a day) and each change found by halving the interval it is in.
CREATE OR REPLACE FUNCTION rating_transitions(p_zone text, p_from timestamptz,
                                              p_to timestamptz)
RETURNS SETOF timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
-- Almost always none: the planner's default guess (1,000 a call) makes it plan the few
-- calls in several parts as if they were millions.
ROWS 1
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

-- The general path: rate the records of pg_temp.rating_todo (those the fast path of
-- rating_rate_source() left: other than one part priced by a rate of at most two groups in
-- the routing plan, or refused); returns what it wrote.
--
-- Four set-based statements, each over the whole batch (no loop over records); each stage
-- lands in a temporary table that is analyzed, so the next stage is planned on true row
-- counts (a chain of CTEs joined on record ids leaves the planner guessing, and its guesses
-- multiply). The steps are those of the reference rater:
--
-- 1. Profile (rating_work_records): the latest current profile of (tenant, category,
--    subject) activated at or before the event, else of subject *any; it routes the record
--    to its tariff revision. A tariff in another currency than the account's is an error.
-- 2. Destination (rating_work_matches): in the profile's plan, then in its fallback subjects'
--    plans (first level only, inside the same tariff), the longest prefix of the number that
--    the plan has, else the plan's *any destination rates: a candidate set.
-- 3. Bands (rating_work_parts): the winner (first active candidate in order) at the start,
--    and for calls at every instant the active bands can change (midnight, band starts,
--    clock changes, on the tariff's wall clock); a call is cut where the winner changes.
-- 4. Rate groups and the event (the final INSERT ... SELECT): each part cut again where a
--    group starts, counted from the event's start; each span rounded up to whole
--    increments on its own and priced; connect fee (usage > 0) + spans, capped by a max cost
--    with strategy free, rounded with the largest rounding_decimals of the parts by the
--    method of the first part that has them.
CREATE OR REPLACE FUNCTION rating_rate_general(p_run bigint)
RETURNS TABLE (rated bigint, errors bigint, cost numeric, costs jsonb)
LANGUAGE plpgsql
SET enable_mergejoin = off
SET enable_nestloop = off
AS $function$
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
$function$;

-- Derive the fast path's lookups of tariff revision p_tariff (migration 0008) once: band
-- patterns, each prefix's and *any's pattern, and rating_prices. Returns whether it did.
CREATE OR REPLACE FUNCTION rating_prepare(p_tariff bigint) RETURNS boolean
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

-- The lookups of rating_prepare() other than the prefix search.
CREATE OR REPLACE FUNCTION rating_prepare_lookups(p_tariff bigint) RETURNS void
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

-- The binary search over each plan's prefix lengths (migration 0025): the tree of lengths
-- to probe (rating_plans.search_tree) and every prefix and marker with the longest prefix
-- of the plan it starts with (rating_prefix_search). Node n covers the sorted lengths
-- lo..hi and probes the middle one; its children are 2n (lo..mid-1, after a miss) and
-- 2n + 1 (mid+1..hi, after a hit). A prefix of a length in mid+1..hi leaves a marker of the
-- middle length, so that the search for it hits there and turns to longer lengths.
CREATE OR REPLACE FUNCTION rating_prepare_search(p_tariff bigint) RETURNS void
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

-- Make sure rating_schedule holds the local dates of every instant in [p_from, p_to] for the
-- band patterns of the current tariffs (each on its own wall clock: a day either side covers
-- every UTC offset). Idempotent, and safe with other sessions doing the same.
CREATE OR REPLACE FUNCTION rating_ensure_schedule(p_from timestamptz, p_to timestamptz)
RETURNS bigint
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

-- The records a batch rates, as the general path reads them.
CREATE OR REPLACE FUNCTION rating_create_todo() RETURNS void
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

-- Rate the records that p_source (the FROM clause of a query, aliased r, with the columns of
-- rating_todo) gives; $2..$4 are bound to p_import, p_first, p_last. Returns what it wrote.
--
-- The fast path, one INSERT ... SELECT over the whole batch, prices the common case: a
-- record routed by its profile (its own subject's, else *any's) to a plan that has a rate
-- for its number (the longest prefix: one hash probe per prefix length any current plan
-- has; else the plan's *any), in one part (not a call, or a call inside one run of one
-- winner on its local date with no change of UTC offset: rating_schedule), by a rate of at
-- most two groups (rating_prices). Every other record (fallback subjects, calls cut by band
-- changes, longer rates, rating errors) goes to pg_temp.rating_todo for the general path,
-- rating_rate_general(), which handles every case. A part after the first of a session
-- (usage_records.usage_before) is rated from its session's start: the session through it,
-- less the session through the part before.
CREATE OR REPLACE FUNCTION rating_rate_source(p_run bigint, p_source text, p_import bigint,
                                              p_first bigint, p_last bigint)
RETURNS TABLE (rated bigint, errors bigint, cost numeric, costs jsonb)
LANGUAGE plpgsql
SET enable_mergejoin = off
SET enable_nestloop = off
SET join_collapse_limit = 1
AS $function$
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
$function$;

-- Rate the records of import p_import whose id is in [p_first, p_last]: a batch.
CREATE OR REPLACE FUNCTION rating_rate_range(p_run bigint, p_import bigint, p_first bigint,
                                             p_last bigint)
RETURNS TABLE (rated bigint, errors bigint, cost numeric, costs jsonb)
LANGUAGE sql
AS $$
    SELECT * FROM rating_rate_source(
        p_run,
        '(SELECT * FROM usage_records WHERE import_id = $2 AND id BETWEEN $3 AND $4'
        ' AND status = ''billable'') AS r',
        p_import, p_first, p_last)
$$;
