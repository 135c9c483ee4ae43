-- A subscription's history is appended to, never rewritten.
CREATE OR REPLACE FUNCTION subscription_changes_append_only() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'subscription history is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE OR REPLACE TRIGGER subscription_changes_append_only
BEFORE UPDATE OR DELETE ON subscription_changes
FOR EACH ROW EXECUTE FUNCTION subscription_changes_append_only();
