"""merge and squash on real databases: the files they leave, the databases that follow.

A squash must leave a history that (1) builds the same schema on a fresh database, (2)
lets a database that applied the squashed chain upgrade on, checksums and all, and (3)
refuses, in one line and with nothing changed, what it cannot squash.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from sqlalchemy import URL

from common.review.checks.snapshot import snapshot
from tests.conftest import ROOT
from tests.revision_files import EMPTY_MODELS, history_rows, write_revision
from tests.test_bad_input import assert_one_line_error

CHAIN = {
    1: ('op.create_table("item", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("name", sa.String(50), nullable=False))', 'op.drop_table("item")'),
    2: ('op.add_column("item", sa.Column("note", sa.Text()))\n'
        'op.create_index("ix_item_name", "item", ["name"])',
        'op.drop_index("ix_item_name", "item")\n'
        'with op.batch_alter_table("item") as b:\n    b.drop_column("note")'),
    3: ('op.create_table("tag", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("item_id", sa.Integer, sa.ForeignKey("item.id"), nullable=False), '
        'sa.Column("label", sa.String(20), server_default="new"))', 'op.drop_table("tag")'),
    4: ('with op.batch_alter_table("item") as b:\n    b.drop_column("note")',
        'op.add_column("item", sa.Column("note", sa.Text()))'),
    5: ('op.add_column("tag", sa.Column("weight", sa.Integer()))',
        'with op.batch_alter_table("tag") as b:\n    b.drop_column("weight")'),
}  # fmt: skip


def _chain(project, last: int = 5) -> None:
    project.write_models(EMPTY_MODELS)
    for num in range(1, last + 1):
        write_revision(project.versions, num, *CHAIN[num])


def _schema(engine_for, url: URL) -> dict:
    with engine_for(url).connect() as connection:
        return snapshot(connection)


def _files(project) -> list[str]:
    return [path.name for path in project.revision_files()]


def test_squash_keeps_old_databases_working_and_builds_fresh_ones_alike(
    project, sqlite_url, tmp_path, engine_for
):
    any_url = sqlite_url
    _chain(project)
    project.use_database(any_url)
    project.ok("update-db", "--revision", "0004")
    result = project.ok("squash", "--upto", "0004")
    assert "Squashed 4 revisions (0001..0004) into one with id 0004; proven" in result.stderr
    assert _files(project) == ["0004_squash_0001_0004.py", "0005_rev_5.py"]
    source = (project.versions / "0004_squash_0001_0004.py").read_text()
    assert (
        'revision: str = "0004"' in source
        and "down_revision: str | Sequence[str] | None = None" in source
    )
    assert re.search(r'squashes: dict\[str, str\] = \{\s*"0001": "[0-9a-f]{64}"', source)
    assert "note" not in source  # added in 0002, dropped in 0004: absent from the squash
    # the database that applied 0001..0004 upgrades on; its checksums are accepted
    project.ok("update-db")
    assert [row[:2] for row in history_rows(any_url)][-1] == ("0005", "up")
    assert "edited" not in project.ok("status").output
    fleet = tmp_path / "fleet.toml"  # the fleet matrix accepts the squashed checksum too
    fleet.write_text(f'[[target]]\nurl = "{any_url.render_as_string(hide_password=False)}"\n')
    matrix = project.ok("status", "--fleet", str(fleet)).stdout
    assert "up to date" in matrix and "older revision(s) applied on every" in matrix, matrix
    # a fresh database builds the same schema from the squashed history
    fresh = URL.create("sqlite", database=str(tmp_path / "fresh.db"))
    project.use_database(fresh)
    project.ok("update-db")
    assert _schema(engine_for, fresh) == _schema(engine_for, any_url)
    project.ok("downgrade", "--revision", "base")


def test_squash_on_postgresql_with_a_database_beyond_rev(project, first_pg_url, engine_for):
    pg_url = first_pg_url
    _chain(project)
    project.use_database(pg_url)
    project.ok("update-db")
    before = _schema(engine_for, pg_url)
    project.ok("squash", "--upto", "0003")
    assert _files(project) == ["0003_squash_0001_0003.py", "0004_rev_4.py", "0005_rev_5.py"]
    assert "Already at head 0005" in project.ok("update-db").output
    project.ok("downgrade", "--revision", "0003")  # back onto the squashed revision itself
    project.ok("update-db")
    assert _schema(engine_for, pg_url) == before


def test_squash_on_mariadb_keeps_the_old_database_and_builds_a_fresh_one_alike(
    project, mysql_server, mysql_url, engine_for
):
    """MariaDB: the proof runs on scratch databases of its own server, the database that
    applied the squashed chain upgrades on, and a fresh one builds the same schema."""
    _chain(project)
    project.use_database(mysql_url)
    project.ok("update-db", "--revision", "0004")
    result = project.ok("squash", "--upto", "0004")
    assert "Squashed 4 revisions (0001..0004) into one with id 0004; proven" in result.stderr
    project.ok("update-db")
    assert [row[:2] for row in history_rows(mysql_url)][-1] == ("0005", "up")
    assert "edited" not in project.ok("status").output
    fresh = mysql_server.create_database()
    try:
        project.use_database(fresh)
        project.ok("update-db")
        assert _schema(engine_for, fresh) == _schema(engine_for, mysql_url)
        project.ok("downgrade", "--revision", "base")
    finally:
        mysql_server.drop_database(fresh)


@pytest.fixture
def squashable(project, sqlite_url):
    _chain(project)
    project.use_database(sqlite_url)
    return project


def _refused(project, *args, fragments) -> None:
    files = {path.name: path.read_text() for path in project.revision_files()}
    result = project.run("squash", *args)
    assert_one_line_error(result, *fragments)
    assert {path.name: path.read_text() for path in project.revision_files()} == files
    assert not list(project.root.glob(".workbench-squash-*"))


def test_squash_refuses_a_database_behind_rev(squashable, sqlite_url, tmp_path):
    squashable.ok("update-db", "--revision", "0002")
    _refused(
        squashable,
        "--upto",
        "0004",
        fragments=["is at 0002, before 0004", "update-db --revision 0004", "sqlite:///"],
    )
    # another database, not the configured one, at 0002 when the squash runs: named
    squashable.use_database(URL.create("sqlite", database=str(tmp_path / "other.db")))
    squashable.ok("squash", "--upto", "0004")
    squashable.use_database(sqlite_url)
    assert_one_line_error(
        squashable.run("update-db"),
        "the database is at revision 0002, which 0004_squash_0001_0004.py squashed",
    )


def test_squash_refuses_a_data_migration_in_the_range(squashable):
    write_revision(
        squashable.versions,
        6,
        'op.execute("UPDATE item SET name = upper(name)")',
        "pass",
    )
    _refused(
        squashable,
        "--upto",
        "0006",
        fragments=["0006_rev_6.py is a data migration (UPDATE at line", "--upto 0005"],
    )
    write_revision(squashable.versions, 6, 'op.batch_update("item", {"name": "x"})', "pass")
    _refused(squashable, "--upto", "0006", fragments=["(batch_update at line"])
    write_revision(squashable.versions, 6, 'op.execute("CREATE VIEW v AS SELECT 1")', "pass")
    _refused(
        squashable,
        "--upto",
        "0006",
        fragments=["0006_rev_6.py runs raw SQL the squash cannot rebuild (CREATE VIEW at line"],
    )


def test_squash_refuses_a_schema_it_cannot_prove(squashable):
    """SQLAlchemy does not reflect an index on an expression on SQLite: the proof sees it."""
    write_revision(
        squashable.versions,
        6,
        'op.execute("CREATE INDEX ix_item_lower ON item (lower(name))")',
        'op.execute("DROP INDEX ix_item_lower")',
    )
    _refused(
        squashable,
        "--upto",
        "0006",
        fragments=[
            "the squashed revision does not build the chain's schema: "
            "object ix_item_lower is missing"
        ],
    )


def test_squash_refuses_several_heads_and_bad_revisions(squashable):
    _refused(squashable, "--upto", "0001", fragments=["0001 is the first revision"])
    _refused(squashable, "--upto", "0042", fragments=["unknown revision '0042'"])
    other = squashable.versions / "0006_rev_6.py"
    write_revision(squashable.versions, 6)
    other.write_text(other.read_text().replace("down_revision = '0005'", "down_revision = '0003'"))
    _refused(squashable, "--upto", "0005", fragments=["2 heads (0005, 0006)", "uvx invoke merge"])


def test_merge_joins_heads_with_the_next_sequential_id(squashable):
    write_revision(squashable.versions, 6)
    other = squashable.versions / "0006_rev_6.py"
    other.write_text(other.read_text().replace("down_revision = '0005'", "down_revision = '0004'"))
    result = squashable.ok("merge")
    assert result.stdout.strip().endswith("0007_merge_heads.py")
    source = (squashable.versions / "0007_merge_heads.py").read_text()
    assert 'down_revision: str | Sequence[str] | None = ("0005", "0006")' in source
    squashable.ok("update-db")
    assert_one_line_error(squashable.run("merge"), "there is one head (0007); nothing to merge.")


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("uvx") is None, reason="uvx is not installed")
def test_squash_through_invoke():
    """The task passes --upto through and the command's one line and exit code back."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        ["uvx", "invoke", "squash", "--upto", "0001"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "error: 0001 is the first revision: there is nothing to squash it with." in output
    assert "Traceback" not in output
