"""The pytest plugin users get (``common.testing``): its guide's example and its failures.

The example project in examples/plugin (two revisions, the second a data migration, and
the user's test file that docs/pages/guides/pytest-plugin.md shows verbatim) runs in a
subprocess, as a user's suite would, under this environment's pytest 9. The failures a
user must see are proven in-process on real databases.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import URL, text

from common.testing import checks
from common.testing.database import WorkbenchDatabase
from common.testing.plugin import scratch_results
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "plugin"


def _example(project, *, downgrade_keeps_done: bool = True) -> None:
    for path in (EXAMPLE / "versions").glob("*.py"):
        source = path.read_text()
        if not downgrade_keeps_done:  # the downgrade forgets to give the flag back
            source = source.replace(
                'op.batch_update("task", {"done": sa.text("status = \'done\'")})', "pass"
            )
        (project.versions / path.name).write_text(source)
    project.write_models((EXAMPLE / "models.py").read_text())


def test_plugin_guide_shows_the_example_test_verbatim():
    guide = (ROOT / "docs" / "pages" / "guides" / "pytest-plugin.md").read_text()
    block = re.search(
        r"<!-- examples/plugin/test_migrations.py -->\n```python\n(.*?)```", guide, re.S
    )
    assert block, "the pytest plugin guide lost the example test block"
    assert block.group(1) == (EXAMPLE / "test_migrations.py").read_text()


def _run_example(
    project, python: list[str], database: str, *options: str
) -> subprocess.CompletedProcess:
    _example(project)
    shutil.copy(EXAMPLE / "test_migrations.py", project.root / "test_migrations.py")
    env = {**project.env, "TEST_DATABASE_URL": database}
    return subprocess.run(
        [*python, "-m", "pytest", "-p", "no:cacheprovider", *options, "test_migrations.py"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.e2e
def test_example_passes_under_pytest_9(project, first_pg_url):
    """The guide's test file, in a user's fresh process, on this environment's pytest 9."""
    url = first_pg_url.render_as_string(hide_password=False)
    result = _run_example(project, [sys.executable], url)
    assert "6 passed" in result.stdout, result.stdout + result.stderr
    assert re.search(r"pytest-9\.\d+", result.stdout), result.stdout


def _database(project, url: URL) -> WorkbenchDatabase:
    settings = project.settings().model_copy(
        update={"database_url": url.render_as_string(hide_password=False)}
    )
    return WorkbenchDatabase(url, settings)


def test_a_downgrade_that_loses_data_fails_the_data_fixture(project, sqlite_url):
    _example(project, downgrade_keeps_done=False)
    database = _database(project, sqlite_url)
    with project.models_path(), pytest.raises(AssertionError) as failure:
        database.check_data_migration(
            at="0001",
            insert={"task": [{"id": 1, "title": "write", "done": True}]},
            upgrade_to="0002",
            expect={"task": [{"id": 1, "status": "done"}]},
        )
    assert str(failure.value).startswith(
        "task after downgrading back to 0001: expected [{'id': 1, 'title': 'write', "
        "'done': True}], found [{'done': None, 'id': 1, 'title': 'write'}]"
    )


def test_migrate_to_moves_both_ways_through_the_runner(project, first_pg_url, engine_for):
    pg_url = first_pg_url
    _example(project)
    database = _database(project, pg_url)
    with project.models_path():
        database.migrate_to("0002")
        assert database.current() == ("0002",)
        database.migrate_to("0001")
        assert database.current() == ("0001",)
        database.migrate_to("base")
    assert database.current() == ()
    with engine_for(pg_url).connect() as connection:  # the runner's history: a deploy's path
        rows = connection.execute(
            text("SELECT revision, direction FROM alembic_history ORDER BY id")
        ).all()
    directions = [tuple(row) for row in rows]
    assert directions == [("0001", "up"), ("0002", "up"), ("0002", "down"), ("0001", "down")]


def test_the_ready_checks_fail_with_the_reviews_line(project, tmp_path):
    _example(project)
    project.write_models(
        (EXAMPLE / "models.py").read_text().replace("max_length=200", "max_length=300")
    )
    (project.versions / "0003_other_head.py").write_text(
        'revision = "0003"\ndown_revision = "0001"\n\n\ndef upgrade():\n    pass\n\n\n'
        "def downgrade():\n    pass\n"
    )
    with pytest.raises(pytest.fail.Exception) as heads, project.models_path():
        checks.test_single_head(project.root)
    assert str(heads.value).startswith("error: the revisions have 2 heads (0002, 0003).")
    (project.versions / "0003_other_head.py").unlink()
    url = URL.create("sqlite", database=str(tmp_path / "server.db"))
    with project.models_path():
        results = scratch_results(_database(project, url).settings, url)
    with pytest.raises(pytest.fail.Exception) as drift:
        checks.test_models_match_head(results)
    assert str(drift.value).startswith(
        "Models match the database at head (no missing migration): 1 difference(s)"
    )
    checks.test_up_down_up_with_rows(results)
