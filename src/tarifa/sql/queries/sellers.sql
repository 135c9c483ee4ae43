-- name: insert_seller
INSERT INTO sellers (code, legal_name, address_line1, address_line2, postal_code, city, region,
                     country, vat_id, iban, bic, sepa_creditor_id, email, legal_footer,
                     series_pattern, series_width)
VALUES (%(code)s, %(legal_name)s, %(address_line1)s, %(address_line2)s, %(postal_code)s,
        %(city)s, %(region)s, %(country)s, %(vat_id)s, %(iban)s, %(bic)s, %(sepa_creditor_id)s,
        %(email)s, %(legal_footer)s, %(series_pattern)s, %(series_width)s)
RETURNING *

-- name: update_seller
-- The code stays; a stale version (someone changed the seller meanwhile) updates nothing.
UPDATE sellers
SET legal_name = %(legal_name)s, address_line1 = %(address_line1)s,
    address_line2 = %(address_line2)s, postal_code = %(postal_code)s, city = %(city)s,
    region = %(region)s, country = %(country)s, vat_id = %(vat_id)s, iban = %(iban)s,
    bic = %(bic)s, sepa_creditor_id = %(sepa_creditor_id)s, email = %(email)s,
    legal_footer = %(legal_footer)s, series_pattern = %(series_pattern)s,
    series_width = %(series_width)s, updated_at = now(), version = version + 1
WHERE code = %(code)s AND (%(version)s::integer IS NULL OR version = %(version)s::integer)
RETURNING *

-- name: seller_by_code
SELECT * FROM sellers WHERE code = %(code)s

-- name: sellers
SELECT * FROM sellers ORDER BY code

-- name: next_invoice_number
SELECT number, formatted FROM seller_next_invoice_number(%(seller_id)s, %(day)s)
