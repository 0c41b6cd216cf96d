"""``python -m common indexes``: sizes, scans, INVALID and duplicate indexes flagged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa


def _setup(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER, w INTEGER)"))
        conn.execute(sa.text("CREATE TABLE other (id INTEGER PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO item SELECT g, g % 3, g FROM generate_series(1, 100) g"))
        conn.execute(sa.text("CREATE INDEX ix_item_w ON item (w)"))
        conn.execute(sa.text("CREATE INDEX ix_item_w_copy ON item (w)"))
        conn.execute(sa.text("CREATE INDEX ix_item_w_partial ON item (w) WHERE w > 5"))
    raw = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with raw, pytest.raises(sa.exc.IntegrityError):
        raw.execute(sa.text("CREATE UNIQUE INDEX CONCURRENTLY ix_item_v ON item (v)"))


def test_lists_and_flags(project, pg_url, engine_for):
    _setup(engine_for(pg_url))
    project.use_database(pg_url)
    project.write_models("from sqlmodel import SQLModel\n")
    out = project.ok("indexes", "--table", "item").stdout
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("item ")}
    assert set(lines) == {
        "item_pkey",
        "ix_item_v",
        "ix_item_w",
        "ix_item_w_copy",
        "ix_item_w_partial",
    }
    assert "INVALID" in lines["ix_item_v"]
    assert "DUPLICATE of ix_item_w_copy" in lines["ix_item_w"]
    assert "DUPLICATE of ix_item_w" in lines["ix_item_w_copy"]
    assert "DUPLICATE" not in lines["ix_item_w_partial"]  # another predicate: not a duplicate
    assert "INVALID" not in lines["item_pkey"] and "unused" not in lines["item_pkey"]
    assert " kB " in lines["item_pkey"] and " scans" in lines["item_pkey"]
    assert "5 indexes, 1 invalid, 2 in duplicate groups." in out
    assert "op.reindex_concurrently('ix_item_v')" in out
    assert (
        "ix_item_w_copy duplicates ix_item_w: op.drop_index_concurrently('ix_item_w_copy')" in out
    )
    everything = project.ok("indexes").stdout
    assert "other_pkey" in everything


def test_a_table_whose_name_needs_quoting(project, pg_url, engine_for):
    """``--table CamelTbl`` used to be looked up folded to lower case: "does not exist"."""
    with engine_for(pg_url).begin() as conn:
        conn.execute(sa.text('CREATE TABLE "CamelTbl" (id INTEGER PRIMARY KEY)'))
    project.use_database(pg_url)
    project.write_models("from sqlmodel import SQLModel\n")
    out = project.ok("indexes", "--table", "CamelTbl").stdout
    assert "CamelTbl_pkey" in out


def test_unknown_table_and_other_databases(project, pg_url, sqlite_url):
    project.write_models("from sqlmodel import SQLModel\n")
    project.use_database(pg_url)
    missing = project.run("indexes", "--table", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip().endswith(
        "error: table 'nope' does not exist. Fix: check the table name."
    )
    project.use_database(sqlite_url)
    other = project.run("indexes")
    assert other.returncode == 1
    assert "error: the indexes command needs PostgreSQL" in other.stderr
    assert "Traceback" not in other.output


@pytest.mark.e2e
def test_invoke_task_documents_table():
    import shutil
    import subprocess

    from tests.conftest import ROOT

    if shutil.which("uvx") is None:
        pytest.skip("uvx is not installed")
    result = subprocess.run(
        ["uvx", "invoke", "--help", "indexes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "--table" in result.stdout and "only the indexes of this table" in result.stdout
