-- name: post
SELECT ledger_post(%(ids)s, %(actor)s) AS posted

-- name: customer_balances
-- A customer's receivable and customer-credit accounts, per currency: debit - credit.
SELECT a.kind, a.currency, coalesce(sum(l.debit - l.credit), 0) AS balance
FROM ledger_accounts a
LEFT JOIN journal_lines l ON l.ledger_account_id = a.id
WHERE a.customer_id = %(customer_id)s
GROUP BY a.kind, a.currency
ORDER BY a.currency, a.kind

-- name: trial_balance
SELECT a.kind, a.subject, a.currency,
       coalesce(sum(l.debit), 0) AS debit, coalesce(sum(l.credit), 0) AS credit
FROM ledger_accounts a
LEFT JOIN journal_lines l ON l.ledger_account_id = a.id
GROUP BY a.id, a.kind, a.subject, a.currency
ORDER BY a.currency, a.kind, a.subject

-- name: aging
-- What each invoice still owes on the receivable accounts, by days past its due date on
-- `as_of`, summed per customer and currency.
WITH open AS (
    SELECT i.account_id, i.currency, i.due_date, sum(l.debit - l.credit) AS owed
    FROM journal_lines l
    JOIN ledger_accounts a ON a.id = l.ledger_account_id AND a.kind = 'receivable'
    JOIN invoices i ON i.id = l.invoice_id
    GROUP BY i.id, i.account_id, i.currency, i.due_date
    HAVING sum(l.debit - l.credit) <> 0
)
SELECT o.account_id, c.external_id, o.currency,
       sum(o.owed) FILTER (WHERE %(as_of)s <= o.due_date) AS current,
       sum(o.owed) FILTER (WHERE %(as_of)s - o.due_date BETWEEN 1 AND 30) AS days_1_30,
       sum(o.owed) FILTER (WHERE %(as_of)s - o.due_date BETWEEN 31 AND 60) AS days_31_60,
       sum(o.owed) FILTER (WHERE %(as_of)s - o.due_date BETWEEN 61 AND 90) AS days_61_90,
       sum(o.owed) FILTER (WHERE %(as_of)s - o.due_date > 90) AS days_over_90,
       sum(o.owed) AS total
FROM open o
JOIN customers c ON c.id = o.account_id
GROUP BY o.account_id, c.external_id, o.currency
ORDER BY o.currency, c.external_id
