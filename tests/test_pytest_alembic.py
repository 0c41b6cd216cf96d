"""pytest-alembic's built-in checks, run against the project's own revisions.

env.py receives the test engine through ``config.attributes["connection"]``.
"""

from __future__ import annotations

import pytest
from pytest_alembic.tests import (  # noqa: F401  (collected as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from tests.conftest import ROOT


@pytest.fixture
def alembic_config():
    return {"file": str(ROOT / "alembic.ini")}


@pytest.fixture
def alembic_engine(pg_url, monkeypatch):
    host = pg_url.query.get("host")
    if host:  # the embedded server's socket folder, percent-encoded in the URL, which the
        # experimental check hands to configparser (% is interpolation there): use PGHOST
        monkeypatch.setenv("PGHOST", host)
        pg_url = pg_url.difference_update_query(["host"])
    engine = create_engine(pg_url, poolclass=NullPool)
    yield engine
    engine.dispose()


def test_all_models_register_on_metadata(alembic_runner):
    """pytest-alembic's experimental check, pointed at the models package: its detection
    takes the module of the tables (common.models.db_models) for a package and fails."""
    from pytest_alembic.tests.experimental import test_all_models_register_on_metadata as check

    check(alembic_runner, model_package="common.models")
