"""Telling people: inbox notices for users and units, and webhooks through an outbox."""
