-- Parts of one session (issue 4, "Usage intake"; docs/rating.md): a part's record id is
-- `<session>#<sequence>`, so its key is an ordinary (source, record_id) key. A part of
-- cumulative counters (interim updates whose usage is the session's total so far) is stored
-- with the difference from the part before it; the key keeps the part's counter as the file
-- gave it, from which the next part of the session, in a later file, is differenced.
-- NULL for every other record.
ALTER TABLE usage_record_keys
    ADD COLUMN counter numeric CONSTRAINT usage_record_keys_counter_check CHECK (counter >= 0);
