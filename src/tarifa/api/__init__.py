"""The REST API (issue 7, in progress)."""
