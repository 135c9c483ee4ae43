"""Integration with the provider's other systems: webhooks (the outbox and its delivery)."""
