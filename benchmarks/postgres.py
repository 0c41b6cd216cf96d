"""The PostgreSQL the PostgreSQL-only benchmarks run on, and running setup SQL there.

One place for the rule every such benchmark states in its docstring: ``DATABASE_URL``,
else ``TEST_DATABASE_URL``, else the embedded PostgreSQL (as the tests find theirs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common" / "src"))

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from common.database import parse_url


def postgres_engine() -> sa.Engine:
    """An engine on the benchmark's PostgreSQL; exits in one line on another database."""
    raw = os.environ.get("DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if raw:
        url = parse_url(raw)
    else:
        from common.config import load_settings
        from common.embedded import ensure_database

        url = ensure_database(load_settings().pgdata, "workbench_bench")
    if url.get_backend_name() != "postgresql":
        raise SystemExit("error: this benchmark needs PostgreSQL.")
    return sa.create_engine(url, poolclass=NullPool)


def run_autocommit(engine: sa.Engine, *statements: str) -> None:
    """Run the benchmark's own fixed setup SQL (no values from outside), each committed."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
