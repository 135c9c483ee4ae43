-- Allowances over rated usage (issue 5, point 3; docs/billing.md "Allowances over rated
-- usage").
--
-- billing_consume_allowances(p_from, p_to) reads pg_temp.billing_allowances (account_id,
-- category, included, unit: the included quantity of a category of usage and the size of
-- one unit in the usage's own unit, e.g. 200 minutes of 60 seconds) and returns, for every
-- rated record of those accounts and categories whose event starts in [p_from, p_to), how
-- much of its billed usage the allowance covered and what is left to charge. The allowance
-- is consumed in event-time order (a running sum over the records, by window function),
-- never twice: the record that crosses the boundary is covered in part and charged for the
-- rest, its cost in proportion (half-up to 12 decimals, as the rater's spans).
-- What a rated record costs when `covered` of its `billed` usage is inside an allowance: its
-- precise cost for the part beyond, in proportion, half-up to 12 decimals.
CREATE OR REPLACE FUNCTION billing_charged_cost(cost numeric, billed numeric, covered numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE
AS $$
    SELECT CASE WHEN covered = 0 THEN cost
                WHEN covered = billed THEN 0
                ELSE div(2 * cost * (billed - covered) * 1000000000000 + billed, 2 * billed)
                     * 0.000000000001
           END
$$;

CREATE OR REPLACE FUNCTION billing_consume_allowances(p_from timestamptz, p_to timestamptz)
RETURNS TABLE (usage_id bigint, started_at timestamptz, account_id bigint, category text,
               billed numeric, covered numeric, cost numeric, charged_cost numeric)
LANGUAGE plpgsql STABLE
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY
    WITH used AS (
        SELECT r.usage_id, r.started_at, r.account_id, u.category, r.billed_usage,
               r.precise_cost, a.included * a.unit AS included
        FROM pg_temp.billing_allowances a
        JOIN rated_usage r ON r.account_id = a.account_id
        JOIN usage_records u
            ON u.id = r.usage_id AND u.started_at = r.started_at AND u.category = a.category
        WHERE r.started_at >= p_from AND r.started_at < p_to
          AND u.started_at >= p_from AND u.started_at < p_to
    ),
    running AS (
        SELECT used.*,
               sum(billed_usage) OVER (PARTITION BY account_id, category
                                       ORDER BY started_at, usage_id
                                       ROWS UNBOUNDED PRECEDING) - billed_usage AS before
        FROM used
    ),
    covered AS (
        SELECT running.*,
               least(billed_usage, greatest(included - before, 0)) AS covered_usage
        FROM running
    )
    SELECT c.usage_id, c.started_at, c.account_id, c.category, c.billed_usage,
           c.covered_usage, c.precise_cost,
           billing_charged_cost(c.precise_cost, c.billed_usage, c.covered_usage)
    FROM covered c;
END;
$$;
