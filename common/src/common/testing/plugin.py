"""The pytest plugin (entry point ``pytest11``): a fresh database per test for users' tests.

The database server is found the way the workbench's own suite finds it:
``TEST_DATABASE_URL`` if set (a ``sqlite:`` URL there means a new file per test), else
testcontainers' PostgreSQL when a Docker engine answers, else the embedded PostgreSQL,
started once per session. Each test gets an empty database created on that server.

Fixtures (all prefixed so they cannot clash with a project's own):

- ``workbench_project``: the folder holding ``alembic.ini`` (default: found from the
  working directory, as the commands find it; override the fixture to point elsewhere);
- ``workbench_db``: a ``WorkbenchDatabase`` (its ``url``, ``settings``, ``migrate_to``,
  ``insert``, ``rows``, ``check_data_migration``);
- ``migrate_to``: ``workbench_db.migrate_to``;
- ``data_migration``: ``workbench_db.check_data_migration``.

The ready checks are in ``common.testing.checks``: import them into a test module.
Nothing here imports pytest-alembic, so the plugin runs on pytest 8 and 9 alike.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import URL

from common.config import Settings
from common.database import parse_url
from common.review.model import CheckResult
from common.testing import servers
from common.testing.database import WorkbenchDatabase, project_settings


def _server() -> servers.Server:
    return servers.postgres(servers.postgres_server_names()[0])


@contextmanager
def _fresh_url(tmp_path: Path) -> Iterator[URL]:
    raw = os.environ.get("TEST_DATABASE_URL", "")
    if raw.startswith("sqlite"):
        yield URL.create("sqlite", database=str(tmp_path / "workbench-test.db"))
        return
    if raw:
        parse_url(raw)  # a malformed URL: one line naming it, before any server work
    server = _server()
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


@pytest.fixture(scope="session")
def workbench_project() -> Path:
    from common.paths import project_root

    return project_root()


@pytest.fixture
def workbench_db(workbench_project: Path, tmp_path: Path) -> Iterator[WorkbenchDatabase]:
    with _fresh_url(tmp_path) as url:
        yield WorkbenchDatabase(url, project_settings(workbench_project, url))


def scratch_results(settings: Settings, url: URL) -> dict[str, CheckResult]:
    """The review's round trip and drift check on the project's whole history, on a
    scratch database made on ``url``'s server; by check name."""
    from common.review.checks.roundtrip import scratch_checks

    script = WorkbenchDatabase(url, settings).scripts()
    everything = list(reversed(list(script.walk_revisions())))
    results = scratch_checks(url, script, None, everything, settings)
    return {result.name: result for result in results}


@pytest.fixture(scope="session")
def workbench_scratch_checks(
    workbench_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, CheckResult]:
    """``scratch_results`` once per session: ``common.testing.checks`` reads them."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("sqlite"):
        url = URL.create("sqlite", database=str(tmp_path_factory.mktemp("wb") / "server.db"))
    else:  # the review makes its scratch database on this server itself
        url = _server().admin_url
    return scratch_results(project_settings(workbench_project, url), url)


@pytest.fixture
def migrate_to(workbench_db: WorkbenchDatabase) -> Callable[[str], None]:
    return workbench_db.migrate_to


@pytest.fixture
def data_migration(workbench_db: WorkbenchDatabase) -> Callable[..., None]:
    return workbench_db.check_data_migration


def pytest_sessionfinish(session: pytest.Session) -> None:
    servers.stop_all()
