"""Fixtures: a fresh database per test on every reachable server, and a scratch project.

``pg_url`` is parametrized over the PostgreSQL servers found (see common/testing/servers.py,
shared with the pytest plugin users get), so a
test asking for it runs once per server; ``any_url`` also covers SQLite and MariaDB.
The ``*_pair`` fixtures give two databases of one kind, for the scenarios in
tests/scenario.py (the migrated database and a fresh ``create_all`` to compare with).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine
from sqlalchemy.pool import NullPool

from common.testing import servers

ROOT = Path(__file__).resolve().parents[1]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    pg_names = servers.postgres_server_names()
    if "pg_server_name" in metafunc.fixturenames:
        metafunc.parametrize("pg_server_name", pg_names, scope="session")
    if "dialect" in metafunc.fixturenames:
        metafunc.parametrize("dialect", [*pg_names, "sqlite", "mysql"])


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test by the databases it touches, so ``-m sqlite`` and friends work."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        dialect = callspec.params.get("dialect", "") if callspec else ""
        if {"pg_server_name", "first_pg_url"} & set(names) or dialect.startswith("pg-"):
            item.add_marker("postgresql")
        if dialect == "sqlite" or {"sqlite_url", "sqlite_pair"} & set(names):
            item.add_marker("sqlite")
        if dialect == "mysql" or "mysql_server" in names:
            item.add_marker("mysql")


_postgres = servers.postgres


@pytest.fixture(scope="session")
def pg_server(pg_server_name: str) -> servers.Server:
    return _postgres(pg_server_name)


@pytest.fixture(scope="session", autouse=True)
def _stop_servers() -> Iterator[None]:
    yield
    servers.stop_all()


def _fresh_database(server: servers.Server) -> Iterator[URL]:
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def pg_url(pg_server: servers.Server) -> Iterator[URL]:
    yield from _fresh_database(pg_server)


@pytest.fixture
def first_pg_url() -> Iterator[URL]:
    """A fresh database on the first PostgreSQL server only (not once per server): for the
    tests whose point is not the server version, such as those that start subprocesses."""
    yield from _fresh_database(_postgres(servers.postgres_server_names()[0]))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    return URL.create("sqlite", database=str(tmp_path / "test.db"))


@pytest.fixture(scope="session")
def mysql_server() -> Iterator[servers.Server]:
    server = servers.mysql_server()
    if server is None:
        pytest.skip("no MariaDB/MySQL: set TEST_MYSQL_URL or start a Docker engine")
    yield server
    servers.stop(server)


@pytest.fixture
def mysql_url(mysql_server: servers.Server) -> Iterator[URL]:
    yield from _fresh_database(mysql_server)


@pytest.fixture
def pg_pair(pg_server: servers.Server) -> Iterator[tuple[URL, URL]]:
    """Two fresh databases on one PostgreSQL server: the migrated one and create_all's."""
    yield from _fresh_pair(pg_server)


@pytest.fixture
def mysql_pair(mysql_server: servers.Server) -> Iterator[tuple[URL, URL]]:
    yield from _fresh_pair(mysql_server)


@pytest.fixture
def sqlite_pair(tmp_path: Path) -> tuple[URL, URL]:
    return (
        URL.create("sqlite", database=str(tmp_path / "migrated.db")),
        URL.create("sqlite", database=str(tmp_path / "fresh.db")),
    )


@pytest.fixture
def any_pair(any_url: URL, fresh_url) -> tuple[URL, URL]:
    """``any_url`` and another empty database of its kind (for ``create_all``)."""
    return any_url, fresh_url()


def _fresh_pair(server: servers.Server) -> Iterator[tuple[URL, URL]]:
    urls = (server.create_database(), server.create_database())
    yield urls
    for url in urls:
        server.drop_database(url)


@pytest.fixture
def any_url(dialect: str, request: pytest.FixtureRequest) -> Iterator[URL]:
    """A fresh database for ``dialect``: a PostgreSQL server name, sqlite or mysql."""
    if not dialect.startswith("pg-"):
        yield request.getfixturevalue(f"{dialect}_url")
        return
    yield from _fresh_database(_postgres(dialect))


@pytest.fixture
def engine_for():
    """Engines for a URL, disposed after the test."""
    engines = []

    def make(url: URL):
        engine = create_engine(url, poolclass=NullPool)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest):
    """A scratch copy of the project (alembic.ini, env.py, template; no revisions).

    Its commands run in-process; in a test marked ``e2e`` they run as ``python -m common``.
    """
    from tests.project import ScratchProject

    root = tmp_path / "project"
    (root / "common" / "alembic" / "versions").mkdir(parents=True)
    shutil.copy(ROOT / "alembic.ini", root / "alembic.ini")
    for name in ("env.py", "script.py.mako"):
        shutil.copy(ROOT / "common" / "alembic" / name, root / "common" / "alembic" / name)
    for var in ("DATABASE_URL", "WORKBENCH_MODELS_MODULE"):
        monkeypatch.delenv(var, raising=False)
    in_process = request.node.get_closest_marker("e2e") is None
    return ScratchProject(root, dict(os.environ), in_process=in_process)


@pytest.fixture
def fresh_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path):
    """Another empty database of the same kind as ``any_url`` (for ``create_all``)."""
    made: list[tuple[object, URL]] = []
    counter = iter(range(1000))

    def make() -> URL:
        if dialect == "sqlite":
            return URL.create("sqlite", database=str(tmp_path / f"fresh{next(counter)}.db"))
        server = (
            _postgres(dialect)
            if dialect.startswith("pg-")
            else (request.getfixturevalue("mysql_server"))
        )
        url = server.create_database()
        made.append((server, url))
        return url

    yield make
    for server, url in made:
        server.drop_database(url)
