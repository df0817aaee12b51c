"""Alembic migrations (async env.py), applied with `liveq migrate` or at `liveq serve`."""
