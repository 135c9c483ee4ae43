-- name: insert_statement
-- The statement's id, stored once however often its file is imported.
INSERT INTO reconciliation_statements (kind, identifier, account, fingerprint, entries,
                                       file_name, actor)
VALUES (%(kind)s, %(identifier)s, %(account)s, %(fingerprint)s, %(entries)s, %(file_name)s,
        %(actor)s)
ON CONFLICT (fingerprint) DO UPDATE SET fingerprint = EXCLUDED.fingerprint
RETURNING id

-- name: claim
-- Stores a transaction seen for the first time, queued until it is applied; no row when its
-- key is known (a concurrent import of the same booking waits here, then finds it).
INSERT INTO reconciliation_transactions (
    key, statement_id, entry_position, position, booking_date, direction, reversal, amount,
    currency, bank_reference, structured_reference, remittance, payer_iban, payer_name,
    status, reason, actor)
VALUES (%(key)s, %(statement_id)s, %(entry_position)s, %(position)s, %(booking_date)s,
        %(direction)s, %(reversal)s, %(amount)s, %(currency)s, %(bank_reference)s,
        %(structured_reference)s, %(remittance)s, %(payer_iban)s, %(payer_name)s,
        'queued', %(reason)s, %(actor)s)
ON CONFLICT (key) DO NOTHING
RETURNING id

-- name: apply
UPDATE reconciliation_transactions
SET status = %(status)s, reason = %(reason)s, invoice_id = %(invoice_id)s,
    payment_id = %(payment_id)s, updated_at = clock_timestamp(), actor = %(actor)s
WHERE id = %(id)s

-- name: queue
SELECT t.*, s.account
FROM reconciliation_transactions t
JOIN reconciliation_statements s ON s.id = t.statement_id
WHERE t.status = 'queued'
ORDER BY t.booking_date, t.id

-- name: transaction_for_update
SELECT t.*, s.account
FROM reconciliation_transactions t
JOIN reconciliation_statements s ON s.id = t.statement_id
WHERE t.id = %(id)s
FOR UPDATE OF t

-- name: by_creditor_reference
-- Finalized invoices named by an RF reference, with what they still owe.
SELECT i.id, i.number, i.account_id, i.currency, b.balance
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.status = 'finalized' AND i.creditor_reference = ANY(%(references)s)
ORDER BY i.id

-- name: by_number
-- Finalized invoices whose number, without separators, is one of the words given (the body
-- of their RF reference is the same compact number).
SELECT i.id, i.number, i.account_id, i.currency, b.balance
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.status = 'finalized'
  AND upper(regexp_replace(i.number, '[^A-Za-z0-9]', '', 'g')) = ANY(%(numbers)s)
ORDER BY i.id

-- name: by_payer
-- The open invoices of this amount and currency of the customers that pay from this IBAN
-- (a SEPA direct-debit method, active or not: the account is still theirs).
SELECT i.id, i.number, i.account_id, i.currency, b.balance
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.status = 'finalized' AND b.balance = %(amount)s AND i.currency = %(currency)s
  AND i.account_id IN (
      SELECT account_id FROM payment_methods
      WHERE kind = 'sepa_debit' AND upper(replace(iban, ' ', '')) = %(iban)s)
ORDER BY i.id

-- name: by_invoice
-- An invoice named by hand: its number or RF reference.
SELECT i.id, i.number, i.account_id, i.currency, b.balance
FROM invoices i
JOIN invoice_balances b ON b.invoice_id = i.id
WHERE i.status = 'finalized'
  AND (i.number = %(text)s OR i.creditor_reference = upper(replace(%(text)s, ' ', '')))

-- A batch of a statement's transactions (reconciliation/batch.py): the same steps as one
-- transaction, each one statement for the whole batch.

-- name: known_keys
SELECT key FROM reconciliation_transactions WHERE key = ANY(%(keys)b::text[])

-- name: store_many
-- Each parameter an array, one element per transaction. Stores the batch's transactions with their outcomes, once each; returns the keys stored (a
-- key another import stored meanwhile is not: the caller takes the batch again). In key order,
-- so that two imports of overlapping statements never wait for each other in a circle.
INSERT INTO reconciliation_transactions (
    key, statement_id, entry_position, position, booking_date, direction, reversal, amount,
    currency, bank_reference, structured_reference, remittance, payer_iban, payer_name,
    status, reason, invoice_id, payment_id, actor)
SELECT t.key, %(statement_id)s, t.entry_position, t.position, t.booking_date, t.direction,
       t.reversal, t.amount, t.currency, t.bank_reference, t.structured_reference,
       t.remittance, t.payer_iban, t.payer_name, t.status, t.reason, t.invoice_id,
       t.payment_id, %(actor)s
FROM unnest(%(key)b::text[], %(entry_position)b::integer[], %(position)b::integer[],
            %(booking_date)b::date[], %(direction)b::text[], %(reversal)b::boolean[],
            %(amount)s::numeric[], %(currency)b::text[], %(bank_reference)b::text[],
            %(structured_reference)b::text[], %(remittance)b::text[],
            %(payer_iban)b::text[], %(payer_name)b::text[], %(status)b::text[],
            %(reason)b::text[], %(invoice_id)b::bigint[], %(payment_id)b::bigint[])
     AS t (key, entry_position, position, booking_date, direction, reversal, amount,
           currency, bank_reference, structured_reference, remittance, payer_iban,
           payer_name, status, reason, invoice_id, payment_id)
ORDER BY t.key
ON CONFLICT (key) DO NOTHING
RETURNING key

-- name: invoices_by_references
-- Finalized invoices named by these RF references.
SELECT id, number, account_id, currency, creditor_reference FROM invoices
WHERE status = 'finalized' AND creditor_reference = ANY(%(references)b::text[])

-- name: invoices_by_numbers
-- Finalized invoices whose number, without separators, is one of these words (the
-- expression of the index invoices_compact_number).
SELECT id, number, account_id, currency,
       upper(regexp_replace(number, '[^A-Za-z0-9]', '', 'g')) AS compact
FROM invoices
WHERE status = 'finalized'
  AND upper(regexp_replace(number, '[^A-Za-z0-9]', '', 'g')) = ANY(%(numbers)b::text[])

-- name: payers
-- The accounts that pay by SEPA direct debit (a method active or not) from these IBANs.
SELECT account_id, upper(replace(iban, ' ', '')) AS iban FROM payment_methods
WHERE kind = 'sepa_debit' AND upper(replace(iban, ' ', '')) = ANY(%(ibans)b::text[])

-- name: pending_debits
-- Direct debits of these invoices awaiting their booking.
SELECT invoice_id, amount FROM payments
WHERE invoice_id = ANY(%(invoice_ids)b::bigint[]) AND kind = 'sepa_debit'
  AND status = 'pending'
