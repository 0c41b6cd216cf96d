"""update-db stops before a contract revision until ``--contract`` (issue 14).

An expand/contract change ships its expand half with the new code; the contract half
drops what the old code still reads, so applying it in the same deploy breaks the old
code still serving. The gate is in the revision files alone (``phase = "contract"``),
so it needs no particular database: SQLite proves it here; the runner under it is the
one every other runner test covers on every database.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import URL, create_engine, inspect
from sqlalchemy.pool import NullPool

from tests.revision_files import EMPTY_MODELS, write_revision

WAITING = (
    "Waiting: 0003_rev_3 is a contract revision (it removes what the old code still uses); "
    "run `uvx invoke update-db --contract` once the new code is fully deployed."
)


def _columns(url: URL, table: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _version(url: URL) -> str:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    finally:
        engine.dispose()


@pytest.fixture
def expand_contract(project, sqlite_url):
    """0001 a table, 0002 expand (adds ``new``), 0003 contract (drops ``old``), 0004 after."""
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revision(
        project.versions,
        1,
        'op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("old", sa.Integer))',
        'op.drop_table("t")',
    )
    write_revision(
        project.versions,
        2,
        'op.add_column("t", sa.Column("new", sa.Integer))',
        'op.drop_column("t", "new")',
        header='phase = "expand"',
    )
    write_revision(
        project.versions,
        3,
        'op.drop_column("t", "old")',
        'op.add_column("t", sa.Column("old", sa.Integer))',
        header='phase = "contract"',
    )
    write_revision(project.versions, 4)
    return project


def test_update_db_stops_before_the_contract_until_told(expand_contract, sqlite_url):
    first = expand_contract.ok("update-db")
    assert _version(sqlite_url) == "0002"
    assert _columns(sqlite_url, "t") == {"id", "old", "new"}
    assert WAITING in first.stderr

    again = expand_contract.ok("update-db")  # a rerun of the deploy job: still waiting
    assert "Upgrading" not in again.output and WAITING in again.stderr
    assert _version(sqlite_url) == "0002"

    named = expand_contract.ok("update-db", "--revision", "0004")  # a target past it too
    assert WAITING in named.stderr and _version(sqlite_url) == "0002"

    status = expand_contract.ok("status")
    assert "· 0003_rev_3  (contract: waits for uvx invoke update-db --contract)" in status.stdout
    assert "· 0004_rev_4\n" in status.stdout

    done = expand_contract.ok("update-db", "--contract")
    assert "Waiting" not in done.output
    assert _version(sqlite_url) == "0004"
    assert _columns(sqlite_url, "t") == {"id", "new"}


def test_offline_sql_stops_before_the_contract(expand_contract):
    without = expand_contract.ok("update-db", "--sql")
    assert "ADD COLUMN new" in without.stdout
    assert "DROP COLUMN old" not in without.stdout and "CREATE TABLE t4" not in without.stdout
    assert WAITING in without.stderr

    rest = expand_contract.ok("update-db", "--sql", "--contract", "--revision", "0002:head")
    assert "ADD COLUMN new" not in rest.stdout
    assert "DROP COLUMN old" in rest.stdout and "CREATE TABLE t4" in rest.stdout
    assert "Waiting" not in rest.stderr


def test_review_says_which_contract_revisions_wait(expand_contract):
    expand_contract.ok("update-db")
    report = expand_contract.run("review", "--no-round-trip", "--format", "json")
    checks = {c["name"]: c for c in json.loads(report.stdout)["checks"]}
    waiting = checks["Contract revisions wait"]
    assert waiting["status"] == "warning"
    assert waiting["summary"] == (
        "update-db stops before 0003_rev_3; run `uvx invoke update-db --contract` once the "
        "new code is fully deployed"
    )


def test_a_misspelt_phase_is_refused_before_anything_runs(expand_contract, sqlite_url):
    path = expand_contract.versions / "0003_rev_3.py"
    path.write_text(path.read_text().replace('phase = "contract"', 'phase = "contarct"'))
    result = expand_contract.run("update-db")
    assert result.returncode == 1 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "error: 0003_rev_3.py declares phase = 'contarct', which is neither 'expand' nor "
        '\'contract\'. Fix: write phase = "expand" or phase = "contract", or remove the line.'
    )
    assert not inspect(create_engine(sqlite_url, poolclass=NullPool)).get_table_names()


def test_fleet_targets_wait_at_the_contract(expand_contract, tmp_path):
    urls = [URL.create("sqlite", database=str(tmp_path / f"tenant{n}.db")) for n in (1, 2)]
    fleet = tmp_path / "fleet.toml"
    fleet.write_text("".join(f'[[target]]\nurl = "{url}"\n' for url in urls))

    first = expand_contract.ok("update-db", "--fleet", str(fleet))
    assert [_version(url) for url in urls] == ["0002", "0002"]
    assert "0003_rev_3 waits for update-db --contract" in first.output
    assert "0 of 2 target(s) at head, 2 waiting for update-db --contract" in first.stderr

    expand_contract.ok("update-db", "--fleet", str(fleet), "--contract")
    assert [_version(url) for url in urls] == ["0004", "0004"]
