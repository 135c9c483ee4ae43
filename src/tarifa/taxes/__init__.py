"""VAT rates kept in the database (`tarifa tax load`), for bill runs."""
