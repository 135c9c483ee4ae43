-- Parts of one session are rated as the session they make up (issue 4, "Usage intake";
-- docs/rating.md, "Parts of sessions"): part k costs what the session costs through part k
-- less what it cost through part k - 1, both rated from the session's start. So the parts of
-- a call cut hourly pay one connect fee and one rounding, as the whole call would.
--
-- The key of every part (delta or cumulative counters) keeps the session's usage through it
-- (`counter`) and the session's start (the start of its part 1), from which the next part, in
-- this file or a later one, continues. A stored part after the first has the session's
-- start and the usage of the parts before it; NULL for part 1 and for every other record.
-- Parts stored before this migration have no session start: a later part of such a session
-- waits in quarantine (it is never rated alone).
ALTER TABLE usage_record_keys ADD COLUMN session_started_at timestamptz;

ALTER TABLE usage_records
    ADD COLUMN session_started_at timestamptz,
    ADD COLUMN usage_before numeric
        CONSTRAINT usage_records_usage_before_check CHECK (usage_before >= 0),
    ADD CONSTRAINT usage_records_part_check
        CHECK ((session_started_at IS NULL) = (usage_before IS NULL));
