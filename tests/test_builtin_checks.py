"""The plugin's ready checks (``common.testing.checks``) on the project's own revisions.

They replace pytest-alembic's (which breaks collection on pytest 9), check for check:
its single head is ``test_single_head``; its upgrade (every revision applied one by one
from base) and up/down consistency (every downgrade down to base) are the round trip of
``test_up_down_up_with_rows``, which also re-applies and compares schemas and rows; its
model definitions match the DDL is ``test_models_match_head``; its experimental
all-models-register check is ``test_all_models_register``. They run on every PostgreSQL
server, as pytest-alembic's did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.review.model import CheckResult
from common.testing.checks import (  # noqa: F401  (collected as tests)
    test_all_models_register,
    test_models_match_head,
    test_single_head,
    test_up_down_up_with_rows,
)
from common.testing.database import project_settings
from common.testing.plugin import scratch_results
from common.testing.registration import unregistered_tables
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def workbench_project() -> Path:
    return ROOT


@pytest.fixture(scope="module")
def workbench_scratch_checks(pg_server) -> dict[str, CheckResult]:
    url = pg_server.admin_url
    return scratch_results(project_settings(ROOT, url), url)


def test_the_registration_check_walks_the_models_package():
    missing, walked = unregistered_tables("common.models.db_models", ROOT)
    assert missing == []
    assert "common.models.db_objects" in walked


def test_a_model_module_nobody_imports_fails_the_registration_check(tmp_path):
    package = tmp_path / "shop_models"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from sqlmodel import Field, SQLModel\n\n\n"
        "class Order(SQLModel, table=True):\n    id: int | None = Field(default=None, "
        "primary_key=True)\n"
    )
    (package / "refunds.py").write_text(
        "from sqlmodel import Field, SQLModel\n\n\n"
        "class Refund(SQLModel, table=True):\n    id: int | None = Field(default=None, "
        "primary_key=True)\n"
    )
    (tmp_path / ".env").write_text("WORKBENCH_MODELS_MODULE=shop_models\n")
    with pytest.raises(pytest.fail.Exception) as failure:
        test_all_models_register(tmp_path)
    assert str(failure.value) == (
        "tables defined but not imported by shop_models: refund: import their modules from it."
    )
