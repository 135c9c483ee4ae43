-- name: by_key
SELECT * FROM payments WHERE idempotency_key = %(key)s

-- name: lock_account
SELECT id FROM customers WHERE id = %(account_id)s FOR UPDATE

-- name: insert
INSERT INTO payments (account_id, method_id, kind, amount, currency, status, idempotency_key,
                      invoice_id, reference, received_on, actor)
VALUES (%(account_id)s, %(method_id)s, %(kind)s, %(amount)s, %(currency)s, %(status)s,
        %(key)s, %(invoice_id)s, %(reference)s, %(received_on)s, %(actor)s)
RETURNING *

-- name: named_invoice
-- The invoice a payer names: by number or by RF creditor reference (spaces and case as
-- banks print them are ignored), of this account.
SELECT id FROM invoices
WHERE account_id = %(account_id)s AND status = 'finalized'
  AND (number = %(text)s
       OR creditor_reference = upper(replace(%(text)s, ' ', '')))

-- name: insert_allocation
INSERT INTO invoice_allocations (invoice_id, amount, source, reference, actor, payment_id)
VALUES (%(invoice_id)s, %(amount)s, 'payment', %(reference)s, %(actor)s, %(payment_id)s)

-- name: insert_credit
INSERT INTO customer_credits (account_id, currency, amount, source, payment_id, reference,
                              actor)
VALUES (%(account_id)s, %(currency)s, %(amount)s, 'payment', %(payment_id)s, %(reference)s,
        %(actor)s)

-- name: post_credit
SELECT ledger_post_payment_credit(%(payment_id)s, %(actor)s) AS posted

-- name: of_account
SELECT * FROM payments WHERE account_id = %(account_id)s ORDER BY id

-- name: allocations_of
SELECT invoice_id, amount FROM invoice_allocations WHERE payment_id = %(payment_id)s ORDER BY id

-- name: credit_of
SELECT coalesce(sum(amount), 0) AS amount FROM customer_credits WHERE payment_id = %(payment_id)s

-- name: due_for_collection
-- Finalized invoices with something left to pay (less what open line disputes hold back),
-- due on or before the day, whose account pays by a card of this gateway by default, with no
-- attempt still pending or unknown and none declined the same day (collecting twice a day
-- charges nobody twice; retrying a declined card is dunning's, on its days).
SELECT i.id, i.account_id, i.currency, i.number, b.balance - b.disputed AS balance,
       m.id AS method_id, m.token
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
JOIN payment_methods m
    ON m.account_id = i.account_id AND m.is_default AND m.kind = 'card'
   AND m.status = 'active' AND m.gateway = %(gateway)s
WHERE i.status = 'finalized' AND b.balance - b.disputed > 0 AND i.due_date <= %(on)s
  AND NOT EXISTS (SELECT 1 FROM payments p
                  WHERE p.invoice_id = i.id
                    AND (p.status IN ('pending', 'unknown')
                         OR (p.kind = 'card' AND p.status = 'failed' AND p.received_on = %(on)s
                             AND p.failure_code IS DISTINCT FROM 'not_received')))
ORDER BY i.due_date, i.id

-- name: claim_invoice
-- The invoice to collect, unless another collector holds it; rechecked under its lock.
SELECT i.id, b.balance - b.disputed AS balance,
       (SELECT count(*) FROM payments p WHERE p.invoice_id = i.id AND p.kind = 'card')
           AS attempts,
       EXISTS (SELECT 1 FROM payments p
               WHERE p.invoice_id = i.id AND p.status IN ('pending', 'unknown')) AS open_attempt
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.id = %(id)s
FOR UPDATE OF i SKIP LOCKED

-- name: insert_attempt
INSERT INTO payments (account_id, method_id, kind, amount, currency, status, idempotency_key,
                      invoice_id, gateway, received_on, actor)
VALUES (%(account_id)s, %(method_id)s, 'card', %(amount)s, %(currency)s, 'pending', %(key)s,
        %(invoice_id)s, %(gateway)s, %(on)s, %(actor)s)
RETURNING *

-- name: lock_payment
SELECT * FROM payments WHERE id = %(id)s FOR UPDATE

-- name: settle_attempt
UPDATE payments
SET status = %(status)s, gateway_reference = %(reference)s, failure_code = %(code)s,
    failure_message = %(message)s, updated_at = clock_timestamp()
WHERE id = %(id)s
RETURNING *

-- name: to_resolve
-- Attempts still pending (older than the grace: a collector may be waiting for the answer)
-- or unknown, of this gateway.
SELECT id FROM payments
WHERE gateway = %(gateway)s
  AND (status = 'unknown'
       OR (status = 'pending' AND created_at < clock_timestamp() - make_interval(secs => %(older_than)s)))
ORDER BY id

-- name: due_for_direct_debit
-- Finalized EUR invoices of the seller due on or before the collection day, with something
-- left to pay (less what open line disputes hold back), whose account pays by SEPA direct
-- debit by default, with no attempt open.
SELECT i.id, i.account_id, i.number, i.creditor_reference, b.balance - b.disputed AS balance,
       c.legal_name,
       m.id AS method_id, m.iban, m.bic, m.mandate_id, m.mandate_signed_on, m.sequence
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
JOIN customers c ON c.id = i.account_id
JOIN payment_methods m
    ON m.account_id = i.account_id AND m.is_default AND m.kind = 'sepa_debit'
   AND m.status = 'active'
WHERE i.status = 'finalized' AND i.currency = 'EUR' AND i.seller_id = %(seller_id)s
  AND b.balance - b.disputed > 0 AND i.due_date <= %(on)s
  AND NOT EXISTS (SELECT 1 FROM payments p
                  WHERE p.invoice_id = i.id AND p.status IN ('pending', 'unknown'))
ORDER BY m.id, i.due_date, i.id
FOR UPDATE OF i SKIP LOCKED

-- name: insert_debit
INSERT INTO payments (account_id, method_id, kind, amount, currency, status, idempotency_key,
                      invoice_id, reference, gateway, received_on, actor)
SELECT %(account_id)s, %(method_id)s, 'sepa_debit', %(amount)s, 'EUR', 'pending',
       'sepa:' || %(invoice_id)s || ':' ||
           (SELECT count(*) + 1 FROM payments WHERE invoice_id = %(invoice_id)s
                                                AND kind = 'sepa_debit'),
       %(invoice_id)s, %(reference)s, 'sepa', %(on)s, %(actor)s
RETURNING id

-- name: mandates_used
-- After its first collection a mandate is recurring.
UPDATE payment_methods SET sequence = 'RCUR'
WHERE id = ANY(%(ids)s) AND sequence = 'FRST'

-- name: by_ids
SELECT * FROM payments WHERE id = ANY(%(ids)s) ORDER BY id

-- name: overdue
-- Finalized invoices with something left to pay past their due date on the run's day, less
-- what open line disputes hold back, the steps they had and the reminders they sent.
SELECT i.id, i.account_id, i.number, i.due_date, b.balance - b.disputed AS balance,
       array(SELECT e.day FROM dunning_events e WHERE e.invoice_id = i.id
             AND e.action <> 'resume') AS done,
       (SELECT count(*) FROM dunning_events e WHERE e.invoice_id = i.id
            AND e.action = 'remind' AND e.taken) AS reminded
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.status = 'finalized' AND b.balance - b.disputed > 0 AND i.due_date < %(on)s
  -- A chargeback keeps its whole invoice out until it ends.
  AND NOT EXISTS (SELECT 1 FROM disputes d
                  WHERE d.invoice_id = i.id AND d.status = 'open' AND d.kind = 'chargeback')
ORDER BY i.account_id, i.due_date, i.id

-- name: plan_schedules
-- The dunning schedules of the plans the accounts' subscriptions are on, on the day: the plan
-- of each subscription's latest change naming one, effective on or before the day (ended
-- subscriptions count: their debt is dunned by their plan's schedule).
SELECT DISTINCT s.account_id, p.code, p.dunning
FROM subscriptions s
CROSS JOIN LATERAL (SELECT c.plan FROM subscription_changes c
                    WHERE c.subscription_id = s.id AND c.plan IS NOT NULL
                      AND c.effective <= %(on)s
                    ORDER BY c.effective DESC, c.position DESC
                    LIMIT 1) latest
JOIN catalog_plans p ON p.code = latest.plan
WHERE s.account_id = ANY(%(accounts)s)
ORDER BY s.account_id, p.code

-- name: insert_dunning_event
INSERT INTO dunning_events (invoice_id, account_id, day, action, taken, detail, run_on, actor,
                            notice, mail)
VALUES (%(invoice_id)s, %(account_id)s, %(day)s, %(action)s, %(taken)s, %(detail)s::jsonb,
        %(on)s, %(actor)s, %(notice)s, CASE WHEN %(notice)s::text IS NOT NULL THEN 'pending' END)
ON CONFLICT (invoice_id, day) WHERE action <> 'resume' DO NOTHING
RETURNING id

-- name: left_to_write_off
-- Under the invoice's lock: what is left of it, less what open line disputes hold back.
SELECT i.id, i.currency, i.number, b.balance - b.disputed AS amount
FROM invoices i JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.id = %(id)s
FOR UPDATE OF i

-- name: insert_write_off
INSERT INTO invoice_allocations (invoice_id, amount, source, reference, actor)
VALUES (%(invoice_id)s, %(amount)s, 'write_off', %(reference)s, %(actor)s)
RETURNING id

-- name: note_written_off
UPDATE dunning_events
SET detail = detail || jsonb_build_object('written_off', %(amount)s::text)
WHERE id = %(id)s

-- name: suspended_by_dunning
-- Accounts whose subscriptions dunning suspended and did not resume since, unless it wrote
-- off one of their invoices since (a person decides what becomes of those subscriptions).
SELECT e.account_id, e.detail
FROM dunning_events e
WHERE e.action = 'suspend' AND e.taken
  AND NOT EXISTS (SELECT 1 FROM dunning_events r
                  WHERE r.account_id = e.account_id AND r.action IN ('resume', 'write_off')
                    AND r.taken AND r.id > e.id)

-- name: note_suspension
-- The subscriptions a suspension step stopped (resumed by the same ids later).
UPDATE dunning_events
SET detail = detail || jsonb_build_object('subscriptions', %(subscriptions)s::jsonb)
WHERE account_id = %(account_id)s AND action = 'suspend' AND taken AND run_on = %(on)s

-- name: unsent_notices
-- Notices recorded and not sent yet, with what they say and where they go.
SELECT e.id, e.notice, e.detail, e.invoice_id, e.account_id,
       i.number, i.currency, i.due_date, i.creditor_reference,
       greatest(b.balance - b.disputed, 0) AS due,
       c.legal_name, c.emails, c.locale,
       s.legal_name AS seller_name, s.iban, s.bic, s.email AS seller_email
FROM dunning_events e
JOIN invoices i ON i.id = e.invoice_id
JOIN invoice_balances b ON b.invoice_id = i.id
JOIN customers c ON c.id = e.account_id
JOIN sellers s ON s.id = i.seller_id
WHERE e.mail = 'pending'
ORDER BY e.id

-- name: claim_notice
-- A pending notice, unless another run is sending it.
SELECT id FROM dunning_events WHERE id = %(id)s AND mail = 'pending' FOR UPDATE SKIP LOCKED

-- name: mark_notice
UPDATE dunning_events
SET mail = %(mail)s, message_id = %(message_id)s, mail_error = NULL,
    sent_at = CASE WHEN %(mail)s = 'sent' THEN clock_timestamp() END
WHERE id = %(id)s AND mail = 'pending'
RETURNING id

-- name: note_mail_error
UPDATE dunning_events SET mail_error = %(error)s WHERE id = %(id)s AND mail = 'pending'

-- name: payment_by_reference
SELECT * FROM payments WHERE gateway_reference = %(reference)s FOR UPDATE

-- name: open_dispute
-- A chargeback, with the gateway's deadline for evidence or, without one, the default days.
WITH now AS (SELECT clock_timestamp() AS at)
INSERT INTO disputes (kind, payment_id, invoice_id, account_id, amount, currency, reason,
                      gateway_reference, opened_at, evidence_due_by, actor)
SELECT 'chargeback', %(payment_id)s, %(invoice_id)s, %(account_id)s, %(amount)s,
       %(currency)s, %(reason)s, %(reference)s, now.at,
       coalesce(%(due_by)s::timestamptz, now.at + make_interval(days => %(days)s)), %(actor)s
FROM now
ON CONFLICT (gateway_reference) DO NOTHING
RETURNING *

-- name: lock_dispute
SELECT * FROM disputes
WHERE id = %(id)s OR (%(id)s::bigint IS NULL AND gateway_reference = %(reference)s)
FOR UPDATE

-- name: dispute_by_id_or_reference
SELECT * FROM disputes
WHERE id = %(id)s OR (%(id)s::bigint IS NULL AND gateway_reference = %(reference)s)

-- name: insert_dispute_note
INSERT INTO dispute_notes (dispute_id, note, actor)
VALUES (%(id)s, %(note)s, %(actor)s)
RETURNING id

-- name: dispute_notes
SELECT * FROM dispute_notes WHERE dispute_id = %(id)s ORDER BY id

-- name: disputes_listed
-- Open ones first, by nearest deadline; then the rest, newest first.
SELECT * FROM disputes
WHERE (%(status)s::text IS NULL OR status = %(status)s)
  AND (%(account_id)s::bigint IS NULL OR account_id = %(account_id)s)
ORDER BY status <> 'open', evidence_due_by NULLS LAST, id DESC

-- name: invoice_of_text
-- A finalized invoice by its number, or by its id written as digits.
SELECT id FROM invoices
WHERE status = 'finalized'
  AND (number = %(text)s OR (%(id)s::bigint IS NOT NULL AND id = %(id)s))
ORDER BY number = %(text)s DESC
LIMIT 1

-- name: disputed_on_line
-- What open disputes of an invoice line claim already (gross; won ones are credited).
SELECT coalesce(sum(amount), 0) AS amount FROM disputes
WHERE invoice_id = %(invoice_id)s AND line_position = %(position)s AND kind = 'line'
  AND status = 'open'

-- name: open_line_dispute
INSERT INTO disputes (kind, invoice_id, account_id, amount, currency, reason, line_position,
                      net, actor)
VALUES ('line', %(invoice_id)s, %(account_id)s, %(amount)s, %(currency)s, %(reason)s,
        %(position)s, %(net)s, %(actor)s)
RETURNING *

-- name: settle_line_dispute
UPDATE disputes
SET status = %(status)s, closed_at = clock_timestamp(), credit_note_id = %(credit_note_id)s
WHERE id = %(id)s AND status = 'open' AND kind = 'line'
RETURNING *

-- name: dispute_by_reference
SELECT * FROM disputes WHERE gateway_reference = %(reference)s FOR UPDATE

-- name: close_dispute
UPDATE disputes SET status = %(status)s, closed_at = clock_timestamp()
WHERE id = %(id)s AND status = 'open' AND kind = 'chargeback'
RETURNING *

-- name: post_chargeback
SELECT ledger_post_chargeback(%(id)s, %(actor)s) AS posted

-- name: disputes_of_account
SELECT * FROM disputes WHERE account_id = %(account_id)s ORDER BY id

-- name: pending_debit
-- The invoice's direct debit awaiting its booking, of this amount.
SELECT * FROM payments
WHERE invoice_id = %(invoice_id)s AND kind = 'sepa_debit' AND status = 'pending'
  AND amount = %(amount)s
ORDER BY id
LIMIT 1
FOR UPDATE

-- name: debit_to_return
-- The invoice's direct debit of this amount that the bank sends back: booked already
-- (succeeded) or not yet (pending).
SELECT * FROM payments
WHERE invoice_id = %(invoice_id)s AND kind = 'sepa_debit' AND amount = %(amount)s
  AND status IN ('pending', 'succeeded')
ORDER BY id DESC
LIMIT 1
FOR UPDATE

-- name: post_return
SELECT ledger_post_payment_return(%(id)s, %(actor)s) AS posted

-- name: pending_debit_of_number
-- The pending direct debit of the invoice numbered as a debit's end-to-end id.
SELECT p.* FROM payments p JOIN invoices i ON i.id = p.invoice_id
WHERE i.number = %(number)s AND p.kind = 'sepa_debit' AND p.status = 'pending'
ORDER BY p.id DESC
LIMIT 1
FOR UPDATE OF p

-- Payments received in a batch (Payments.receive_many, reconciliation): the same steps as one
-- payment, each one statement for the whole batch.

-- name: accounts_named
SELECT id, external_id, currency FROM customers
WHERE id = ANY(%(ids)b::bigint[]) OR external_id = ANY(%(external_ids)b::text[])

-- name: lock_accounts
-- In id order, so that two batches never wait for each other in a circle.
SELECT id FROM customers WHERE id = ANY(%(ids)b::bigint[]) ORDER BY id FOR UPDATE

-- name: by_keys
SELECT * FROM payments WHERE idempotency_key = ANY(%(keys)b::text[])

-- name: named_invoices
-- The invoices payers name, by number or RF creditor reference (compact, upper case), of
-- these accounts.
SELECT id, account_id, number, creditor_reference FROM invoices
WHERE account_id = ANY(%(account_ids)b::bigint[]) AND status = 'finalized'
  AND (number = ANY(%(texts)b::text[]) OR creditor_reference = ANY(%(references)b::text[]))

-- name: invoices_of_accounts
SELECT id FROM invoices
WHERE account_id = ANY(%(account_ids)b::bigint[]) AND status = 'finalized'

-- name: open_invoices_of
-- Of these finalized invoices, the open ones, with what they still owe (invoice_balances_of:
-- the view's rule, grouping only these invoices' rows).
SELECT i.account_id, i.currency, i.id, i.number, i.due_date, b.balance
FROM invoice_balances_of(%(invoice_ids)b::bigint[]) b
JOIN invoices i ON i.id = b.invoice_id
WHERE i.status = 'finalized' AND b.balance > 0
ORDER BY i.account_id, i.due_date, i.id

-- name: insert_many
-- Succeeded payments, in the order given (the ids follow it).
INSERT INTO payments (account_id, kind, amount, currency, status, idempotency_key, invoice_id,
                      reference, received_on, actor)
SELECT p.account_id, p.kind, p.amount, p.currency, 'succeeded', p.key, p.invoice_id,
       p.reference, p.received_on, %(actor)s
FROM unnest(%(account_ids)b::bigint[], %(kinds)b::text[], %(amounts)s::numeric[],
            %(currencies)b::text[], %(keys)b::text[], %(invoice_ids)b::bigint[],
            %(references)b::text[], %(received_on)b::date[])
     WITH ORDINALITY AS p (account_id, kind, amount, currency, key, invoice_id, reference,
                           received_on, position)
ORDER BY p.position
RETURNING id, idempotency_key

-- name: insert_allocations
INSERT INTO invoice_allocations (invoice_id, amount, source, reference, actor, payment_id)
SELECT a.invoice_id, a.amount, 'payment', a.reference, %(actor)s, a.payment_id
FROM unnest(%(invoice_ids)b::bigint[], %(amounts)s::numeric[], %(references)b::text[],
            %(payment_ids)b::bigint[]) WITH ORDINALITY
     AS a (invoice_id, amount, reference, payment_id, position)
ORDER BY a.position

-- name: insert_credits
INSERT INTO customer_credits (account_id, currency, amount, source, payment_id, reference,
                              actor)
SELECT k.account_id, k.currency, k.amount, 'payment', k.payment_id, k.reference, %(actor)s
FROM unnest(%(account_ids)b::bigint[], %(currencies)b::text[], %(amounts)s::numeric[],
            %(payment_ids)b::bigint[], %(references)b::text[]) WITH ORDINALITY
     AS k (account_id, currency, amount, payment_id, reference, position)
ORDER BY k.position

-- name: post_credits
SELECT ledger_post_payment_credits(%(payment_ids)b::bigint[], %(actor)s) AS posted

-- name: allocations_of_many
SELECT payment_id, invoice_id, amount FROM invoice_allocations
WHERE payment_id = ANY(%(payment_ids)b::bigint[])
ORDER BY id

-- name: credits_of_many
SELECT payment_id, sum(amount) AS amount FROM customer_credits
WHERE payment_id = ANY(%(payment_ids)b::bigint[])
GROUP BY payment_id
