"""The hub store and the sync pipeline: staged source records, golden records, cross-references,
match pairs, cursors and run log (SQLAlchemy 2; SQLite by default, PostgreSQL in production)."""
