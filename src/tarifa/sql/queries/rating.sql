-- name: lock_tariffs
-- One tariff load at a time: each compares with the current revision, then writes.
SELECT pg_advisory_xact_lock(hashtextextended('tarifa.rating.tariffs', 0))

-- name: new_ids
-- Ids for rows about to be inserted (so that rows referring to them can be built first).
SELECT nextval(pg_get_serial_sequence(%(table)s, 'id')) AS id
FROM generate_series(1, %(count)s)

-- name: current_tariff
SELECT id, revision, content_hash FROM rating_tariffs WHERE code = %(code)s AND current

-- name: retire_tariff
-- A corrected tariff replaces this revision: kept for history and rerating, out of rating.
WITH retired AS (
    UPDATE rating_tariffs SET current = false, replaced_at = now() WHERE id = %(id)s
    RETURNING id
)
UPDATE rating_profiles SET active = false WHERE tariff_id IN (SELECT id FROM retired)

-- name: profile_clashes
-- Current profiles of other tariffs with the same (tenant, category, subject, activation).
SELECT n.position, t.code
FROM unnest(%(tenants)s::text[], %(categories)s::text[], %(subjects)s::text[],
            %(activations)s::timestamptz[]) WITH ORDINALITY
     AS n (tenant, category, subject, activation, position)
JOIN rating_profiles p
    ON p.active AND p.tenant = n.tenant AND p.category = n.category AND p.subject = n.subject
   AND p.activation = n.activation
JOIN rating_tariffs t ON t.id = p.tariff_id
ORDER BY n.position

-- name: insert_tariff
INSERT INTO rating_tariffs (code, revision, currency, time_zone, increment_decimals,
                            content_hash, source, loaded_by)
VALUES (%(code)s, %(revision)s, %(currency)s, %(time_zone)s, %(increment_decimals)s,
        %(content_hash)s, %(source)s, %(loaded_by)s)
RETURNING id

-- name: insert_destinations
INSERT INTO rating_destinations (id, tariff_id, position, code) OVERRIDING SYSTEM VALUE
SELECT id, %(tariff_id)s, position, code
FROM unnest(%(ids)s::bigint[], %(codes)s::text[]) WITH ORDINALITY AS x (id, code, position)

-- name: insert_prefixes
INSERT INTO rating_destination_prefixes (destination_id, position, prefix)
SELECT * FROM unnest(%(destination_ids)s::bigint[], %(positions)s::integer[],
                     %(prefixes)s::text[])

-- name: insert_rates
INSERT INTO rating_rates (id, tariff_id, position, code, connect_fee) OVERRIDING SYSTEM VALUE
SELECT id, %(tariff_id)s, position, code, connect_fee
FROM unnest(%(ids)s::bigint[], %(codes)s::text[], %(connect_fees)s::numeric[])
     WITH ORDINALITY AS x (id, code, connect_fee, position)

-- name: insert_rate_groups
INSERT INTO rating_rate_groups (rate_id, position, interval_start, price, rate_unit, increment,
                                next_start, increment_cost)
SELECT * FROM unnest(%(rate_ids)s::bigint[], %(positions)s::integer[],
                     %(interval_starts)s::numeric[], %(prices)s::numeric[],
                     %(rate_units)s::numeric[], %(increments)s::numeric[],
                     %(next_starts)s::numeric[], %(increment_costs)s::numeric[])

-- name: insert_destination_rates
INSERT INTO rating_destination_rates (id, tariff_id, position, code) OVERRIDING SYSTEM VALUE
SELECT id, %(tariff_id)s, position, code
FROM unnest(%(ids)s::bigint[], %(codes)s::text[]) WITH ORDINALITY AS x (id, code, position)

-- name: insert_destination_rate_entries
INSERT INTO rating_destination_rate_entries (id, destination_rates_id, position, destination,
                                             destination_id, rate_id, rounding_method,
                                             rounding_decimals, max_cost, max_cost_strategy)
OVERRIDING SYSTEM VALUE
SELECT * FROM unnest(%(ids)s::bigint[], %(group_ids)s::bigint[], %(positions)s::integer[],
                     %(destinations)s::text[], %(destination_ids)s::bigint[],
                     %(rate_ids)s::bigint[], %(methods)s::text[], %(decimals)s::smallint[],
                     %(max_costs)s::numeric[], %(strategies)s::text[])

-- name: insert_time_band
INSERT INTO rating_time_bands (id, tariff_id, position, code, years, months, month_days,
                               weekdays, start_time) OVERRIDING SYSTEM VALUE
VALUES (%(id)s, %(tariff_id)s, %(position)s, %(code)s, %(years)s, %(months)s, %(month_days)s,
        %(weekdays)s, %(start_time)s)

-- name: insert_plans
INSERT INTO rating_plans (id, tariff_id, position, code, prefix_lengths) OVERRIDING SYSTEM VALUE
SELECT id, %(tariff_id)s, position, code,
       ARRAY(SELECT unnest(string_to_array(lengths, ',')::integer[]))
FROM unnest(%(ids)s::bigint[], %(codes)s::text[], %(lengths)s::text[]) WITH ORDINALITY
     AS x (id, code, lengths, position)

-- name: insert_plan_entries
INSERT INTO rating_plan_entries (plan_id, position, destination_rates_id, time_band,
                                 time_band_id, weight)
SELECT * FROM unnest(%(plan_ids)s::bigint[], %(positions)s::integer[],
                     %(group_ids)s::bigint[], %(bands)s::text[], %(band_ids)s::bigint[],
                     %(weights)s::numeric[])

-- name: insert_profiles
INSERT INTO rating_profiles (tariff_id, position, tenant, category, subject, activation,
                             plan_id, fallback_subjects)
SELECT %(tariff_id)s, position, tenant, category, subject, activation, plan_id,
       coalesce(string_to_array(fallbacks, E'\x1f'), '{}')
FROM unnest(%(tenants)s::text[], %(categories)s::text[], %(subjects)s::text[],
            %(activations)s::timestamptz[], %(plan_ids)s::bigint[], %(fallbacks)s::text[])
     WITH ORDINALITY AS x (tenant, category, subject, activation, plan_id, fallbacks, position)

-- name: insert_candidate_sets
INSERT INTO rating_candidate_sets (id, plan_id, times) OVERRIDING SYSTEM VALUE
SELECT id, plan_id, string_to_array(times, ',')::time[]
FROM unnest(%(ids)s::bigint[], %(plan_ids)s::bigint[], %(times)s::text[]) AS x (id, plan_id, times)

-- name: insert_candidates
INSERT INTO rating_candidates (candidate_set_id, ord, entry_id, time_band_id, time_band)
SELECT * FROM unnest(%(set_ids)s::bigint[], %(ords)s::integer[], %(entry_ids)s::bigint[],
                     %(band_ids)s::bigint[], %(bands)s::text[])

-- name: insert_plan_prefixes
INSERT INTO rating_plan_prefixes (plan_id, prefix, candidate_set_id)
SELECT * FROM unnest(%(plan_ids)s::bigint[], %(prefixes)s::text[], %(set_ids)s::bigint[])

-- name: set_any_candidates
UPDATE rating_plans SET any_candidates = %(set_id)s WHERE id = %(plan_id)s

-- name: tariff
SELECT id, code, revision, current, currency, time_zone, increment_decimals, content_hash,
       source, loaded_by, loaded_at, replaced_at
FROM rating_tariffs WHERE id = %(id)s

-- name: tariffs
-- Every revision, newest first within a code; with its counts.
SELECT t.id, t.code, t.revision, t.current, t.currency, t.time_zone, t.loaded_at, t.source,
       (SELECT count(*) FROM rating_destinations d WHERE d.tariff_id = t.id) AS destinations,
       (SELECT count(*) FROM rating_destination_prefixes p
        JOIN rating_destinations d ON d.id = p.destination_id WHERE d.tariff_id = t.id)
           AS prefixes,
       (SELECT count(*) FROM rating_rates r WHERE r.tariff_id = t.id) AS rates,
       (SELECT count(*) FROM rating_plans p WHERE p.tariff_id = t.id) AS plans,
       (SELECT count(*) FROM rating_profiles p WHERE p.tariff_id = t.id) AS profiles
FROM rating_tariffs t
WHERE t.current OR NOT %(current_only)s
ORDER BY t.code, t.revision DESC

-- name: destinations
SELECT d.code, array_agg(p.prefix ORDER BY p.position) AS prefixes
FROM rating_destinations d
JOIN rating_destination_prefixes p ON p.destination_id = d.id
WHERE d.tariff_id = %(id)s
GROUP BY d.id, d.code, d.position
ORDER BY d.position

-- name: rates
SELECT r.code, r.connect_fee,
       array_agg(g.interval_start ORDER BY g.position) AS interval_starts,
       array_agg(g.price ORDER BY g.position) AS prices,
       array_agg(g.rate_unit ORDER BY g.position) AS rate_units,
       array_agg(g.increment ORDER BY g.position) AS increments
FROM rating_rates r
JOIN rating_rate_groups g ON g.rate_id = r.id
WHERE r.tariff_id = %(id)s
GROUP BY r.id, r.code, r.connect_fee, r.position
ORDER BY r.position

-- name: destination_rate_entries
SELECT g.code AS group_code, e.destination, r.code AS rate, e.rounding_method,
       e.rounding_decimals, e.max_cost, e.max_cost_strategy
FROM rating_destination_rates g
JOIN rating_destination_rate_entries e ON e.destination_rates_id = g.id
JOIN rating_rates r ON r.id = e.rate_id
WHERE g.tariff_id = %(id)s
ORDER BY g.position, e.position

-- name: time_bands
SELECT code, years, months, month_days, weekdays, start_time
FROM rating_time_bands WHERE tariff_id = %(id)s ORDER BY position

-- name: plan_entries
SELECT p.code AS plan_code, g.code AS destination_rates, e.time_band, e.weight
FROM rating_plans p
JOIN rating_plan_entries e ON e.plan_id = p.id
JOIN rating_destination_rates g ON g.id = e.destination_rates_id
WHERE p.tariff_id = %(id)s
ORDER BY p.position, e.position

-- name: profiles
SELECT f.tenant, f.category, f.subject, f.activation, p.code AS plan_code, f.fallback_subjects
FROM rating_profiles f
JOIN rating_plans p ON p.id = f.plan_id
WHERE f.tariff_id = %(id)s
ORDER BY f.position

-- name: route
-- The tariff an event goes to: the one of the latest current profile of its subject
-- activated at or before it, else of subject *any (as rating_rate_range decides).
SELECT p.tariff_id
FROM rating_profiles p
WHERE p.active AND p.tenant = %(tenant)s AND p.category = %(category)s
  AND p.subject IN (%(subject)s, '*any') AND p.activation <= %(at)s
ORDER BY p.subject = %(subject)s DESC, p.activation DESC
LIMIT 1

-- name: begin_run
INSERT INTO rating_runs (kind, actor, period_from, period_to, account_id)
VALUES (%(kind)s, %(actor)s, %(period_from)s, %(period_to)s, %(account_id)s)
RETURNING id

-- name: finish_run
UPDATE rating_runs
SET finished_at = clock_timestamp(), rated = %(rated)s, errors = %(errors)s, cost = %(cost)s,
    cost_before = %(cost_before)s
WHERE id = %(id)s

-- name: lock_planning
-- Sessions starting a run plan the batches one at a time.
SELECT pg_advisory_xact_lock(hashtextextended('tarifa.rating.plan', 0))

-- name: ensure_partitions
SELECT rating_ensure_partitions()

-- name: prepare_tariff
-- The fast path's lookups of a revision just stored (sql/functions/rating.sql).
SELECT rating_prepare(%(id)s)

-- name: prepare_tariffs
-- The fast path's lookups of current tariffs stored without them (rating_prepare()).
SELECT count(*) FILTER (WHERE rating_prepare(id)) AS prepared
FROM rating_tariffs
WHERE current AND NOT (prepared AND search_prepared)

-- name: plan_batches
-- Cut the imports committed since the last planning into batches: ranges of at most
-- %(size)s usage ids of one import, so a batch is one statement of bounded size. An import
-- is one transaction: once it is visible, all of its records are.
WITH planned AS (
    UPDATE usage_imports
    SET rating_planned = true
    WHERE NOT rating_planned AND finished_at IS NOT NULL
    RETURNING id, first_usage_id, last_usage_id, first_event_at, last_event_at, accepted
)
INSERT INTO rating_batches (import_id, first_id, last_id, first_event_at, last_event_at)
SELECT p.id, s, least(s + %(size)s - 1, p.last_usage_id), p.first_event_at, p.last_event_at
FROM planned p
CROSS JOIN LATERAL generate_series(p.first_usage_id, p.last_usage_id, %(size)s::bigint) AS s
WHERE p.accepted > 0 AND p.first_usage_id <= p.last_usage_id
ORDER BY p.id, s
RETURNING id

-- name: summarize_usage_index
-- The BRIN index on usage_records.id summarizes a range of pages when asked: a range left
-- unsummarized (every page a bulk import filled since) matches every batch, which would then
-- read it all. Only the new ranges are read.
SELECT coalesce(sum(brin_summarize_new_values(relid)), 0) AS summarized
FROM pg_partition_tree('usage_records_id_brin')
WHERE isleaf

-- name: analyze_usage
-- Statistics for the months bulk imports have just filled (rating_analyze_usage()).
SELECT rating_analyze_usage() AS analyzed

-- name: ensure_schedule
-- The band schedule of the dates the open batches' records need.
SELECT rating_ensure_schedule(min(first_event_at), max(last_event_at)) AS added
FROM rating_batches
WHERE done_at IS NULL

-- name: claim_batch
-- The next open batch no other session is rating.
SELECT id, import_id, first_id, last_id
FROM rating_batches
WHERE done_at IS NULL
ORDER BY id
LIMIT 1
FOR UPDATE SKIP LOCKED

-- name: set_work_mem
SELECT set_config('work_mem', '256MB', true)

-- name: relax_batch_commit
-- A batch's commit does not wait for its WAL to reach the disk (tens of MB per batch). A
-- crash can lose only the last batches committed, whole: their records are then unrated
-- and their batches open (done_at is set in the same transaction), so the next run rates
-- them again. Nothing is lost or counted twice; only that work is repeated.
SELECT set_config('synchronous_commit', 'off', true)

-- name: rate_range
SELECT rated, errors, cost, costs
FROM rating_rate_range(%(run_id)s, %(import_id)s, %(first_id)s, %(last_id)s)

-- name: rate_chosen
SELECT rated, errors, cost, costs
FROM rating_rate_source(%(run_id)s, 'pg_temp.rating_rerate_chosen AS r', NULL, NULL, NULL)

-- name: finish_batch
UPDATE rating_batches
SET done_at = clock_timestamp(), run_id = %(run_id)s, rated = %(rated)s, errors = %(errors)s,
    costs = %(costs)s
WHERE id = %(id)s

-- name: rerate_forget
DROP TABLE IF EXISTS pg_temp.rating_rerate_chosen

-- name: rerate_choose
-- The records of the period (and account) rated or refused, not on a finalized invoice.
CREATE TEMPORARY TABLE rating_rerate_chosen ON COMMIT DROP AS
SELECT u.id, u.started_at, u.account_id, u.tenant, u.category, u.subject, u.unit, u.usage,
       u.destination, u.session_started_at, u.usage_before
FROM usage_records u
LEFT JOIN rated_usage r
    ON r.usage_id = u.id AND r.started_at = u.started_at
   AND r.started_at >= %(from)s AND r.started_at < %(to)s
WHERE u.started_at >= %(from)s AND u.started_at < %(to)s
  AND u.status = 'billable'
  AND (%(account_id)s::bigint IS NULL OR u.account_id = %(account_id)s::bigint)
  AND CASE WHEN r.usage_id IS NOT NULL THEN r.invoice_id IS NULL
           ELSE EXISTS (SELECT 1 FROM rating_errors e
                        WHERE e.usage_id = u.id AND e.started_at = u.started_at) END

-- name: rerate_reopen
-- Their current rating is removed (its cost returned), to be replaced.
WITH unrated AS (
    DELETE FROM rated_usage r USING rating_rerate_chosen c
    WHERE r.usage_id = c.id AND r.started_at = c.started_at
    RETURNING r.cost
),
unrefused AS (
    DELETE FROM rating_errors e USING rating_rerate_chosen c
    WHERE e.usage_id = c.id AND e.started_at = c.started_at
    RETURNING 1
)
SELECT (SELECT count(*) FROM rating_rerate_chosen) AS records,
       -- A later part is rated from its session's start: the schedule starts there.
       (SELECT least(min(started_at), min(session_started_at)) FROM rating_rerate_chosen)
           AS first_at,
       (SELECT max(started_at) FROM rating_rerate_chosen) AS last_at,
       (SELECT coalesce(sum(cost), 0) FROM unrated) AS cost_before,
       (SELECT count(*) FROM unrefused) AS refused_before

-- name: rerate_schedule
SELECT rating_ensure_schedule(%(first_at)s, %(last_at)s) AS added

-- name: rerate_result
-- What the records rated again cost now.
SELECT count(r.usage_id) AS rated, coalesce(sum(r.cost), 0) AS cost_after
FROM rating_rerate_chosen c
JOIN rated_usage r ON r.usage_id = c.id AND r.started_at = c.started_at

-- name: refusals
-- Records the rater refused, in usage id order (the primary key's), each with the record it
-- belongs to.
SELECT e.usage_id, u.source, u.record_id, c.external_id AS account, e.started_at,
       u.category, u.destination, u.usage, u.unit, e.code, e.message, e.run_id, e.failed_at
FROM rating_errors e
JOIN usage_records u ON u.id = e.usage_id AND u.started_at = e.started_at
JOIN customers c ON c.id = e.account_id
WHERE (%(code)s::text IS NULL OR e.code = %(code)s::text)
  AND (%(account_id)s::bigint IS NULL OR e.account_id = %(account_id)s::bigint)
  AND e.usage_id > %(after_id)s
ORDER BY e.usage_id
LIMIT %(limit)s

-- name: refusal_counts
SELECT e.code, count(*) AS records
FROM rating_errors e
WHERE %(account_id)s::bigint IS NULL OR e.account_id = %(account_id)s::bigint
GROUP BY e.code
ORDER BY e.code

-- name: account_id
SELECT id FROM customers WHERE external_id = %(external_id)s

-- name: run_costs
-- What a run's rated records cost, per currency (a run may rate tariffs of several): the sum
-- of what its batches wrote down (rating_batches.costs).
SELECT c.key AS currency, sum(c.value::numeric) AS cost
FROM rating_batches b
CROSS JOIN LATERAL jsonb_each_text(b.costs) AS c
WHERE b.run_id = %(run_id)s
GROUP BY c.key
ORDER BY c.key
