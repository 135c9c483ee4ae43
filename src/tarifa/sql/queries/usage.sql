-- name: lock_source
-- Imports (and retries) of one source take turns: they would otherwise wait on each
-- other's uncommitted keys. Imports of different sources run side by side.
SELECT pg_advisory_xact_lock(hashtextextended(%(source)s, 7402118561))

-- name: lock_all_sources
-- A retry over every source waits for running imports of any source to finish.
SELECT pg_advisory_xact_lock(7402118562)

-- name: share_all_sources
SELECT pg_advisory_xact_lock_shared(7402118562)

-- name: set_time_zone
-- Times without an offset are read in this zone (COPY into timestamptz uses it); those
-- with an offset are exact whatever it is.
SELECT set_config('TimeZone', %(time_zone)s, true)

-- name: set_work_mem
-- A chunk's rows are joined and sorted in memory rather than in temporary files.
SELECT set_config('work_mem', '256MB', true)

-- name: set_temp_buffers
-- The staging table in memory (possible only before the session first used a temporary
-- table; later imports on the same pooled connection keep what the first one set).
SET temp_buffers = '128MB'

-- name: create_staging
-- One chunk of parsed lines at a time, private to the import's session and transaction.
CREATE TEMPORARY TABLE IF NOT EXISTS usage_staging (
    line        bigint NOT NULL,
    line_hash   text,
    raw         text NOT NULL,
    reason      text,
    record_id   text,
    id_kind     text,
    id_value    text,
    service     text,
    unit        text,
    destination text,
    started_at  timestamptz,
    usage       numeric,
    billable    boolean,
    disposition text,
    -- Only for parts of cumulative counters (copy_staging_parts); `usage` is their counter.
    session     text,
    sequence    bigint
) ON COMMIT DROP

-- name: copy_staging
COPY usage_staging (line, line_hash, raw, reason, record_id, id_kind, id_value, service, unit,
                    destination, started_at, usage, billable, disposition) FROM STDIN

-- name: copy_staging_parts
COPY usage_staging (line, line_hash, raw, reason, record_id, id_kind, id_value, service, unit,
                    destination, started_at, usage, billable, disposition, session, sequence)
FROM STDIN

-- name: clear_staging
TRUNCATE usage_staging

-- name: sample_staging
-- Statistics of a chunk's identifiers from a sample of 3,000 lines (a few ms per chunk).
ALTER TABLE usage_staging ALTER COLUMN id_value SET STATISTICS 10

-- name: analyze_staging
-- Without them the planner takes the chunk's identifiers for a few hundred values repeated
-- over and over, so it hashes every usage identifier (and its account) for every chunk
-- instead of the chunk's identifiers: 2.5 s a chunk with 2,000,000 identifiers, against
-- 0.6 s. With them it hashes the chunk and reads the identifiers once, and still probes
-- the identifiers' index for a small file (a few thousand lines).
ANALYZE usage_staging (id_value)

-- name: ensure_partitions
-- The months of the records that can be stored (not those in the future). Records of a file
-- usually span a month or two: every month from the first to the last is made sure of
-- (min and max cost far less than collecting distinct months); a wider span (a switch whose
-- clock was wrong) takes only the months that occur. The same span widens the import's
-- first_event_at / last_event_at, which the rater reads (the band schedule of those dates).
WITH span AS MATERIALIZED (
    SELECT min(started_at) AS first, max(started_at) AS last
    FROM usage_staging
    WHERE reason IS NULL AND started_at <= now()
),
widened AS (
    UPDATE usage_imports i
    SET first_event_at = least(i.first_event_at, span.first),
        last_event_at = greatest(i.last_event_at, span.last)
    FROM span
    WHERE i.id = %(import_id)s AND span.first IS NOT NULL
)
SELECT usage_ensure_partitions(
    CASE
        WHEN last - first < interval '400 days' THEN ARRAY(
            SELECT month AT TIME ZONE 'UTC'
            FROM generate_series(date_trunc('month', first AT TIME ZONE 'UTC'),
                                 last AT TIME ZONE 'UTC', interval '1 month') AS month)
        ELSE ARRAY(
            SELECT DISTINCT date_trunc('month', started_at, 'UTC')
            FROM usage_staging
            WHERE reason IS NULL AND started_at <= now())
    END)
FROM span

-- name: insert_import
-- The import's records take their ids from usage_records_id_seq in this session, whose
-- values only grow: they lie between first_usage_id, taken now, and last_usage_id, taken
-- when it finishes (the rater's batches are ranges of those).
INSERT INTO usage_imports (kind, source, format, file, tenant, time_zone, settings, actor,
                           first_usage_id)
VALUES (%(kind)s, %(source)s, %(format)s, %(file)s, %(tenant)s, %(time_zone)s, %(settings)s,
        %(actor)s, nextval('usage_records_id_seq'))
RETURNING id

-- name: insert_retry
-- A retry takes the lines quarantined before it started (`up_to`), not those it puts back.
INSERT INTO usage_imports (kind, source, actor, first_usage_id)
VALUES ('retry', %(source)s, %(actor)s, nextval('usage_records_id_seq'))
RETURNING id, (SELECT coalesce(max(id), 0) FROM usage_quarantine) AS up_to

-- name: finish_import
UPDATE usage_imports
SET finished_at = clock_timestamp(), received = %(received)s, accepted = %(accepted)s,
    filtered = %(filtered)s, duplicates = %(duplicates)s, quarantined = %(quarantined)s,
    last_usage_id = nextval('usage_records_id_seq')
WHERE id = %(id)s

-- name: get_import
SELECT * FROM usage_imports WHERE id = %(id)s

-- name: load_chunk
-- Classify and store one staged chunk, set-based. Each staged line ends in exactly one of:
--   quarantine   - it could not be parsed (`reason` from Python), or its event is in the
--                  future, or no account held its identifier at the event time, or (a part
--                  of cumulative counters) the part before it is not stored or its
--                  counter went down;
--   duplicate    - its line is in quarantine already, or its (source, record id) is stored
--                  already (from an earlier import or earlier in this file);
--   accepted / filtered - stored in usage_records ('billable' / 'filtered') with its key.
-- A bad line whose record id is stored already counts as a duplicate: the record was taken
-- in before (that look-up is made for bad lines only; good ones meet the key on insert).
-- Keys go in in record-id order: neighbouring keys share index pages, which makes the
-- insert several times faster than in file order.
-- Parts of sessions (staged with their `session` and `sequence`, NULL for every other line;
-- such imports always take this statement) continue the part before them, found in the keys
-- stored before or else among this chunk's parsed lines (the first line of that session and
-- sequence): from it each part takes the session's start and the usage through it (the
-- key's `counter`; part 1: its own start, from 0). With cumulative counters
-- `usage` is the session's counter so far and the part is stored with the difference; with
-- delta counters it is the part's own and the counter is the sum. A part whose previous part
-- is in neither, or continues no stored chain itself, waits in quarantine (retryable); a
-- counter below the previous part's is quarantined for good.
WITH chunk_lines AS MATERIALIZED (
    SELECT DISTINCT ON (session, sequence) session, sequence, usage, started_at
    FROM usage_staging
    WHERE reason IS NULL AND session IS NOT NULL
    ORDER BY session, sequence, line
),
-- Each run of consecutive sequences of a session in the chunk, from its first part.
chunk_runs AS (
    SELECT l.session, l.sequence, l.usage,
           first_value(l.sequence) OVER w AS first,
           first_value(l.started_at) OVER w AS first_started_at,
           sum(l.usage) OVER w AS run_usage
    FROM (SELECT c.*,
                 c.sequence - row_number() OVER (PARTITION BY c.session ORDER BY c.sequence)
                     AS run
          FROM chunk_lines c) AS l
    WINDOW w AS (PARTITION BY l.session, l.run ORDER BY l.sequence)
),
-- Each parsed part with the session's start and usage through it, continuing the part
-- before its run (for part 1: nothing; else the key an earlier import stored, or NULL).
chunk_parts AS MATERIALIZED (
    SELECT r.session, r.sequence,
           CASE WHEN %(cumulative)s THEN r.usage
                WHEN r.first = 1 THEN r.run_usage
                ELSE (b.k).counter + r.run_usage END AS counter,
           CASE WHEN r.first = 1 THEN r.first_started_at
                ELSE (b.k).session_started_at END AS session_started_at
    FROM chunk_runs r
    CROSS JOIN LATERAL (
        SELECT CASE WHEN r.first > 1 THEN
                   (SELECT k FROM usage_record_keys k
                    WHERE k.source = %(source)s
                      AND k.record_id = r.session || '#' || (r.first - 1)) END AS k
        OFFSET 0  -- a subquery of its own: looked up once, not once per field read
    ) b
),
classified AS MATERIALIZED (
    SELECT st.line, st.line_hash, st.raw, st.record_id, st.service, st.unit, st.destination,
           st.started_at,
           CASE WHEN %(cumulative)s THEN st.usage - p.previous ELSE st.usage END AS usage,
           CASE WHEN st.session IS NOT NULL
                THEN CASE WHEN %(cumulative)s THEN st.usage ELSE p.previous + st.usage END
           END AS counter,
           p.session_started_at,
           CASE WHEN st.sequence > 1 THEN p.previous END AS usage_before, st.billable,
           st.disposition,
           u.id AS identifier_id, u.account_id, u.subscription_id, c.external_id AS subject,
           v.problem, st.record_id IS NOT NULL AND NOT coalesce(v.below, false) AS retryable,
           CASE
               WHEN v.problem IS NULL THEN 'good'
               WHEN st.record_id IS NOT NULL AND EXISTS (
                   SELECT 1 FROM usage_record_keys k
                   WHERE k.source = %(source)s AND k.record_id = st.record_id) THEN 'seen'
               ELSE 'bad'
           END AS verdict,
           CASE WHEN v.problem IS NULL THEN nextval('usage_records_id_seq') END AS new_id
    FROM usage_staging st
    -- The value's hash leads the exclusion constraint's GiST index: named here, a probe
    -- of that index (the plan before the table has statistics, right after customers are
    -- imported in bulk) takes microseconds; without it each probe read most of the index,
    -- 15 ms a line (32 s for a file of 2,000 parts).
    LEFT JOIN usage_identifiers u
        ON st.reason IS NULL
           AND hashtextextended(u.value, 0) = hashtextextended(st.id_value, 0)
           AND u.kind = st.id_kind AND u.value = st.id_value
           AND u.validity @> st.started_at
    -- The account of the identifier found (joined to every identifier first, it made the
    -- planner hash all identifiers with their accounts for every chunk).
    LEFT JOIN customers c ON c.id = u.account_id
    LEFT JOIN chunk_parts cp ON cp.session = st.session AND cp.sequence = st.sequence - 1
    -- The stored part is looked up only for a part (a join would cost every other line).
    CROSS JOIN LATERAL (
        SELECT CASE WHEN st.session IS NOT NULL AND st.sequence > 1 THEN
                   (SELECT k FROM usage_record_keys k
                    WHERE k.source = %(source)s
                      AND k.record_id = st.session || '#' || (st.sequence - 1)) END AS k
        OFFSET 0
    ) pk
    CROSS JOIN LATERAL (
        SELECT CASE WHEN st.session IS NULL OR st.sequence = 1 THEN 0
                    WHEN (pk.k).usage_id IS NOT NULL THEN (pk.k).counter
                    ELSE cp.counter END AS previous,
               CASE WHEN st.session IS NULL THEN NULL
                    WHEN st.sequence = 1 THEN st.started_at
                    WHEN (pk.k).usage_id IS NOT NULL THEN (pk.k).session_started_at
                    ELSE cp.session_started_at END AS session_started_at
    ) p
    CROSS JOIN LATERAL (
        SELECT CASE
                   WHEN st.reason IS NOT NULL THEN st.reason
                   WHEN st.started_at > now() THEN
                       'the event time ' || st.started_at || ' is in the future'
                   WHEN u.id IS NULL THEN
                       'no account holds ' || st.id_kind || ' ' || st.id_value || ' at '
                       || st.started_at
                   WHEN st.session IS NOT NULL
                        AND (p.previous IS NULL OR p.session_started_at IS NULL) THEN
                       'part ' || (st.sequence - 1) || ' of session ' || st.session
                       || ' is not stored: '
                       || CASE WHEN %(cumulative)s
                               THEN 'a cumulative counter counts from the part before it'
                               ELSE 'a part is rated as the rest of the session before it'
                          END
                   WHEN %(cumulative)s AND st.usage < p.previous THEN
                       'counter ' || st.usage || ' of part ' || st.sequence || ' of session '
                       || st.session || ' is below part ' || (st.sequence - 1) || '''s '
                       || p.previous
               END AS problem,
               -- Refused for its counter: no retry makes it right.
               st.reason IS NULL AND st.started_at <= now() AND u.id IS NOT NULL
               AND %(cumulative)s AND st.usage < p.previous AS below
    ) v
),
quarantined AS (
    INSERT INTO usage_quarantine (source, line_hash, import_id, account_id, line, raw, reason,
                                  retryable)
    SELECT %(source)s, coalesce(line_hash, md5(raw)), %(quarantine_import_id)s, account_id,
           line, raw, problem, retryable
    FROM classified
    WHERE verdict = 'bad'
    ORDER BY line
    ON CONFLICT (source, line_hash) DO NOTHING
    RETURNING 1
),
keys AS (
    INSERT INTO usage_record_keys (source, record_id, usage_id, account_id, started_at,
                                   counter, session_started_at)
    SELECT %(source)s, record_id, new_id, account_id, started_at, counter, session_started_at
    FROM classified
    WHERE verdict = 'good'
    -- An id twice in one chunk: its first line is the record, the later ones its
    -- duplicates (ordering by the id alone left the choice to the sort, which is not stable).
    ORDER BY record_id, line
    ON CONFLICT (source, record_id) DO NOTHING
    RETURNING usage_id
),
stored AS (
    INSERT INTO usage_records (id, import_id, account_id, subscription_id, usage_identifier_id,
                               source, record_id, service, unit, category, subject, tenant,
                               destination, started_at, usage, status, disposition, line, raw,
                               session_started_at, usage_before)
    SELECT c.new_id, %(import_id)s, c.account_id, c.subscription_id, c.identifier_id,
           %(source)s, c.record_id, c.service, c.unit,
           CASE c.service WHEN 'voice' THEN 'call' ELSE c.service END,
           c.subject, %(tenant)s, c.destination, c.started_at, c.usage,
           CASE WHEN c.billable THEN 'billable' ELSE 'filtered' END,
           c.disposition, c.line, c.raw,
           CASE WHEN c.usage_before IS NOT NULL THEN c.session_started_at END, c.usage_before
    FROM classified c
    JOIN keys k ON k.usage_id = c.new_id
    RETURNING status, session_started_at
),
-- A later part is rated from its session's start, which can lie before every event of this
-- import: the import's first_event_at (the dates the rater makes a band schedule for) is
-- widened to it, so that the fast path finds the schedule of the session's start.
widened AS (
    UPDATE usage_imports i
    SET first_event_at = s.first
    FROM (SELECT min(session_started_at) AS first FROM stored) s
    WHERE i.id = %(import_id)s AND s.first < coalesce(i.first_event_at, 'infinity')
),
verdicts AS (
    SELECT count(*) AS received,
           count(*) FILTER (WHERE verdict = 'good') AS good,
           count(*) FILTER (WHERE verdict = 'bad') AS bad,
           count(*) FILTER (WHERE verdict = 'seen') AS seen
    FROM classified
),
outcomes AS (
    SELECT count(*) FILTER (WHERE status = 'billable') AS accepted,
           count(*) FILTER (WHERE status = 'filtered') AS filtered
    FROM stored
)
-- Duplicates: bad lines already quarantined or whose record is stored, and good lines
-- whose key was there (from before, or earlier in the chunk).
SELECT v.received, o.accepted, o.filtered, q.quarantined,
       v.seen + (v.bad - q.quarantined) + (v.good - o.accepted - o.filtered) AS duplicates
FROM verdicts v, outcomes o, (SELECT count(*) AS quarantined FROM quarantined) q

-- name: load_chunk_new
-- load_chunk for a chunk whose records are all new, the common case of a first import: the
-- keys go in with a plain INSERT (one index descent each instead of ON CONFLICT's two) and
-- the usage records straight from `classified`. A key that is there already makes the
-- statement fail with a unique violation; the importer then rolls it back to its savepoint
-- and loads the chunk (and the rest of the file) with load_chunk.
WITH classified AS MATERIALIZED (
    SELECT st.line, st.line_hash, st.raw, st.record_id, st.service, st.unit, st.destination,
           st.started_at, st.usage, st.billable, st.disposition,
           u.id AS identifier_id, u.account_id, u.subscription_id, c.external_id AS subject,
           v.problem,
           CASE
               WHEN v.problem IS NULL THEN 'good'
               WHEN st.record_id IS NOT NULL AND EXISTS (
                   SELECT 1 FROM usage_record_keys k
                   WHERE k.source = %(source)s AND k.record_id = st.record_id) THEN 'seen'
               ELSE 'bad'
           END AS verdict,
           CASE WHEN v.problem IS NULL THEN nextval('usage_records_id_seq') END AS new_id
    FROM usage_staging st
    LEFT JOIN usage_identifiers u
        ON st.reason IS NULL
           AND hashtextextended(u.value, 0) = hashtextextended(st.id_value, 0)
           AND u.kind = st.id_kind AND u.value = st.id_value
           AND u.validity @> st.started_at
    LEFT JOIN customers c ON c.id = u.account_id
    CROSS JOIN LATERAL (
        SELECT CASE
                   WHEN st.reason IS NOT NULL THEN st.reason
                   WHEN st.started_at > now() THEN
                       'the event time ' || st.started_at || ' is in the future'
                   WHEN u.id IS NULL THEN
                       'no account holds ' || st.id_kind || ' ' || st.id_value || ' at '
                       || st.started_at
               END AS problem
    ) v
),
quarantined AS (
    INSERT INTO usage_quarantine (source, line_hash, import_id, account_id, line, raw, reason,
                                  retryable)
    SELECT %(source)s, coalesce(line_hash, md5(raw)), %(quarantine_import_id)s, account_id,
           line, raw, problem, record_id IS NOT NULL
    FROM classified
    WHERE verdict = 'bad'
    ORDER BY line
    ON CONFLICT (source, line_hash) DO NOTHING
    RETURNING 1
),
keys AS (
    INSERT INTO usage_record_keys (source, record_id, usage_id, account_id, started_at)
    SELECT %(source)s, record_id, new_id, account_id, started_at
    FROM classified
    WHERE verdict = 'good'
    ORDER BY record_id
),
stored AS (
    INSERT INTO usage_records (id, import_id, account_id, subscription_id, usage_identifier_id,
                               source, record_id, service, unit, category, subject, tenant,
                               destination, started_at, usage, status, disposition, line, raw)
    SELECT new_id, %(import_id)s, account_id, subscription_id, identifier_id,
           %(source)s, record_id, service, unit,
           CASE service WHEN 'voice' THEN 'call' ELSE service END,
           subject, %(tenant)s, destination, started_at, usage,
           CASE WHEN billable THEN 'billable' ELSE 'filtered' END,
           disposition, line, raw
    FROM classified
    WHERE verdict = 'good'
),
-- Every good row is stored (or the statement fails): the outcomes are counted from
-- `classified`, without returning the stored rows.
verdicts AS (
    SELECT count(*) AS received,
           count(*) FILTER (WHERE verdict = 'good' AND billable) AS accepted,
           count(*) FILTER (WHERE verdict = 'good' AND NOT billable) AS filtered,
           count(*) FILTER (WHERE verdict = 'bad') AS bad,
           count(*) FILTER (WHERE verdict = 'seen') AS seen
    FROM classified
)
SELECT v.received, v.accepted, v.filtered, q.quarantined,
       v.seen + (v.bad - q.quarantined) AS duplicates
FROM verdicts v, (SELECT count(*) AS quarantined FROM quarantined) q

-- name: quarantine_list
SELECT q.id, q.source, q.line, q.reason, q.raw, q.import_id, i.file, q.quarantined_at
FROM usage_quarantine q
JOIN usage_imports i ON i.id = q.import_id
WHERE (%(source)s::text IS NULL OR q.source = %(source)s::text)
  AND q.id > %(after_id)s
ORDER BY q.id
LIMIT %(limit)s

-- name: quarantine_count
SELECT count(*) AS count
FROM usage_quarantine
WHERE %(source)s::text IS NULL OR source = %(source)s::text

-- name: quarantine_imports
-- The imports whose lines wait in quarantine, with the settings that read them.
SELECT i.id, i.source, i.format, i.file, i.tenant, i.time_zone, i.settings
FROM usage_imports i
WHERE i.id IN (SELECT DISTINCT import_id FROM usage_quarantine
               WHERE retryable AND (%(source)s::text IS NULL OR source = %(source)s::text))
ORDER BY i.id

-- name: quarantine_take
-- The next lines of one import to retry, removed from quarantine: those still bad are
-- quarantined again by load_chunk, with their reason as it is now.
DELETE FROM usage_quarantine
WHERE id IN (SELECT id FROM usage_quarantine
             WHERE import_id = %(import_id)s AND retryable AND id <= %(up_to)s
               AND (%(source)s::text IS NULL OR source = %(source)s::text)
               AND id > %(after_id)s
             ORDER BY id
             LIMIT %(limit)s)
RETURNING id, source, line, line_hash, raw

-- name: records_of_import
SELECT id, account_id, source, record_id, service, unit, category, subject, tenant,
       destination, started_at, usage, status, disposition, line, raw
FROM usage_records
WHERE import_id = %(import_id)s
ORDER BY line, id
