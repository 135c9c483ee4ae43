-- Sellers: the legal entities that issue invoices, each with its own gapless invoice number
-- series (DOMAIN.md "Invoices"; src/tarifa/sellers/). Checked in Python before they are
-- stored (sellers/model.py); the constraints here keep the shape.

CREATE TABLE sellers (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text        NOT NULL,
    legal_name       text        NOT NULL,
    address_line1    text        NOT NULL,
    address_line2    text,
    postal_code      text        NOT NULL,
    city             text        NOT NULL,
    region           text,
    country          char(2)     NOT NULL,
    vat_id           text,
    iban             text,
    bic              text,
    sepa_creditor_id text,
    email            text,
    legal_footer     text,
    -- The invoice number series: `series_pattern` holds {number} (zero-padded to
    -- `series_width` digits) and, for a series that restarts every year, {year}.
    series_pattern   text        NOT NULL DEFAULT 'INV-{year}-{number}',
    series_width     smallint    NOT NULL DEFAULT 6,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer     NOT NULL DEFAULT 1,
    CONSTRAINT sellers_code_key UNIQUE (code),
    CONSTRAINT sellers_code_check CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,49}$'),
    CONSTRAINT sellers_country_check CHECK (country ~ '^[A-Z]{2}$'),
    CONSTRAINT sellers_series_check CHECK (
        series_pattern LIKE '%{number}%' AND series_width BETWEEN 1 AND 12)
);

-- The next number of each series (and year, for a yearly series: year 0 otherwise). A number
-- is taken inside the transaction that finalizes the invoice, under this row's lock: a
-- rolled-back finalization returns it, so numbers never have a gap.
CREATE TABLE invoice_number_counters (
    seller_id   bigint  NOT NULL REFERENCES sellers (id),
    year        integer NOT NULL,
    last_number bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (seller_id, year),
    CONSTRAINT invoice_number_counters_check CHECK (last_number >= 0)
);
