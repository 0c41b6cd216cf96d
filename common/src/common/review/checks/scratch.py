"""A scratch database to try the migrations on: never the target itself.

PostgreSQL and MariaDB: a fresh database created on the target's server (the user needs
CREATE DATABASE) and dropped afterwards; SQLite: a temporary file.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import URL, text
from sqlalchemy.exc import DBAPIError

from common.database import driver_message, make_engine, mask_url
from common.errors import DatabaseUnavailableError


@contextmanager
def scratch_database(url: URL) -> Iterator[URL]:
    if url.get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="workbench-review-") as folder:
            yield url.set(database=str(Path(folder) / "scratch.db"))
        return
    name = f"wb_review_{uuid.uuid4().hex[:12]}"
    engine = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    quoted = engine.dialect.identifier_preparer.quote(name)
    try:
        with engine.connect() as connection:
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
