-- name: clear_default
UPDATE payment_methods SET is_default = false WHERE account_id = %(account_id)s AND is_default

-- name: insert
INSERT INTO payment_methods (account_id, kind, is_default, gateway, token, brand, last4,
                             exp_month, exp_year, iban, bic, mandate_id, mandate_signed_on,
                             sequence, label)
VALUES (%(account_id)s, %(kind)s, %(is_default)s, %(gateway)s, %(token)s, %(brand)s,
        %(last4)s, %(exp_month)s, %(exp_year)s, %(iban)s, %(bic)s, %(mandate_id)s,
        %(mandate_signed_on)s, %(sequence)s, %(label)s)
RETURNING *

-- name: get
SELECT * FROM payment_methods WHERE id = %(id)s

-- name: lock
SELECT * FROM payment_methods WHERE id = %(id)s FOR UPDATE

-- name: of_account
SELECT * FROM payment_methods WHERE account_id = %(account_id)s ORDER BY id

-- name: make_default
UPDATE payment_methods SET is_default = true WHERE id = %(id)s RETURNING *

-- name: revoke
UPDATE payment_methods SET status = 'revoked', is_default = false, revoked_at = now()
WHERE id = %(id)s AND status = 'active'
RETURNING *

-- name: default_of
SELECT * FROM payment_methods WHERE account_id = %(account_id)s AND is_default
