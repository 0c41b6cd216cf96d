"""Losing the migration lock's connection while a revision runs (issue 21, item 5).

The control connection holds the migration lock; when the server ends it (terminated by
an operator, or by ``idle_session_timeout`` while a long revision keeps it idle), the
revision still running on its own connection must be reported as what it is (applied),
the next revision must not start, the run must say so in one line, and no other runner
may start revisions while the first one is still inside its revision.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.revision_files import EMPTY_MODELS, history_rows, spawn, write_revision
from tests.scenario import execute, rows
from tests.test_bad_input import assert_one_line_error

# the session holding the migration lock: the runner's control connection
_PG_HOLDER = """
sa.text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND classid = 22338 AND objid = 1 AND objsubid = 2 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)
"""

TERMINATE_CONTROL_PG = f"""
op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))
bind = op.get_bind()
holder = bind.execute({_PG_HOLDER.strip()}).scalar()
assert holder != bind.execute(sa.text("SELECT pg_backend_pid()")).scalar()
bind.execute(sa.text("SELECT pg_terminate_backend(:pid, 10000)"), {{"pid": holder}})
"""

KILL_CONTROL_MYSQL = """
import hashlib

op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))
bind = op.get_bind()
database = bind.execute(sa.text("SELECT DATABASE()")).scalar()
name = "workbench-" + hashlib.sha1(database.encode()).hexdigest()
holder = bind.execute(sa.text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar()
assert holder != bind.execute(sa.text("SELECT CONNECTION_ID()")).scalar()
bind.execute(sa.text(f"KILL CONNECTION {int(holder)}"))  # KILL takes no bound parameter
deadline = time.monotonic() + 10
while bind.execute(sa.text("SELECT IS_USED_LOCK(:n)"), {"n": name}).scalar() == holder:
    assert time.monotonic() < deadline
    time.sleep(0.05)
"""

# The second runner must have arrived (holding the first key, its control connection
# being gone from the first runner) before this revision finishes: then a runner that
# could take over would already be running 0002 a second time.
TERMINATE_THEN_WAIT_FOR_A_SECOND_RUNNER = f"""
{TERMINATE_CONTROL_PG.strip()}
with bind.engine.connect() as other:
    other.execute(sa.text("INSERT INTO killed VALUES (1)"))
    other.commit()
    deadline = time.monotonic() + 90
    while other.execute({_PG_HOLDER.strip()}).scalar() in (None, holder):
        assert time.monotonic() < deadline, "the second runner never came"
        other.rollback()
        time.sleep(0.1)
time.sleep(1.5)
"""

LOST_LINE = "lost the migration lock (its connection ended) after applying 0002_rev_2; "


def _project(project, url, upgrade_0002: str):
    project.use_database(url)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    project.ok("update-db")
    write_revision(project.versions, 2, upgrade_0002, 'op.drop_table("t2")')
    write_revision(project.versions, 3)
    return project


def _assert_stopped_after_0002(result, url) -> None:
    assert_one_line_error(result, LOST_LINE + "0003_rev_3 was not started.", "Fix: rerun")
    assert "applied 0002_rev_2 (" in result.stderr
    assert "failed" not in result.output
    assert rows(url, "SELECT version_num FROM alembic_version") == [("0002",)]
    assert history_rows(url) == [("0001", "up", "applied"), ("0002", "up", "applied")]


def _assert_rerun_completes(project, url) -> None:
    again = project.ok("update-db")
    assert "stopped while" not in again.stderr  # no stale row was left behind
    assert rows(url, "SELECT version_num FROM alembic_version") == [("0003",)]
    assert history_rows(url)[-1] == ("0003", "up", "applied")
    assert len(history_rows(url)) == 3


def test_control_connection_terminated_mid_revision(project, pg_url):
    lost = _project(project, pg_url, TERMINATE_CONTROL_PG)
    result = lost.run("update-db")
    _assert_stopped_after_0002(result, pg_url)
    assert rows(pg_url, "SELECT to_regclass('t2') IS NOT NULL, to_regclass('t3')") == [(True, None)]
    _assert_rerun_completes(lost, pg_url)


def test_control_connection_lost_during_the_last_revision(project, pg_url):
    """Nothing was left to start: the run did all it was asked, and says what happened."""
    lost = _project(project, pg_url, TERMINATE_CONTROL_PG)
    (lost.versions / "0003_rev_3.py").unlink()
    result = lost.ok("update-db")
    assert "note: the migration lock's connection ended while 0002_rev_2 ran" in result.stderr
    assert "Database is at 0002." in result.stdout
    assert history_rows(pg_url) == [("0001", "up", "applied"), ("0002", "up", "applied")]


AUTOCOMMIT_AFTER_THE_LOSS = f"""
{TERMINATE_CONTROL_PG.strip()}
with op.get_context().autocommit_block():
    op.execute("CREATE INDEX CONCURRENTLY ix_t1_id ON t1 (id)")
raise RuntimeError("boom")
"""


def test_steps_outside_the_transaction_are_noted_without_the_control(project, pg_url):
    """The note that part of a revision may remain is written on the revision's own
    (autocommit) connection, so the next run reports the row as ``failed``, not as
    rolled back."""
    broken = _project(project, pg_url, AUTOCOMMIT_AFTER_THE_LOSS)
    result = broken.run("update-db")
    assert_one_line_error(result, "applying revision 0002_rev_2 failed: RuntimeError: boom")
    assert "ran outside a transaction and may remain" in result.stderr
    write_revision(broken.versions, 2, 'op.execute("SELECT 1")', "pass")  # t2 remains
    again = broken.ok("update-db")
    assert "stopped while applying 0002; some of its steps ran outside a transaction" in (
        again.stderr
    )
    assert history_rows(pg_url) == [
        ("0001", "up", "applied"),
        ("0002", "up", "failed"),
        ("0002", "up", "applied"),
        ("0003", "up", "applied"),
    ]


def test_control_connection_ended_by_idle_session_timeout(project, pg_url, monkeypatch):
    """The server ends the control session, idle while a four-second revision runs.

    The timeout reaches every session update-db opens, so it is set well above the idle
    gaps of the others (a loaded CI machine once let one idle past 500 ms) and well below
    the revision's length, which only the control session spends idle."""
    monkeypatch.setenv("REVISION_SLEEP_0002", "4")
    sleepy = _project(project, pg_url, 'op.create_table("t2", sa.Column("id", sa.Integer))')
    database = pg_url.database
    execute(pg_url, f"ALTER DATABASE \"{database}\" SET idle_session_timeout = '1500ms'")
    result = sleepy.run("update-db")
    execute(pg_url, f'ALTER DATABASE "{database}" RESET idle_session_timeout')
    _assert_stopped_after_0002(result, pg_url)
    _assert_rerun_completes(sleepy, pg_url)


def test_control_connection_killed_mid_revision_on_mysql(project, mysql_url):
    lost = _project(project, mysql_url, KILL_CONTROL_MYSQL)
    result = lost.run("update-db")
    _assert_stopped_after_0002(result, mysql_url)
    _assert_rerun_completes(lost, mysql_url)


@pytest.mark.e2e
def test_no_second_runner_takes_over_while_the_revision_runs(project, pg_url):
    """A second runner started once the first lost its control connection waits for the
    first runner's revision connection, then applies only what is left."""
    execute(pg_url, "CREATE TABLE killed (n INTEGER)")
    first = _project(project, pg_url, TERMINATE_THEN_WAIT_FOR_A_SECOND_RUNNER)
    second: list = []

    def start_second_runner() -> None:
        deadline = time.monotonic() + 90
        while rows(pg_url, "SELECT count(*) FROM killed") == [(0,)]:
            if time.monotonic() > deadline:
                return
            time.sleep(0.1)
        second.append(spawn(first, "update-db"))

    starter = threading.Thread(target=start_second_runner)
    starter.start()
    result = first.run("update-db", timeout=180)
    starter.join()
    assert second, result.output
    _, err = second[0].communicate(timeout=180)
    assert second[0].returncode == 0, err
    assert_one_line_error(result, LOST_LINE + "0003_rev_3 was not started.")
    assert "Another runner holds the migration lock (pid " in err
    assert "workbench update-db, connected since" in err  # the first runner's revision session
    assert "applied 0003_rev_3 (" in err
    assert " 0002" not in err  # it neither ran 0002 again nor marked its row stale
    assert history_rows(pg_url) == [
        ("0001", "up", "applied"),
        ("0002", "up", "applied"),
        ("0003", "up", "applied"),
    ]
