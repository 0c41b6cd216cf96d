"""The migration lock: runners started together apply every revision exactly once, and a
runner that cannot get the lock in time stops with one line, having changed nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from common.runner.lock import migration_lock
from tests.revision_files import EMPTY_MODELS, history_rows, rev_id, spawn, write_revisions
from tests.test_bad_input import assert_one_line_error

COUNT = 6


@pytest.fixture
def runner_project(project, any_url):
    project.use_database(any_url)
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, COUNT)
    return project


@pytest.mark.e2e
def test_two_runners_apply_every_revision_once(runner_project, any_url):
    runners = [spawn(runner_project, "update-db", REVISION_SLEEP="0.3") for _ in range(2)]
    results = [(*p.communicate(timeout=300), p.returncode) for p in runners]
    results = [(code, out, err) for out, err, code in results]
    for code, _, err in results:
        assert code == 0, err
    expected = [(rev_id(n), "up", "applied") for n in range(1, COUNT + 1)]
    assert history_rows(any_url) == expected
    errs = [err for _, _, err in results]
    for n in range(1, COUNT + 1):
        assert sum(err.count(f"applied {rev_id(n)}_rev_{n} (") for err in errs) == 1, errs
    loser = next(err for err in errs if "applied 0001_rev_1" not in err)
    assert "nothing left to do" in loser or "Already at head" in loser, loser


def test_runner_gives_up_when_the_lock_stays_taken(runner_project, any_url):
    runner_project.env["WORKBENCH_MIGRATION_LOCK_WAIT"] = "0.5"
    engine = create_engine(any_url, poolclass=NullPool)
    try:
        with (
            engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder,
            migration_lock(holder, wait_seconds=0),
        ):
            result = runner_project.run("update-db", timeout=120)
            tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert_one_line_error(result, "another runner still holds the migration lock after 0.5 s")
    assert "Another runner holds the migration lock" in result.stderr
    assert not [t for t in tables if t.startswith("t")]
