-- A stored plan version never changes: subscriptions stay on the version they started on, and
-- their invoices must be reproducible from it. A new price is a new version (a later
-- effective_from). These triggers refuse any UPDATE or DELETE of a version and of what hangs
-- off it, for every writer. SQLSTATE 23514 (check_violation), constraint catalog_immutable.

CREATE OR REPLACE FUNCTION catalog_refuse_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% of % is refused: stored catalog versions never change', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = 'catalog_immutable',
              HINT = 'load a new plan version with a later effective_from';
END
$$;

CREATE OR REPLACE TRIGGER catalog_plan_versions_immutable
    BEFORE UPDATE OR DELETE ON catalog_plan_versions
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE OR REPLACE TRIGGER catalog_minimum_commitments_immutable
    BEFORE UPDATE OR DELETE ON catalog_minimum_commitments
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE OR REPLACE TRIGGER catalog_charges_immutable
    BEFORE UPDATE OR DELETE ON catalog_charges
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE OR REPLACE TRIGGER catalog_charge_prices_immutable
    BEFORE UPDATE OR DELETE ON catalog_charge_prices
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE OR REPLACE TRIGGER catalog_promotions_immutable
    BEFORE UPDATE OR DELETE ON catalog_promotions
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE OR REPLACE TRIGGER catalog_promotion_prices_immutable
    BEFORE UPDATE OR DELETE ON catalog_promotion_prices
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
-- Coupons are counted by their redemptions: changing one would change what was promised.
CREATE OR REPLACE TRIGGER catalog_coupons_immutable
    BEFORE UPDATE OR DELETE ON catalog_coupons
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
CREATE OR REPLACE TRIGGER catalog_coupon_amounts_immutable
    BEFORE UPDATE OR DELETE ON catalog_coupon_amounts
    FOR EACH ROW EXECUTE FUNCTION catalog_refuse_change();
