-- The batch rater: prices every pending usage record exactly as the reference rater
-- (src/tarifa/rating/reference.py) does, set-based, a batch of records per statement.
--
-- rating_rate_range(run, first_id, last_id) rates the pending records whose id is in the
-- range with one INSERT ... SELECT (no loop over records): it writes rated_usage and
-- rating_errors rows and moves the records' status to 'rated' or 'error'. Sessions rating
-- at once each claim a range (rating_batches) with FOR UPDATE SKIP LOCKED first; the primary
-- keys of rated_usage and rating_errors refuse a second rating of any record anyway.
-- The steps are those of the reference rater, numbered as in docs/rating.md.

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
        PERFORM pg_advisory_xact_lock(7402118570);
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        EXECUTE format(
            'CREATE TABLE %I (LIKE rated_usage INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', name);
        EXECUTE format('ALTER TABLE rated_usage ATTACH PARTITION %I %s', name, part.bound);
        created := created + 1;
    END LOOP;
    RETURN created;
END;
$$;

-- The number as matched against prefixes: surrounding white space and a leading "+" dropped.
CREATE OR REPLACE FUNCTION rating_number(p_destination text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN left(btrim(p_destination, E' \t\n\r\f\v'), 1) = '+'
            THEN substr(btrim(p_destination, E' \t\n\r\f\v'), 2)
            ELSE btrim(p_destination, E' \t\n\r\f\v') END;

-- numerator / denominator rounded half-up to p_decimals places, exactly (both >= 0): the
-- quotient of two decimals rarely terminates, and rounding a rounded quotient again could
-- go wrong, so this is floor((2n + d) / 2d) on the scaled numerator, in integers.
CREATE OR REPLACE FUNCTION rating_half_up(p_numerator numeric, p_denominator numeric,
                                          p_decimals integer) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN div(2 * p_numerator * power(10::numeric, p_decimals) + p_denominator, 2 * p_denominator)
       * power(10::numeric, -p_decimals);

-- Whole increments of p_step in p_usage, a started one counting whole.
CREATE OR REPLACE FUNCTION rating_increments(p_usage numeric, p_step numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN div(p_usage, p_step) + CASE WHEN mod(p_usage, p_step) = 0 THEN 0 ELSE 1 END;

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
                ELSE power(10::numeric, -p_decimals) END
END;

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

-- Rate the pending records with first_id <= id <= last_id; returns what it wrote.
--
-- 1. Profile: the latest current profile of (tenant, category, subject) activated at or
--    before the event, else of subject *any; it routes the record to its tariff revision.
-- 2. Destination: in the profile's plan (then in its fallback subjects' plans, first level
--    only, inside the same tariff) the longest prefix of the number, else the *any rates.
-- 3. Bands: the winner (first active candidate in order) at the start, and for calls at
--    every instant the active bands can change (midnight, band starts, daylight-saving
--    changes, read on the tariff's wall clock); the call is cut where the winner changes.
-- 4. Rate groups: each part cut again where a group starts, counted from the event's start;
--    each span rounded up to whole increments on its own.
-- 5. Event: connect fee (usage > 0) + spans, capped by a max cost with strategy free,
--    rounded with the largest rounding_decimals of its parts, by the method of the first
--    part that has them.
CREATE OR REPLACE FUNCTION rating_rate_range(p_run bigint, p_first bigint, p_last bigint)
RETURNS TABLE (rated bigint, errors bigint, cost numeric)
LANGUAGE plpgsql
AS $function$
BEGIN
    -- EXECUTE: planned for these values every time, never from a generic plan.
    RETURN QUERY EXECUTE $sql$
    WITH
    recs AS MATERIALIZED (
        SELECT u.id, u.started_at, u.account_id, u.tenant, u.category, u.subject, u.unit,
               u.usage, rating_number(u.destination) AS number,
               u.started_at + ceil(u.usage * 1000000)::bigint * interval '1 microsecond'
                   AS ended_at
        FROM usage_records u
        WHERE u.id BETWEEN $2 AND $3 AND u.status = 'pending'
    ),
    profiles AS MATERIALIZED (
        SELECT p.id, p.tariff_id, p.tenant, p.category, p.subject, p.activation, p.plan_id,
               p.fallback_subjects,
               lead(p.activation) OVER (PARTITION BY p.tenant, p.category, p.subject
                                        ORDER BY p.activation) AS until,
               lead(p.activation) OVER (PARTITION BY p.tariff_id, p.tenant, p.category,
                                        p.subject ORDER BY p.activation) AS until_in_tariff
        FROM rating_profiles p
        WHERE p.active
    ),
    -- 1. The profile that routes each record (NULL: none).
    routed AS MATERIALIZED (
        SELECT r.id, coalesce(s.id, a.id) AS profile_id
        FROM recs r
        LEFT JOIN profiles s
            ON s.tenant = r.tenant AND s.category = r.category AND s.subject = r.subject
           AND s.activation <= r.started_at AND (s.until IS NULL OR r.started_at < s.until)
        LEFT JOIN profiles a
            ON a.tenant = r.tenant AND a.category = r.category AND a.subject = '*any'
           AND a.activation <= r.started_at AND (a.until IS NULL OR r.started_at < a.until)
    ),
    -- The profiles tried in order: the routing one (pos 0), then its fallback subjects'.
    chain AS MATERIALIZED (
        SELECT ro.id, 0::bigint AS pos, p.id AS profile_id, p.tariff_id, p.plan_id, p.subject,
               r.number
        FROM routed ro
        JOIN recs r ON r.id = ro.id
        JOIN profiles p ON p.id = ro.profile_id
        UNION ALL
        SELECT ro.id, f.pos, fp.id, fp.tariff_id, fp.plan_id, fp.subject, r.number
        FROM routed ro
        JOIN recs r ON r.id = ro.id
        JOIN profiles p ON p.id = ro.profile_id AND cardinality(p.fallback_subjects) > 0
        CROSS JOIN LATERAL unnest(p.fallback_subjects) WITH ORDINALITY AS f (subject, pos)
        JOIN profiles fp
            ON fp.tariff_id = p.tariff_id AND fp.tenant = p.tenant
           AND fp.category = p.category AND fp.subject = f.subject
           AND fp.activation <= r.started_at
           AND (fp.until_in_tariff IS NULL OR r.started_at < fp.until_in_tariff)
    ),
    -- 2. Every prefix of the plan that starts the number, and the plan's *any rates.
    hits AS (
        SELECT c.id, c.pos, l.len, pp.prefix, pp.candidate_set_id
        FROM chain c
        JOIN rating_plans pl ON pl.id = c.plan_id
        CROSS JOIN LATERAL unnest(pl.prefix_lengths) AS l (len)
        JOIN rating_plan_prefixes pp
            ON pp.plan_id = c.plan_id AND pp.prefix = left(c.number, l.len)
        WHERE l.len <= length(c.number)
        UNION ALL
        SELECT c.id, c.pos, 0, '', pl.any_candidates
        FROM chain c
        JOIN rating_plans pl ON pl.id = c.plan_id
        WHERE pl.any_candidates IS NOT NULL
    ),
    best AS MATERIALIZED (
        SELECT DISTINCT ON (h.id) h.id, h.pos, h.prefix, h.candidate_set_id
        FROM hits h
        ORDER BY h.id, h.pos, h.len DESC
    ),
    matched AS MATERIALIZED (
        SELECT r.id, r.started_at, r.ended_at, r.usage, c.profile_id, c.tariff_id,
               c.plan_id, c.subject, b.prefix, b.candidate_set_id AS cset, t.time_zone,
               t.increment_decimals, t.currency, cs.times,
               r.started_at AT TIME ZONE t.time_zone AS ls,
               r.ended_at AT TIME ZONE t.time_zone AS le,
               r.unit = 'seconds' AND r.usage > 0 AS timed
        FROM best b
        JOIN recs r ON r.id = b.id
        JOIN chain c ON c.id = b.id AND c.pos = b.pos
        JOIN rating_tariffs t ON t.id = c.tariff_id
        JOIN rating_candidate_sets cs ON cs.id = b.candidate_set_id
    ),
    -- 3. A record is in one part when it is not a call, or when no instant at which the
    -- bands can change lies strictly inside it: the same local date, no band start between
    -- its local start and end, no change of UTC offset.
    shaped AS MATERIALIZED (
        SELECT m.*,
               NOT m.timed OR (
                   m.le::date = m.ls::date
                   AND m.le - m.ls = m.ended_at - m.started_at
                   AND NOT EXISTS (SELECT 1 FROM unnest(m.times) AS t
                                   WHERE t > m.ls::time AND t < m.le::time)) AS single
        FROM matched m
    ),
    -- Calls in several parts: cut at the offset changes into segments of one UTC offset, each
    -- read as a range of wall-clock time.
    multi AS MATERIALIZED (
        SELECT * FROM shaped WHERE NOT single
    ),
    bounds AS (
        SELECT id, started_at AS at FROM multi
        UNION ALL
        SELECT m.id, tr.at
        FROM multi m
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
    segment_days AS MATERIALIZED (
        SELECT s.*, d::date AS day
        FROM segments s
        CROSS JOIN LATERAL generate_series(
            s.wall_from::date::timestamp,
            (s.wall_to - interval '1 microsecond')::date::timestamp,
            interval '1 day') AS d
    ),
    -- The winner of each candidate set on each local date needed, from each time on.
    days AS (
        SELECT DISTINCT cset, ls::date AS day FROM shaped WHERE single
        UNION
        SELECT DISTINCT cset, day FROM segment_days
    ),
    schedule AS MATERIALIZED (
        SELECT d.cset, d.day, x.from_t,
               lead(x.from_t) OVER (PARTITION BY d.cset, d.day ORDER BY x.from_t) AS to_t,
               (SELECT min(c.ord)
                FROM rating_candidates c
                LEFT JOIN rating_time_bands tb ON tb.id = c.time_band_id
                WHERE c.candidate_set_id = d.cset
                  AND (c.time_band_id IS NULL
                       OR (tb.start_time <= x.from_t
                           AND rating_day_matches(tb.years, tb.months, tb.month_days,
                                                  tb.weekdays, d.day)))) AS ord
        FROM days d
        JOIN rating_candidate_sets cs ON cs.id = d.cset
        CROSS JOIN LATERAL unnest(cs.times) AS x (from_t)
    ),
    single_parts AS (
        SELECT s.id, 1::bigint AS part, 0::numeric AS since, s.usage AS until, sc.ord
        FROM shaped s
        JOIN schedule sc
            ON sc.cset = s.cset AND sc.day = s.ls::date AND sc.from_t <= s.ls::time
           AND (sc.to_t IS NULL OR s.ls::time < sc.to_t)
        WHERE s.single
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
               ch.ord
        FROM changes ch
        JOIN multi m ON m.id = ch.id
        WHERE ch.starts
        WINDOW w AS (PARTITION BY ch.id ORDER BY ch.at)
    ),
    parts AS MATERIALIZED (
        SELECT p.id, p.part, p.since, p.until, p.ord, c.time_band, e.destination, e.rate_id,
               e.rounding_method, e.rounding_decimals, e.max_cost, e.max_cost_strategy,
               m.increment_decimals
        FROM (SELECT * FROM single_parts UNION ALL SELECT * FROM multi_parts) AS p
        JOIN matched m ON m.id = p.id
        LEFT JOIN rating_candidates c ON c.candidate_set_id = m.cset AND c.ord = p.ord
        LEFT JOIN rating_destination_rate_entries e ON e.id = c.entry_id
    ),
    -- 4. Spans: each part where it meets each rate group, priced.
    spans AS (
        SELECT p.id, g.step,
               rating_increments(least(p.until, coalesce(g.next_start, p.until))
                                 - greatest(p.since, g.interval_start), g.step) AS increments,
               g.price, g.unit, g.increment_cost, p.increment_decimals
        FROM parts p
        JOIN rating_rate_groups g
            ON g.rate_id = p.rate_id AND g.interval_start < p.until
           AND (g.next_start IS NULL OR g.next_start > p.since)
        WHERE p.ord IS NOT NULL
    ),
    span_totals AS (
        SELECT s.id,
               sum(CASE WHEN s.increment_decimals IS NULL
                        THEN rating_half_up(s.increments * s.price * s.step, s.unit, 12)
                        ELSE s.increments * s.increment_cost END) AS cost,
               sum(s.increments * s.step) AS billed
        FROM spans s
        GROUP BY s.id
    ),
    -- 5. The event: its first part, its rounding, its bands.
    part_summary AS (
        SELECT p.id, bool_or(p.ord IS NULL) AS uncovered, max(p.rounding_decimals) AS decimals,
               -- the method of the first part among those with the most decimals
               (array_agg(p.rounding_method
                          ORDER BY p.rounding_decimals DESC, p.part))[1] AS method,
               array_agg(p.time_band ORDER BY p.part) AS bands
        FROM parts p
        GROUP BY p.id
    ),
    events AS MATERIALIZED (
        SELECT m.id, m.started_at, m.tariff_id, m.profile_id, m.plan_id, m.subject, m.prefix,
               m.currency, m.usage, ps.uncovered, ps.decimals,
               CASE WHEN cardinality(ps.bands) = 1 THEN ps.bands
                    ELSE ARRAY(SELECT b FROM unnest(ps.bands) WITH ORDINALITY AS x (b, n)
                               GROUP BY b ORDER BY min(n)) END AS time_bands,
               first.destination, first.max_cost, first.max_cost_strategy, ps.method,
               coalesce(st.cost, 0)
                   + CASE WHEN m.usage > 0 THEN rt.connect_fee ELSE 0 END AS uncapped,
               coalesce(st.billed, 0) AS billed
        FROM matched m
        JOIN part_summary ps ON ps.id = m.id
        JOIN parts first ON first.id = m.id AND first.part = 1
        LEFT JOIN rating_rates rt ON rt.id = first.rate_id
        LEFT JOIN span_totals st ON st.id = m.id
    ),
    priced AS MATERIALIZED (
        SELECT e.*,
               CASE WHEN e.max_cost_strategy = 'free' THEN least(e.uncapped, e.max_cost)
                    ELSE e.uncapped END AS precise
        FROM events e
        WHERE NOT e.uncovered
    ),
    outcome AS MATERIALIZED (
        SELECT r.id, r.started_at, r.account_id,
               CASE WHEN ro.profile_id IS NULL THEN 'no_rating_profile'
                    WHEN cu.currency IS NOT NULL AND cu.currency <> rp_t.currency
                        THEN 'currency_mismatch'
                    WHEN pr.id IS NULL THEN 'unauthorized_destination'
               END AS error,
               CASE WHEN ro.profile_id IS NULL THEN
                        format('no rating profile for %s/%s/%s (nor for subject *any) active '
                               'at %s', r.tenant, r.category, r.subject, r.started_at)
                    WHEN cu.currency IS NOT NULL AND cu.currency <> rp_t.currency THEN
                        format('tariff %s is in %s, the account in %s', rp_t.code,
                               rp_t.currency, cu.currency)
                    WHEN e.id IS NULL THEN
                        format('rating plan %s (subject %s and its fallbacks) has no rate for '
                               '%L', rp_plan.code, rp.subject, r.number)
                    WHEN pr.id IS NULL THEN
                        format('no time band of the plan prices %L at some time of the event',
                               r.number)
               END AS message
        FROM recs r
        LEFT JOIN routed ro ON ro.id = r.id
        LEFT JOIN profiles rp ON rp.id = ro.profile_id
        LEFT JOIN rating_tariffs rp_t ON rp_t.id = rp.tariff_id
        LEFT JOIN rating_plans rp_plan ON rp_plan.id = rp.plan_id
        LEFT JOIN customers cu ON cu.id = r.account_id
        LEFT JOIN events e ON e.id = r.id
        LEFT JOIN priced pr ON pr.id = r.id
    ),
    stored AS (
        INSERT INTO rated_usage (usage_id, started_at, account_id, tariff_id, profile_id,
                                 plan_id, subject, destination, prefix, time_bands,
                                 billed_usage, cost, precise_cost, rounding_decimals, currency,
                                 run_id)
        SELECT pr.id, pr.started_at, o.account_id, pr.tariff_id, pr.profile_id, pr.plan_id,
               pr.subject, pr.destination, pr.prefix, pr.time_bands, pr.billed,
               rating_round(pr.precise, pr.decimals, pr.method), pr.precise, pr.decimals,
               pr.currency, $1
        FROM outcome o
        JOIN priced pr ON pr.id = o.id
        WHERE o.error IS NULL
        RETURNING cost
    ),
    refused AS (
        INSERT INTO rating_errors (usage_id, started_at, account_id, code, message, run_id)
        SELECT o.id, o.started_at, o.account_id, o.error, o.message, $1
        FROM outcome o
        WHERE o.error IS NOT NULL
        RETURNING 1
    ),
    moved AS (
        UPDATE usage_records u
        SET status = CASE WHEN o.error IS NULL THEN 'rated' ELSE 'error' END
        FROM outcome o
        WHERE u.id = o.id AND u.started_at = o.started_at AND u.id BETWEEN $2 AND $3
          AND u.status = 'pending'
    )
    SELECT (SELECT count(*) FROM stored), (SELECT count(*) FROM refused),
           (SELECT coalesce(sum(stored.cost), 0) FROM stored)
    $sql$ USING p_run, p_first, p_last;
END;
$function$;
