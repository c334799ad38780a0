"""Telling people: what a step notifies, the mail templates, and the outbox relay."""
