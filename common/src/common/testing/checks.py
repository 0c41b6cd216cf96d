"""The workbench's built-in checks as ready tests: import them into a test module.

    from common.testing.checks import (  # noqa: F401  (collected as tests)
        test_models_match_head,
        test_single_head,
        test_up_down_up_with_rows,
        test_all_models_register,
    )

The round trip and the drift check are the review's own (``common.review.checks``), run
once per session on a scratch database: every revision applied from an empty database
with a schema snapshot after each, a row seeded in every table, every revision downgraded
(the schema must equal the snapshot before it, the rows in surviving tables must stay)
and applied again (the schema must equal the first pass's); at head the models must
match. A failure is the review's one line, with the details under it. The registration
check needs no database: every module beside the models module imported in a fresh
interpreter must add no table to the metadata (``common.testing.registration``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import load_settings
from common.errors import WorkbenchError
from common.review.checks.roundtrip import DRIFT, ROUND_TRIP
from common.review.model import CheckResult, Status
from common.revisions import build_config, load_scripts, single_head


def test_single_head(workbench_project: Path) -> None:
    """The revisions form one line: two heads mean two branches nobody merged."""
    settings = load_settings(workbench_project / ".env", project_dir=workbench_project)
    try:
        single_head(load_scripts(build_config(settings)))
    except WorkbenchError as exc:
        pytest.fail(exc.one_line(), pytrace=False)


def test_all_models_register(workbench_project: Path) -> None:
    """Every table defined beside the models module is imported by it: autogenerate
    would otherwise offer to drop the tables it cannot see."""
    from common.testing.registration import unregistered_tables

    settings = load_settings(workbench_project / ".env", project_dir=workbench_project)
    missing, _ = unregistered_tables(settings.models_module, workbench_project)
    if missing:
        pytest.fail(
            f"tables defined but not imported by {settings.models_module}: "
            f"{', '.join(missing)}: import their modules from it.",
            pytrace=False,
        )


def test_up_down_up_with_rows(workbench_scratch_checks: dict[str, CheckResult]) -> None:
    """Every revision downgrades to the schema before it, keeps rows, and re-applies."""
    _passed(workbench_scratch_checks[ROUND_TRIP])


def test_models_match_head(workbench_scratch_checks: dict[str, CheckResult]) -> None:
    """The models say what the revisions build: no migration is missing."""
    _passed(workbench_scratch_checks[DRIFT])


def _passed(result: CheckResult) -> None:
    if result.status is Status.FAILED:
        details = "".join(f"\n  - {line}" for line in result.details)
        pytest.fail(f"{result.name}: {result.summary}{details}", pytrace=False)
