"""The suite's throw-away PostgreSQL server; it lives in :mod:`crmhub.local_postgres` (the local Celery
cluster needs one too)."""

from crmhub.local_postgres import ThrowawayPostgres, _bin

__all__ = ["ThrowawayPostgres", "_bin"]
