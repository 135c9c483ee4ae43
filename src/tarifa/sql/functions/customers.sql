-- Customer hierarchy rules, guarded in the database (the service checks them first and gives
-- friendlier errors; these triggers hold for every writer, bulk imports included).
--
-- A parent account pays its children's invoices, so:
--   * the parent is a business account (a corporate account; a person does not pay for others),
--   * it bills in the same currency as each child (its invoices and ledger are in one currency),
--   * it is not closed when a child is attached to it,
--   * the hierarchy has no cycles (an account is never its own ancestor),
--   * an account with open children cannot be closed, become a person, or change currency.
-- Errors carry SQLSTATE 23514 (check_violation) and a constraint name the service maps.

CREATE OR REPLACE FUNCTION customers_check_parent() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    parent record;
    ancestor bigint;
    hops integer := 0;
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    -- FOR SHARE: the parent cannot be closed (or change currency) until this commits.
    SELECT id, external_id, kind, currency, status INTO parent
    FROM customers WHERE id = NEW.parent_id FOR SHARE;
    IF NOT FOUND THEN
        RETURN NEW;  -- the foreign key reports a parent that does not exist
    END IF;
    IF parent.kind <> 'business' THEN
        RAISE EXCEPTION 'customer % (%): parent % (%) is not a business account',
            NEW.id, NEW.external_id, parent.id, parent.external_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    IF parent.currency <> NEW.currency THEN
        RAISE EXCEPTION 'customer % (%) bills in %, its parent % (%) in %',
            NEW.id, NEW.external_id, NEW.currency, parent.id, parent.external_id,
            parent.currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    IF TG_OP = 'INSERT' OR NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        IF parent.status = 'closed' THEN
            RAISE EXCEPTION 'customer % (%): parent % (%) is closed',
                NEW.id, NEW.external_id, parent.id, parent.external_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
        END IF;
        IF TG_OP = 'UPDATE' THEN
            -- A new row has no descendants, so only a changed parent can close a cycle. The
            -- lock serializes hierarchy changes, so two concurrent ones cannot each miss the
            -- other's half of a cycle.
            PERFORM pg_advisory_xact_lock(7402118553);
            ancestor := NEW.parent_id;
            WHILE ancestor IS NOT NULL LOOP
                IF ancestor = NEW.id THEN
                    RAISE EXCEPTION 'customer % (%): parent % would make a cycle',
                        NEW.id, NEW.external_id, NEW.parent_id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_cycle';
                END IF;
                hops := hops + 1;
                IF hops > 1000 THEN
                    RAISE EXCEPTION 'customer % (%): hierarchy deeper than 1000 levels',
                        NEW.id, NEW.external_id
                        USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_cycle';
                END IF;
                SELECT c.parent_id INTO ancestor FROM customers c WHERE c.id = ancestor;
            END LOOP;
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION customers_check_children() RETURNS trigger
LANGUAGE plpgsql
AS $$
DECLARE
    child record;
BEGIN
    SELECT id, external_id, currency, status INTO child
    FROM customers
    WHERE parent_id = NEW.id
      AND (status <> 'closed' OR NEW.kind <> 'business' OR currency <> NEW.currency)
    ORDER BY id
    LIMIT 1;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    IF NEW.status = 'closed' AND child.status <> 'closed' THEN
        RAISE EXCEPTION 'customer % (%) has open child accounts, such as % (%)',
            NEW.id, NEW.external_id, child.id, child.external_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_open_children';
    END IF;
    IF NEW.kind <> 'business' THEN
        RAISE EXCEPTION 'customer % (%) has child accounts and must stay a business',
            NEW.id, NEW.external_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    IF child.currency <> NEW.currency THEN
        RAISE EXCEPTION 'customer % (%) has child accounts billed in %',
            NEW.id, NEW.external_id, child.currency
            USING ERRCODE = 'check_violation', CONSTRAINT = 'customers_parent_rules';
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER customers_parent_on_insert
    BEFORE INSERT ON customers
    FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL)
    EXECUTE FUNCTION customers_check_parent();

CREATE OR REPLACE TRIGGER customers_parent_on_update
    BEFORE UPDATE OF parent_id, currency ON customers
    FOR EACH ROW WHEN (NEW.parent_id IS NOT NULL AND (NEW.parent_id IS DISTINCT FROM OLD.parent_id
                                                      OR NEW.currency <> OLD.currency))
    EXECUTE FUNCTION customers_check_parent();

CREATE OR REPLACE TRIGGER customers_children_on_update
    BEFORE UPDATE OF kind, currency, status ON customers
    FOR EACH ROW WHEN (NEW.kind <> OLD.kind OR NEW.currency <> OLD.currency
                       OR (NEW.status = 'closed' AND OLD.status <> 'closed'))
    EXECUTE FUNCTION customers_check_children();
