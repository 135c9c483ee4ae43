-- A bill run looks for usage that arrived after the invoice of its period was finalized
-- (src/tarifa/sql/queries/bill_runs.sql, late_periods): by subscription and service end.
CREATE INDEX invoice_lines_usage ON invoice_lines (subscription_id, service_end)
    WHERE kind = 'usage';
