"""Scratch databases a killed review left behind are dropped by the next review.

On the real servers (PostgreSQL, MariaDB): an old, unused one goes; a young one (a review
that has just created it) and one a session is connected to (a review still running)
stay.
"""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from common.review.checks.scratch import drop_orphans


def _name(age_seconds: int) -> str:
    return f"wb_review_{int(time.time()) - age_seconds}_{uuid.uuid4().hex[:8]}"


def test_scratch_databases_of_dead_reviews_are_dropped(any_url, dialect):
    if dialect == "sqlite":
        pytest.skip("SQLite reviews use a temporary file")
    old, young, busy = _name(3600), _name(0), _name(3600)
    admin = create_engine(any_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    quote = admin.dialect.identifier_preparer.quote
    with admin.connect() as conn:
        for name in (old, young, busy):
            conn.execute(text(f"CREATE DATABASE {quote(name)}"))
    running = create_engine(any_url.set(database=busy), poolclass=NullPool).connect()
    try:
        with admin.connect() as conn:
            for _ in range(3):  # a review in another test worker may drop ``old`` first
                dropped = drop_orphans(conn)
                if old in dropped:
                    break
                conn.execute(text(f"CREATE DATABASE {quote(old)}"))
            left = {
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT datname FROM pg_database"
                        if admin.dialect.name == "postgresql"
                        else "SELECT schema_name FROM information_schema.schemata"
                    )
                )
            }
    finally:
        running.close()
        with admin.connect() as conn:
            for name in (old, young, busy):
                conn.execute(text(f"DROP DATABASE IF EXISTS {quote(name)}"))
        admin.dispose()
    assert old in dropped and old not in left
    assert {young, busy} <= left and not {young, busy} & set(dropped)
