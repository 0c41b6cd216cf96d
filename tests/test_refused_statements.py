"""Statements the database refuses for want of a right: one line whose Fix says what to grant
(issue 21, item 31). A deploy user that is not the schema's owner is the common case, and on
PostgreSQL 15+ an ordinary user may no longer create tables in ``public``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import URL, create_engine, inspect
from sqlalchemy.pool import NullPool

from tests.revision_files import EMPTY_MODELS, history_rows, write_revision
from tests.scenario import execute

GRANT_FIX = (
    "grant the DATABASE_URL user the privilege named (to create tables on PostgreSQL 15+: "
    "GRANT CREATE ON SCHEMA public), or migrate as the owner."
)


def _error(result) -> str:
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    return line


def _tables(url: URL) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture
def pg_deployer(pg_url: URL) -> Iterator[URL]:
    """A login role with no rights beyond connecting: ``pg_url`` as that role."""
    role = f"wb_deploy_{uuid.uuid4().hex[:8]}"
    # explicit, so the role lacks the right on any version (PUBLIC had it before 15)
    execute(pg_url, f'CREATE ROLE "{role}" LOGIN', "REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    yield pg_url.set(username=role, password=None)
    execute(pg_url, f'DROP OWNED BY "{role}"', f'DROP ROLE "{role}"')


def test_no_create_on_public_is_one_line_saying_what_to_grant(project, pg_url, pg_deployer):
    project.use_database(pg_deployer)
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    line = _error(project.run("update-db"))
    assert line == (
        "error: the database refused a statement: permission denied for schema public. "
        f"Fix: {GRANT_FIX}"
    )
    assert _tables(pg_url) == set()  # not even alembic_history


def test_a_revision_refused_on_a_table_it_does_not_own(project, pg_url, pg_deployer):
    """History can be written, the revision's ALTER cannot: rolled back, the grant named."""
    execute(
        pg_url,
        "CREATE TABLE legacy (id integer PRIMARY KEY)",
        f'GRANT CREATE ON SCHEMA public TO "{pg_deployer.username}"',
    )
    project.use_database(pg_deployer)
    project.write_models(EMPTY_MODELS)
    alter = 'op.add_column("legacy", sa.Column("x", sa.Integer))'
    write_revision(project.versions, 1, upgrade=alter)
    line = _error(project.run("update-db"))
    assert line == (
        "error: applying revision 0001_rev_1 failed: must be owner of table "
        "legacy. Fix: its transaction was rolled back, so nothing of it remains; "
        f"{GRANT_FIX}"
    )
    assert history_rows(pg_url) == [("0001", "up", "rolled_back")]


def test_mysql_user_without_create_is_told_what_to_grant(project, mysql_url):
    user = f"wb_deploy_{uuid.uuid4().hex[:8]}"
    execute(
        mysql_url,
        f"CREATE USER '{user}'@'%'",
        f"GRANT SELECT ON `{mysql_url.database}`.* TO '{user}'@'%'",
    )
    try:
        project.use_database(mysql_url.set(username=user, password=None))
        project.write_models(EMPTY_MODELS)
        write_revision(project.versions, 1)
        line = _error(project.run("update-db"))
        assert "CREATE command denied to user" in line
        assert line.endswith(f"Fix: {GRANT_FIX}")
        assert _tables(mysql_url) == set()
    finally:
        execute(mysql_url, f"DROP USER '{user}'@'%'")


def test_a_read_only_sqlite_file(project, tmp_path):
    database = tmp_path / "app.db"
    execute(URL.create("sqlite", database=str(database)), "CREATE TABLE keep (id integer)")
    project.use_database(f"sqlite:///file:{database}?mode=ro&uri=true")
    project.write_models(EMPTY_MODELS)
    write_revision(project.versions, 1)
    line = _error(project.run("update-db"))
    assert "attempt to write a readonly database" in line
    assert line.endswith(
        "Fix: make the SQLite file and its folder writable, or open it without mode=ro."
    )


def test_a_sqlite_file_in_a_missing_folder(project, tmp_path):
    project.use_database(f"sqlite:///{tmp_path}/no/such/folder/app.db")
    project.write_models(EMPTY_MODELS)
    line = _error(project.run("status"))
    assert "unable to open database file" in line
    assert line.endswith(
        "Fix: check that the file's folder exists and that this user may write in it "
        "(SQLite creates the file, not its folder)."
    )
    assert not (tmp_path / "no").exists()
