"""Faults while applying: a revision blocked by a held lock times out, retries and names the
blocker; a runner killed with SIGKILL mid-revision is reported and the next run converges;
a failing revision stops with one line and its history row says what remains."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from tests.revision_files import (
    EMPTY_MODELS,
    history_rows,
    spawn,
    write_revision,
    write_revisions,
)
from tests.test_bad_input import SECRET, assert_one_line_error

ADD_COLUMN = 'op.add_column("t1", sa.Column("extra", sa.Integer, nullable=True))'
DROP_COLUMN = 'op.drop_column("t1", "extra")'


@pytest.fixture
def on_database(project):
    """A scratch project on ``url`` where 0001 (creating t1) is already applied."""

    def setup(url):
        project.use_database(url)
        project.write_models(EMPTY_MODELS)
        write_revision(project.versions, 1)
        project.ok("update-db")
        project.env.update(
            WORKBENCH_LOCK_RETRY_BACKOFF_MS="100", WORKBENCH_MIGRATION_LOCK_WAIT="30"
        )
        return project

    return setup


class HeldLock:
    """Another session reading t1 inside an open transaction: it blocks ALTER TABLE t1."""

    def __init__(self, url) -> None:
        self.engine = create_engine(url, poolclass=NullPool)
        self.conn = self.engine.connect()
        if self.engine.dialect.name == "postgresql":
            self.conn.execute(text("SET application_name = 'reporting-job'"))
            self.pid = self.conn.execute(text("SELECT pg_backend_pid()")).scalar()
        self.conn.execute(text("SELECT * FROM t1")).all()  # holds the lock until rollback

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()
        self.engine.dispose()


def _columns(url, table: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def test_blocked_revision_times_out_retries_and_names_the_blocker(on_database, any_url, dialect):
    if dialect == "sqlite":
        pytest.skip("SQLite has no lock timeout: a writer waits for the database file")
    two_step = on_database(any_url)
    write_revision(two_step.versions, 2, ADD_COLUMN, DROP_COLUMN)
    two_step.env.update(WORKBENCH_LOCK_TIMEOUT_MS="300", WORKBENCH_LOCK_RETRIES="2")
    blocker = HeldLock(any_url)
    try:
        result = two_step.run("update-db")
    finally:
        blocker.release()
    fragments = ["revision 0002_rev_2 gave up waiting for a lock after 3 attempt(s)"]
    if dialect.startswith("pg-"):
        fragments += ['table "t1"', f"pid {blocker.pid}", "reporting-job", "query started"]
    assert_one_line_error(result, *fragments)
    assert result.stderr.count("retrying in") == 2
    failed = "rolled_back" if dialect.startswith("pg-") else "failed"
    assert history_rows(any_url) == [("0001", "up", "applied")] + [("0002", "up", failed)] * 3
    assert "extra" not in _columns(any_url, "t1")

    two_step.ok("update-db")
    assert history_rows(any_url)[-1] == ("0002", "up", "applied")
    assert "extra" in _columns(any_url, "t1")


@pytest.mark.e2e
def test_retry_succeeds_once_the_blocker_is_gone(on_database, pg_url):
    two_step = on_database(pg_url)
    write_revision(two_step.versions, 2, ADD_COLUMN, DROP_COLUMN)
    two_step.env.update(WORKBENCH_LOCK_TIMEOUT_MS="300", WORKBENCH_LOCK_RETRIES="20")
    blocker = HeldLock(pg_url)
    try:
        runner = spawn(two_step, "update-db")
        deadline = time.monotonic() + 60
        while ("0002", "up", "rolled_back") not in history_rows(pg_url):
            assert time.monotonic() < deadline and runner.poll() is None
            time.sleep(0.1)
    finally:
        blocker.release()
    _, err = runner.communicate(timeout=120)
    assert runner.returncode == 0, err
    assert "lock_timeout (300 ms) on attempt 1 of 21" in err
    assert 'table "t1" (AccessExclusiveLock wanted) is held by pid' in err
    rows = history_rows(pg_url)
    assert rows[-1] == ("0002", "up", "applied")
    assert set(rows[1:-1]) == {("0002", "up", "rolled_back")}


def test_revision_lock_timeout_overrides_the_setting(on_database, pg_url):
    two_step = on_database(pg_url)
    write_revision(two_step.versions, 2, ADD_COLUMN, DROP_COLUMN, header="lock_timeout_ms = 200")
    two_step.env.update(WORKBENCH_LOCK_TIMEOUT_MS="600000", WORKBENCH_LOCK_RETRIES="0")
    blocker = HeldLock(pg_url)
    try:
        started = time.monotonic()
        result = two_step.run("update-db")
        elapsed = time.monotonic() - started
    finally:
        blocker.release()
    assert_one_line_error(result, "after 1 attempt(s) of 200 ms", 'table "t1"')
    assert elapsed < 60


def test_revision_statement_timeout(on_database, pg_url):
    two_step = on_database(pg_url)
    write_revision(
        two_step.versions,
        2,
        'op.execute("SELECT pg_sleep(5)")',
        "pass",
        header="statement_timeout_ms = 100",
    )
    result = two_step.run("update-db")
    assert_one_line_error(
        result, "applying revision 0002_rev_2 failed", "statement timeout", "rolled back"
    )
    assert history_rows(pg_url)[-1] == ("0002", "up", "rolled_back")


SLEEP_IN_DATABASE = """
op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))
op.execute(sa.text("SELECT pg_sleep(:s)").bindparams(s=float(os.environ.get("PG_SLEEP", "0"))))
"""


def _wait_for_running(url, revision: str, process) -> None:
    deadline = time.monotonic() + 90
    while (revision, "up", "running") not in history_rows_or_empty(url):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the revision never started"
        time.sleep(0.1)
    time.sleep(0.5)


def history_rows_or_empty(url):
    try:
        return history_rows(url)
    except Exception:  # the table is created by the runner
        return []


def _kill_mid_revision_then_rerun(project, url, **env: str):
    write_revisions(project.versions, 1, start=3)
    runner = spawn(project, "update-db", **env)
    _wait_for_running(url, "0002", runner)
    runner.send_signal(signal.SIGKILL)
    runner.communicate(timeout=30)
    assert runner.returncode == -signal.SIGKILL
    return project.run("update-db", timeout=180)


@pytest.mark.e2e
def test_kill_9_inside_a_database_statement_then_rerun_converges(on_database, pg_url):
    """The killed runner's backend is still in pg_sleep: the server notices the dead client
    (client_connection_check_interval), rolls back and frees the migration lock."""
    two_step = on_database(pg_url)
    write_revision(two_step.versions, 2, SLEEP_IN_DATABASE, 'op.drop_table("t2")')
    result = _kill_mid_revision_then_rerun(two_step, pg_url, PG_SLEEP="120")
    assert result.returncode == 0, result.output
    assert "stopped while applying 0002; the database rolled its transaction back" in (
        result.stderr
    )
    assert history_rows(pg_url) == [
        ("0001", "up", "applied"),
        ("0002", "up", "rolled_back"),
        ("0002", "up", "applied"),
        ("0003", "up", "applied"),
    ]
    assert {"t1", "t2", "t3"} <= set(inspect(create_engine(pg_url)).get_table_names())


@pytest.mark.e2e
def test_kill_9_between_statements_then_rerun_converges(on_database, any_url, dialect):
    two_step = on_database(any_url)
    write_revision(two_step.versions, 2)
    result = _kill_mid_revision_then_rerun(two_step, any_url, REVISION_SLEEP_0002="120")
    assert result.returncode == 0, result.output
    assert "stopped while applying 0002" in result.stderr
    stale = "rolled_back" if dialect.startswith("pg-") else "failed"
    assert history_rows(any_url) == [
        ("0001", "up", "applied"),
        ("0002", "up", stale),
        ("0002", "up", "applied"),
        ("0003", "up", "applied"),
    ]


def test_failing_revision_stops_with_one_masked_line(on_database, sqlite_url):
    two_step = on_database(sqlite_url)
    write_revision(
        two_step.versions,
        2,
        f'raise RuntimeError("cannot reach postgresql://app:{SECRET}@db/app")',
        "pass",
    )
    write_revisions(two_step.versions, 1, start=3)
    result = two_step.run("update-db")
    assert_one_line_error(
        result, "applying revision 0002_rev_2 failed: RuntimeError", "app:***@db/app"
    )
    assert history_rows(sqlite_url) == [("0001", "up", "applied"), ("0002", "up", "failed")]
    status = two_step.ok("status").stdout
    assert "Pending (2):" in status


AUTOCOMMIT_INDEX = """
op.add_column("t1", sa.Column("extra", sa.Integer, nullable=True))
with op.get_context().autocommit_block():
    op.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_t1_extra ON t1 (extra)")
"""


def test_autocommit_block_runs_and_a_failure_after_it_is_marked_failed(on_database, pg_url):
    two_step = on_database(pg_url)
    write_revision(two_step.versions, 2, AUTOCOMMIT_INDEX, 'op.drop_column("t1", "extra")')
    two_step.ok("update-db")
    assert history_rows(pg_url)[-1] == ("0002", "up", "applied")
    engine = create_engine(pg_url, poolclass=NullPool)
    indexes = {i["name"] for i in inspect(engine).get_indexes("t1")}
    engine.dispose()
    assert "ix_t1_extra" in indexes

    write_revision(
        two_step.versions,
        3,
        AUTOCOMMIT_INDEX.replace("extra", "other") + '\nop.execute("SELECT 1/0")',
        "pass",
    )
    result = two_step.run("update-db")
    assert_one_line_error(result, "applying revision 0003_rev_3 failed", "division by zero")
    assert "ran outside a transaction and may remain" in result.stderr
    assert history_rows(pg_url)[-1] == ("0003", "up", "failed")
