"""``review --running-ref REF``: the running release's models tried on the new schema.

The release's models file is read from git (a tag in the scratch project's own
repository) into its own MetaData; the review's scratch upgrade probes it after each
pending revision, so every break names the model, the column and the revision.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import Integer, SmallInteger, String, Text, Uuid, create_engine, text
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema
from sqlmodel import SQLModel

from common.errors import InvalidInputError
from common.review.checks.compatibility import type_problem
from common.review.report import OLD_AND_NEW_CODE
from common.review.running_models import load_running_models
from tests.revision_files import write_revision

OLD_MODELS = """
import enum

from sqlmodel import Field, SQLModel


class State(enum.Enum):
    draft = "draft"
    live = "live"
    gone = "gone"


class Note(SQLModel, table=True):
    __tablename__ = "note"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=100)
    body: str | None = Field(default=None, max_length=500)
    state: State = Field(default=State.draft)
"""

CREATE = """
op.create_table(
    "note",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("body", sa.String(500)),
    sa.Column("state", sa.Enum("draft", "live", "gone", name="state"), nullable=False),
)
"""
HARMLESS = 'op.add_column("note", sa.Column("extra", sa.Integer()))'
NARROW = """
op.add_column("note", sa.Column("must", sa.Integer(), nullable=False, server_default="0"))
with op.batch_alter_table("note") as batch:
    batch.create_unique_constraint("uq_note_title", ["title"])
    batch.alter_column("must", server_default=None, existing_type=sa.Integer())
    batch.alter_column("title", type_=sa.String(10), existing_type=sa.String(100))
"""
DROP = """
with op.batch_alter_table("note") as batch:
    batch.drop_column("body")
if op.get_context().dialect.name == "postgresql":
    op.swap_enum_type("state", ["draft", "live"], ["draft", "live", "gone"])
if op.get_context().dialect.name == "mysql":
    op.alter_column(
        "note", "state", type_=sa.Enum("draft", "live", name="state"),
        existing_type=sa.Enum("draft", "live", "gone", name="state"), existing_nullable=False,
    )
"""


def _git(root, *args: str) -> None:
    identity = ["-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", *identity, *args], cwd=root, check=True, capture_output=True)


def _released(project, *update_db: str) -> None:
    """The project at release v1 (models and revision 0001), applied to the target (or
    with ``update_db`` arguments such as ``--fleet FILE``, to those targets)."""
    project.write_models(OLD_MODELS)
    write_revision(project.versions, 1, CREATE, 'op.drop_table("note")')
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "v1")
    _git(project.root, "tag", "v1")
    project.ok("update-db", *update_db)


def _review(project) -> tuple[int, dict]:
    result = project.run("review", "--json", "--running-ref", "v1")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _old_code(report: dict) -> dict:
    [check] = [c for c in report["checks"] if c["name"].startswith("Old code works")]
    return check


def test_each_break_names_the_model_the_column_and_the_revision(project, any_url, dialect):
    project.use_database(any_url)
    _released(project)
    write_revision(project.versions, 2, HARMLESS, 'op.drop_column("note", "extra")')
    if dialect == "sqlite":  # a compatible change: the check passes, the item is ticked
        code, report = _review(project)
        assert _old_code(report)["status"] == "passed", _old_code(report)
        assert OLD_AND_NEW_CODE not in report["manual"]
        assert not [f for f in report["findings"] if f["rule"] == "old-code-compatibility"]
    write_revision(project.versions, 3, NARROW, 'op.drop_column("note", "must")')
    write_revision(project.versions, 4, DROP, "pass")
    engine = create_engine(any_url, poolclass=NullPool)
    with engine.begin() as connection:  # two rows the new UNIQUE fails on: the pre-flight
        rows = "(7, 'same', 'live'), (8, 'same', 'live')"
        connection.execute(text(f"INSERT INTO note (id, title, state) VALUES {rows}"))
    engine.dispose()
    code, report = _review(project)
    [data] = [f for f in report["findings"] if f["rule"] == "data-preflight"]
    assert data["revision"] == "0003_rev_3"
    assert data["message"].startswith("1 duplicate row(s) in note(title) would fail the new UNIQUE")
    assert "sample keys: id=7, id=8; " in data["message"]
    found = sorted(
        (f["revision"], f["message"].split(": ", 1)[1])
        for f in report["findings"]
        if f["rule"] == "old-code-compatibility"
    )
    assert code == 1
    expected = [
        (
            "0003_rev_3",
            "model Note, note.must: NOT NULL without a default: the old code's "
            "inserts send no value",
        ),
        ("0003_rev_3", "model Note, note.title: type narrowed: VARCHAR(100) -> VARCHAR(10)"),
        ("0004_rev_4", "model Note, note.body: column missing: the old code selects it"),
    ]
    if dialect != "sqlite":
        expected.append(
            (
                "0004_rev_4",
                "model Note, note.state: enum value gone: 'gone', which the old code writes",
            )
        )
    assert found == sorted(expected)
    assert _old_code(report)["status"] == "failed"
    assert OLD_AND_NEW_CODE not in report["manual"]


def test_the_old_models_load_in_isolation_and_a_bad_ref_is_one_line(project):
    project.write_models(OLD_MODELS)
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "v1")
    before = set(SQLModel.metadata.tables)
    with project.models_path():
        running = load_running_models(project.root, "scratch_models", "HEAD")
        with pytest.raises(InvalidInputError) as raised:
            load_running_models(project.root, "scratch_models", "v9")
    assert set(SQLModel.metadata.tables) == before
    assert running.models == {"note": "Note"}
    assert running.metadata.tables["note"].c.state.type.enums == ["draft", "live", "gone"]
    assert raised.value.one_line().startswith("error: --running-ref v9: git knows no commit")
    result = project.run("review", "--running-ref", "v9")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [raised.value.one_line()]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (String(100), String(200), None),
        (String(100), Text(), None),
        (String(100), String(10), "type narrowed"),
        (Integer(), SmallInteger(), "type narrowed"),
        (SmallInteger(), Integer(), None),
        (String(10), Integer(), "type changed"),
        (Uuid(), String(32), None),  # SQLite stores UUIDs as CHAR(32)
    ],
)
def test_type_compatibility(old, new, problem):
    found = type_problem(old, new)
    assert (found.split(":")[0] if found else None) == problem


def test_a_contract_revision_is_not_held_against_the_old_code(project, sqlite_url):
    """update-db stops before a contract revision: the old code never meets its schema,
    so the check stops there too, and the same drop as an ordinary revision breaks it."""
    project.use_database(sqlite_url)
    _released(project)
    drop = "with op.batch_alter_table('note') as batch:\n    batch.drop_column('body')"
    path = write_revision(project.versions, 2, drop, "pass", header='phase = "contract"')
    _, report = _review(project)
    assert _old_code(report)["status"] == "passed", _old_code(report)
    path.write_text(path.read_text().replace('phase = "contract"', ""))
    _, report = _review(project)
    assert _old_code(report)["status"] == "failed"
    assert "note.body: column missing" in _old_code(report)["summary"]


def test_a_fleet_review_checks_the_old_code_once(project, pg_url, tmp_path):
    """``review --fleet --running-ref``: the old code is probed during the one scratch
    upgrade (from the target furthest behind), each break reported once for the fleet."""
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.begin() as connection:
        for name in ("t_a", "t_b"):
            connection.execute(CreateSchema(name))
    engine.dispose()
    fleet = tmp_path / "fleet.toml"
    url = pg_url.render_as_string(hide_password=False)
    fleet.write_text(f'[[target]]\nurl = "{url}"\nschemas = "t_*"\n')
    _released(project, "--fleet", str(fleet))
    write_revision(project.versions, 2, DROP, "pass")
    result = project.run("review", "--fleet", str(fleet), "--json", "--running-ref", "v1")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1
    report = json.loads(result.stdout)
    found = sorted(
        (f["revision"], f["message"].split(": ", 1)[1])
        for f in report["findings"]
        if f["rule"] == "old-code-compatibility"
    )
    assert found == [
        ("0002_rev_2", "model Note, note.body: column missing: the old code selects it"),
        (
            "0002_rev_2",
            "model Note, note.state: enum value gone: 'gone', which the old code writes",
        ),
    ]
    assert _old_code(report)["status"] == "failed"
    assert OLD_AND_NEW_CODE not in report["manual"]
