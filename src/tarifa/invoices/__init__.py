"""Invoices: drafts recomputed until they are finalized, numbered and frozen."""
