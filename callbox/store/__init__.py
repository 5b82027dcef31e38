"""Persistence. `store.sql` serves SQLite and PostgreSQL through one SQLAlchemy Core code path."""
