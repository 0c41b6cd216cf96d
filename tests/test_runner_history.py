"""History and repeated runs: 20 revisions applied and reverted again and again leave the
schema and alembic_history consistent; status, history, stamp and --sql show the runs."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.pool import NullPool

from tests.revision_files import EMPTY_MODELS, history_rows, rev_id, write_revision, write_revisions

COUNT = 20


def _tables(url) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {t for t in inspect(engine).get_table_names() if not t.startswith("alembic_")}
    finally:
        engine.dispose()


def _replay(rows: list[tuple[str, str, str]]) -> set[str]:
    """The applied revisions the history implies; each step must make sense in order."""
    applied: set[str] = set()
    for revision, direction, status in rows:
        assert status == "applied", rows
        if direction == "up":
            assert revision not in applied, f"{revision} applied twice"
            applied.add(revision)
        else:
            assert revision in applied, f"{revision} reverted while not applied"
            applied.remove(revision)
    return applied


def _expect(upto: int) -> set[str]:
    return {f"t{n}" for n in range(1, upto + 1)}


@pytest.fixture
def twenty(project, any_url):
    project.use_database(any_url)
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, COUNT)
    return project


def test_twenty_revisions_up_and_down_repeatedly_stay_consistent(twenty, any_url):
    moves = [
        (["update-db"], COUNT),
        (["downgrade", "--revision", rev_id(10)], 10),
        (["update-db", "--revision", rev_id(15)], 15),
        (["downgrade", "--revision", "-3"], 12),
        (["downgrade", "--revision", "base"], 0),
    ]
    for _cycle in range(2):
        for args, upto in moves:
            twenty.ok(*args)
            assert _tables(any_url) == _expect(upto), args
            applied = _replay(history_rows(any_url))
            assert applied == {rev_id(n) for n in range(1, upto + 1)}, args
    assert len(history_rows(any_url)) == 2 * (20 + 10 + 5 + 3 + 12)
    twenty.ok("update-db")
    assert _replay(history_rows(any_url)) == {rev_id(n) for n in range(1, COUNT + 1)}


def test_status_and_history_show_the_runs(twenty, sqlite_url, dialect):
    if dialect != "sqlite":
        pytest.skip("output format: one database kind is enough")
    twenty.ok("update-db", "--revision", rev_id(3))
    again = twenty.ok("update-db", "--revision", rev_id(3))
    assert "applied" not in again.stderr
    status = twenty.ok("status").stdout
    assert "Last run:" in status and "0003       up   applied" in status
    assert "Pending (17):" in status

    history = twenty.ok("history", "--limit", "2").stdout
    runs = history.split("Runs recorded in alembic_history")[1].splitlines()[2:]
    assert len(runs) == 2
    assert runs[0].split()[2:5] == ["0003", "up", "applied"]
    assert runs[1].split()[2:5] == ["0002", "up", "applied"]

    twenty.ok("stamp", rev_id(1))
    twenty.ok("stamp", "head")
    rows = history_rows(sqlite_url)
    assert rows[-2:] == [("0001", "down", "applied"), ("0020", "up", "applied")]
    assert "stamped: recorded without running" in twenty.ok("history").stdout
    assert "Up to date" in twenty.ok("status").stdout
    assert "nothing to apply" in twenty.ok("update-db").stderr


def test_update_db_sql_sets_timeouts_and_touches_nothing(project, pg_url):
    project.use_database(pg_url)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    write_revision(project.versions, 2, header="lock_timeout_ms = 250")
    project.env["WORKBENCH_LOCK_TIMEOUT_MS"] = "1234"
    result = project.ok("update-db", "--sql")
    sql = result.stdout
    first = sql.index("set_config('lock_timeout', '1234ms', false)")
    second = sql.index("set_config('lock_timeout', '250ms', false)")
    assert first < sql.index("CREATE TABLE t1") < second < sql.index("CREATE TABLE t2")
    assert "alembic_history" not in sql
    assert _tables(pg_url) == set()
    engine = create_engine(pg_url, poolclass=NullPool)
    assert not inspect(engine).has_table("alembic_history")
    engine.dispose()


def test_an_application_table_named_alembic_history_is_refused(project, sqlite_url):
    """It failed mid-run with "no such column: alembic_history.id" and no Fix."""
    from tests.scenario import execute

    execute(sqlite_url, "CREATE TABLE alembic_history (note TEXT)")
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    result = project.run("update-db")
    assert result.returncode == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert "a table alembic_history that is not the workbench's" in line
    assert "Fix: rename that table" in line
    assert "t1" not in _tables(sqlite_url)
