"""The store: the tables (models) and the one writer of case, deadline, event and outbox rows."""
