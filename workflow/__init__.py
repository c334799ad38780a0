"""The job planning domain: policies, the workflow engine, deadlines and the service layer.

Nothing in this package imports Flask or knows about HTTP; ``web/`` depends on it, never the reverse.
"""
