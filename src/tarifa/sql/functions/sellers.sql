-- Invoice numbers (sql/migrations/0009_create_sellers.sql).

-- The next number of seller p_seller's series for an invoice dated p_day: the counter of its
-- year (or of year 0 for a series without {year}) goes up by one under its row lock, in the
-- caller's transaction. Concurrent finalizations of one seller take turns; a rollback gives
-- the number back, so a series has no gaps.
CREATE OR REPLACE FUNCTION seller_next_invoice_number(p_seller bigint, p_day date)
RETURNS TABLE (number bigint, formatted text)
LANGUAGE plpgsql
AS $$
DECLARE
    s sellers%ROWTYPE;
    counter_year integer;
    taken bigint;
BEGIN
    SELECT * INTO s FROM sellers WHERE id = p_seller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no seller %', p_seller USING ERRCODE = 'no_data_found';
    END IF;
    counter_year := CASE WHEN s.series_pattern LIKE '%{year}%'
                         THEN extract(year FROM p_day)::integer ELSE 0 END;
    INSERT INTO invoice_number_counters AS c (seller_id, year, last_number)
    VALUES (p_seller, counter_year, 1)
    ON CONFLICT (seller_id, year) DO UPDATE SET last_number = c.last_number + 1
    RETURNING c.last_number INTO taken;
    RETURN QUERY SELECT taken,
        replace(replace(s.series_pattern, '{year}', lpad(extract(year FROM p_day)::text, 4, '0')),
                '{number}', lpad(taken::text, s.series_width, '0'));
END;
$$;

-- A block of `p_count` consecutive numbers of the seller's series for invoices dated
-- `p_day`, in the caller's transaction (a bill run finalizing a batch): gapless as long as
-- the caller uses them all, which it does or rolls back.
CREATE OR REPLACE FUNCTION seller_take_invoice_numbers(p_seller bigint, p_day date,
                                                       p_count integer)
RETURNS TABLE (number bigint, formatted text)
LANGUAGE plpgsql
AS $$
DECLARE
    s sellers%ROWTYPE;
    counter_year integer;
    last_taken bigint;
BEGIN
    SELECT * INTO s FROM sellers WHERE id = p_seller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no seller %', p_seller USING ERRCODE = 'no_data_found';
    END IF;
    counter_year := CASE WHEN s.series_pattern LIKE '%{year}%'
                         THEN extract(year FROM p_day)::integer ELSE 0 END;
    INSERT INTO invoice_number_counters AS c (seller_id, year, last_number)
    VALUES (p_seller, counter_year, p_count)
    ON CONFLICT (seller_id, year) DO UPDATE SET last_number = c.last_number + p_count
    RETURNING c.last_number INTO last_taken;
    RETURN QUERY SELECT n,
        replace(replace(s.series_pattern, '{year}', lpad(extract(year FROM p_day)::text, 4, '0')),
                '{number}', lpad(n::text, s.series_width, '0'))
    FROM generate_series(last_taken - p_count + 1, last_taken) AS n;
END;
$$;
