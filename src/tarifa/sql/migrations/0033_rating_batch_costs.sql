-- What each batch's rated records cost, per currency ({"EUR": "12.3400"}), written with the
-- batch: a run's costs are the sum over its batches, where they were the sum over its rated
-- records, read again at the end of every run (a scan of whole months of rated_usage).
-- NULL for batches rated before this column.
ALTER TABLE rating_batches ADD COLUMN costs jsonb;

-- The batch raters return these costs too (sql/functions/rating.sql creates them again):
-- a function's result type cannot be changed in place.
DROP FUNCTION IF EXISTS rating_rate_range(bigint, bigint, bigint, bigint);
DROP FUNCTION IF EXISTS rating_rate_source(bigint, text, bigint, bigint, bigint);
DROP FUNCTION IF EXISTS rating_rate_general(bigint);
