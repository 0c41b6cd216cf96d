"""A scratch database to try the migrations on: never the target itself.

PostgreSQL and MariaDB: a fresh database created on the target's server (the user needs
CREATE DATABASE) and dropped afterwards; SQLite: a temporary file.

A review killed with SIGKILL (or interrupted at the wrong moment) cannot drop its scratch
database, so each review first drops the ones earlier reviews left: named
``wb_review_<created, unix seconds>_<random>``, older than ``ORPHAN_AGE`` seconds and with
no session connected (a running review keeps its connection open for the whole check).
"""

from __future__ import annotations

import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import URL, Connection, text
from sqlalchemy.exc import DBAPIError

from common.database import driver_message, make_engine, mask_url
from common.errors import DatabaseUnavailableError

PREFIX = "wb_review_"
# a scratch database this old with nobody connected was left by a review that died
ORPHAN_AGE = 60
_NAME = re.compile(re.escape(PREFIX) + r"(\d{10})_[0-9a-f]{8}")


@contextmanager
def scratch_database(url: URL) -> Iterator[URL]:
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="workbench-review-") as folder:
            yield url.set(database=str(Path(folder) / "scratch.db"))
        return
    name = f"{PREFIX}{int(time.time())}_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    quoted = engine.dialect.identifier_preparer.quote(name)
    try:
        with engine.connect() as connection:
            with suppress(DBAPIError):  # cleaning up after others is best effort
                drop_orphans(connection)
            connection.execute(text(f"CREATE DATABASE {quoted}"))
    except DBAPIError as exc:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"cannot create a scratch database on {mask_url(url)}: {driver_message(exc, url)}",
            "grant CREATEDB to the user, or run review with --no-round-trip.",
        ) from None
    try:
        yield url.set(database=name)
    finally:
        force = " WITH (FORCE)" if url.get_backend_name() == "postgresql" else ""
        with suppress(DBAPIError), engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted}{force}"))
        engine.dispose()


def drop_orphans(connection: Connection) -> list[str]:
    """Drop the scratch databases earlier reviews left behind; returns their names."""
    now = time.time()
    dropped = []
    for name in _unused_scratch_databases(connection):
        match = _NAME.fullmatch(name)
        if not match or now - int(match.group(1)) < ORPHAN_AGE:
            continue
        quoted = connection.dialect.identifier_preparer.quote(name)
        with suppress(DBAPIError):  # another user's, or gone meanwhile: not ours to judge
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
            dropped.append(name)
    return dropped


def _unused_scratch_databases(connection: Connection) -> list[str]:
    """Scratch-named databases no session is connected to."""
    pattern = PREFIX.replace("_", "\\_") + "%"
    if connection.dialect.name == "postgresql":
        query = (
            "SELECT datname FROM pg_database d WHERE datname LIKE :p AND NOT EXISTS "
            "(SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"
        )
    else:
        query = (
            "SELECT schema_name FROM information_schema.schemata s WHERE schema_name LIKE :p "
            "AND NOT EXISTS (SELECT 1 FROM information_schema.processlist p "
            "WHERE p.db = s.schema_name)"
        )
    return list(connection.execute(text(query), {"p": pattern}).scalars())
