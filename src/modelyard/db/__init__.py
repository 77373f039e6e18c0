"""Metadata storage: engine and sessions, ORM rows, Alembic migrations."""
