-- Rating stays as fast with millions of customers as with thousands (docs/rating.md,
-- "Many customers").
--
-- The rater joins the accounts' currencies only when one can differ from its tariff's. With
-- one currency among the current tariffs (the usual case) it reads the least and the
-- greatest currency of any account from this index, where it read every customer for every
-- batch: 0.3 s of a 1.1 s batch at 2,100,000 customers.
CREATE INDEX customers_currency ON customers (currency);
