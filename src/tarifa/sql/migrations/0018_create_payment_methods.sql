-- Payment methods (DOMAIN.md "Payments"; src/tarifa/payments/): a card as a gateway token
-- with its brand, last four digits and expiry (never its number), a SEPA direct-debit
-- mandate, or bank transfer. One default method per account; a method is revoked, never
-- deleted (payments name it).

CREATE TABLE payment_methods (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        bigint      NOT NULL REFERENCES customers (id),
    kind              text        NOT NULL,
    is_default        boolean     NOT NULL DEFAULT false,
    status            text        NOT NULL DEFAULT 'active',
    -- card
    gateway           text,
    token             text,
    brand             text,
    last4             char(4),
    exp_month         smallint,
    exp_year          smallint,
    -- SEPA direct debit
    iban              text,
    bic               text,
    mandate_id        text,
    mandate_signed_on date,
    sequence          text,
    label             text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    revoked_at        timestamptz,
    CONSTRAINT payment_methods_kind_check CHECK (kind IN ('card', 'sepa_debit', 'bank_transfer')),
    CONSTRAINT payment_methods_status_check CHECK (status IN ('active', 'revoked')),
    CONSTRAINT payment_methods_revoked_check CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
    CONSTRAINT payment_methods_card_check CHECK (kind <> 'card' OR (
        gateway IS NOT NULL AND token IS NOT NULL AND brand IS NOT NULL
        AND last4 ~ '^[0-9]{4}$' AND exp_month BETWEEN 1 AND 12 AND exp_year >= 2000)),
    CONSTRAINT payment_methods_sepa_check CHECK (kind <> 'sepa_debit' OR (
        iban IS NOT NULL AND mandate_id IS NOT NULL AND mandate_signed_on IS NOT NULL
        AND sequence IN ('FRST', 'RCUR'))),
    CONSTRAINT payment_methods_default_check CHECK (NOT is_default OR status = 'active')
);
CREATE INDEX payment_methods_account ON payment_methods (account_id);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (account_id) WHERE is_default;
-- A mandate reference is unique for its creditor; tarifa keeps one per mandate id.
CREATE UNIQUE INDEX payment_methods_mandate ON payment_methods (mandate_id)
    WHERE kind = 'sepa_debit';
