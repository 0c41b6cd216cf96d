"""``review`` through the real command line, on revisions the tool generates and hand edits.

Each test builds a scratch project, applies what is "deployed", writes the pending
revisions and checks the checklist: findings, acknowledged ones, checks, exit code.
"""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.scenario import snapshot

MODELS = """
    from sqlmodel import Field, SQLModel

    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(max_length=200)
        nick: str | None = Field(default=None, max_length=50)
"""

MODELS_WITH_NOTE = (
    MODELS
    + """
    class Note(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        owner_id: int = Field(foreign_key="owner.id", index=True)
        body: str = Field(max_length=500)
"""
)

RISKY = '''
"""Risky changes"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # review: ignore[ban-drop-column] nick has been unused since release 4.2
    op.drop_column("owner", "nick")
    op.create_index("ix_owner_email", "owner", ["email"])
    op.alter_column("owner", "email", existing_type=sa.String(200), nullable=True)
    op.alter_column("owner", "email", existing_type=sa.String(200), nullable=False)


def downgrade() -> None:
    op.drop_index("ix_owner_email", table_name="owner")
    op.add_column("owner", sa.Column("nick", sa.String(50), nullable=True))
'''


def _write(project, name: str, source: str) -> None:
    (project.versions / name).write_text(textwrap.dedent(source).lstrip())


def _deployed(project, url, models: str = MODELS) -> None:
    project.use_database(url)
    project.write_models(models)
    project.ok("create-migration", "Create owners")
    project.ok("update-db")


def _review(project, *args: str) -> tuple[int, dict]:
    result = project.run("review", "--json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _check(report: dict, prefix: str) -> dict:
    [check] = [c for c in report["checks"] if c["name"].startswith(prefix)]
    return check


def _execute(url, *statements: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


def test_generated_safe_revision_is_ready(project, pg_url):
    _deployed(project, pg_url)
    project.write_models(MODELS_WITH_NOTE)
    project.ok("create-migration", "Add notes")
    before = snapshot(pg_url)

    result = project.run("review")
    assert result.returncode == 0, result.output
    assert "READY: nothing blocks the deploy" in result.stdout
    assert "✓ Round trip on a scratch database" in result.stdout
    assert "☐ A backup of the target database was taken" in result.stdout
    assert snapshot(pg_url) == before  # the target was only read

    code, report = _review(project)
    assert code == 0
    assert report["pending"] == ["0002_add_notes"]
    assert report["findings"] == []
    statuses = {c["name"].split(" (")[0]: c["status"] for c in report["checks"]}
    assert statuses["Round trip on a scratch database"] == "passed"
    assert statuses["Models match the database at head"] == "passed"
    assert statuses["One head"] == "passed"

    markdown = project.run("review", "--format", "markdown")
    assert markdown.returncode == 0
    assert "- [x] One head" in markdown.stdout
    assert "- [ ] A rollback plan is written" in markdown.stdout


def test_risky_revision_blocks_with_findings_and_acknowledgements(project, pg_url):
    _deployed(project, pg_url)
    _execute(
        pg_url,
        "INSERT INTO owner (email) SELECT 'u' || g || '@x.org' FROM generate_series(1, 500) g",
        "ANALYZE owner",
    )
    _write(project, "0002_risky.py", RISKY)

    code, report = _review(project, "--large-table-rows", "100")
    assert code == 1
    rules = [(f["rule"], f["severity"], f["line"]) for f in report["findings"]]
    assert rules == [
        ("require-concurrent-index-creation", "error", 14),
        ("ban-drop-not-null", "warning", 15),
        ("setting-not-null", "error", 16),
    ]
    finding = report["findings"][0]
    assert set(finding) == {"rule", "severity", "revision", "line", "message", "help"}
    assert finding["revision"] == "0002_risky"
    assert "create_index_concurrently" in finding["help"]
    [ack] = report["acknowledged"]
    assert (ack["rule"], ack["line"]) == ("ban-drop-column", 13)
    assert ack["acknowledged"] == "nick has been unused since release 4.2"

    impact = _check(report, "Impact")
    assert impact["status"] == "failed"
    assert "holds ACCESS EXCLUSIVE on owner (~500 rows" in impact["summary"]
    assert "during a scan" in impact["summary"]
    index_row = next(row for row in impact["data"] if row["line"] == 14)
    assert (index_row["lock"], index_row["work"], index_row["rows"]) == (
        "SHARE",
        "index build",
        500,
    )
    assert _check(report, "Round trip")["status"] == "passed"

    text_run = project.run("review", "--no-round-trip")
    assert text_run.returncode == 1
    assert "error require-concurrent-index-creation at 0002_risky.py:14" in text_run.stdout
    assert "BLOCKED: 2 error finding(s), 0 failed check(s)." in text_run.stdout
    assert "- Round trip on a scratch database (down and up again): --no-round-trip" in (
        text_run.stdout
    )
    assert _check(report, "Models match")["status"] == "failed"  # the model still has nick


def test_round_trip_reports_a_downgrade_that_does_not_undo(project, pg_url):
    _deployed(project, pg_url)
    _write(
        project,
        "0002_add_age.py",
        """
        import sqlalchemy as sa
        from alembic import op

        revision = "0002"
        down_revision = "0001"


        def upgrade() -> None:
            op.add_column("owner", sa.Column("age", sa.Integer(), nullable=True))


        def downgrade() -> None:
            op.execute("SELECT 1")
        """,
    )
    code, report = _review(project)
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["missing-downgrade"]
    round_trip = _check(report, "Round trip")
    assert round_trip["status"] == "failed"
    assert round_trip["summary"].startswith(
        "downgrading 0002_add_age: column owner.age is left over"
    )
    drift = _check(report, "Models match")
    assert drift["status"] == "failed"
    assert drift["details"] == ["remove column owner.age"] or "owner.age" in drift["details"][0]


def test_checksum_of_an_edited_applied_revision(project, pg_url):
    _deployed(project, pg_url)  # update-db recorded the file's checksum in alembic_history
    [path] = project.revision_files()
    code, report = _review(project)
    assert code == 0, report
    assert _check(report, "Applied revisions unchanged")["status"] == "passed"

    path.write_text(path.read_text() + "\n# edited after deploy\n")
    code, report = _review(project)
    assert code == 1
    checksums = _check(report, "Applied revisions unchanged")
    assert checksums["status"] == "failed"
    assert checksums["summary"] == f"{path.name} was edited after it was applied (checksum differs)"

    _execute(pg_url, "DROP TABLE alembic_history")
    code, report = _review(project)
    assert _check(report, "Applied revisions unchanged")["status"] == "skipped"
    assert "no alembic_history table" in _check(report, "Applied revisions unchanged")["summary"]


def test_reused_revision_id_and_two_heads(project, sqlite_url):
    _deployed(project, sqlite_url)
    for name in ("0002_a.py", "0002_b.py"):
        _write(
            project,
            name,
            """
            revision = "0002"
            down_revision = "0001"


            def upgrade() -> None:
                pass


            def downgrade() -> None:
                pass
            """,
        )
    code, report = _review(project)
    assert code == 1
    reused = _check(report, "No revision id reused")
    assert reused["summary"] == "revision 0002 is declared by 0002_a.py, 0002_b.py"

    (project.versions / "0002_b.py").unlink()
    _write(
        project,
        "0003_c.py",
        """
        revision = "0003"
        down_revision = "0001"


        def upgrade() -> None:
            pass


        def downgrade() -> None:
            pass
        """,
    )
    code, report = _review(project)
    assert code == 1
    assert _check(report, "One head")["summary"].startswith("2 heads (0002, 0003)")


def test_sqlite_target_reviews_with_a_scratch_file(project, sqlite_url):
    _deployed(project, sqlite_url)
    project.write_models(MODELS_WITH_NOTE)
    project.ok("create-migration", "Add notes")
    code, report = _review(project)
    assert code == 0, report
    assert _check(report, "Impact")["status"] == "skipped"
    assert _check(report, "Round trip")["status"] == "passed"
    assert _check(report, "Models match")["status"] == "passed"


def test_workbench_op_revision_does_not_crash_the_review(project, pg_url):
    _deployed(project, pg_url)
    _write(
        project,
        "0002_index.py",
        """
        from alembic import op

        revision = "0002"
        down_revision = "0001"


        def upgrade() -> None:
            op.create_index_concurrently("ix_owner_email", "owner", ["email"])


        def downgrade() -> None:
            op.drop_index_concurrently("ix_owner_email")
        """,
    )
    _code, report = _review(project)
    assert "require-concurrent-index-creation" not in {f["rule"] for f in report["findings"]}
    assert _check(report, "Pending revisions render offline")["status"] in ("passed", "warning")


MODELS_CHANGED = """
    from sqlmodel import Field, SQLModel

    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(max_length=200, index=True)
        nick: str = Field(max_length=50)
        rank: int
"""


def test_generated_revision_agrees_with_squawk(project, pg_url, tmp_path):
    """On a revision create-migration writes, review catches all squawk catches there."""
    from tests.test_review_squawk_parity import EQUIVALENT, IGNORED, SQUAWK

    _deployed(project, pg_url)
    project.write_models(MODELS_CHANGED)
    project.ok("create-migration", "Index email, require nick and rank")
    code, report = _review(project, "--no-round-trip")
    assert code == 1
    ours = {f["rule"] for f in report["findings"]}
    script = project.revision_files()[-1].read_text()
    assert ("op.create_index(" in script) == ("require-concurrent-index-creation" in ours)
    assert "adding-not-nullable-field" in ours  # rank: NOT NULL, no default
    if SQUAWK is None:
        pytest.skip("squawk-cli is not installed")
    # as the stop's own message says: backfill by hand, then delete the stop line
    revision = project.revision_files()[-1]
    revision.write_text(_without_stop(revision.read_text()))
    sql = project.ok("update-db", "--sql", "--revision", "0001:head").stdout
    (tmp_path / "deploy.sql").write_text(sql)
    result = subprocess.run(
        [SQUAWK, "--reporter", "json", str(tmp_path / "deploy.sql")],
        capture_output=True,
        text=True,
    )
    # set_not_null_safely drops its own temporary CHECK (name ending _not_null): safe by design
    temporary_check = {"ban-drop-constraint"} if "_not_null" in sql else set()
    squawk_rules = {v["rule_name"] for v in json.loads(result.stdout or "[]")}
    squawk_rules -= IGNORED | temporary_check
    assert squawk_rules, "squawk found nothing: the comparison would prove nothing"
    for rule in squawk_rules:
        assert EQUIVALENT.get(rule, {rule}) & ours, f"squawk: {rule}; review: {sorted(ours)}"


def _without_stop(source: str) -> str:
    """The revision with its ``op.stop_migration(...)`` call removed."""
    start = source.index("    op.stop_migration(")
    depth = 0
    for position, char in enumerate(source[start:], start):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == ")" and depth == 0:
            return source[:start] + source[position + 1 :].lstrip("\n")
    raise AssertionError("unbalanced op.stop_migration call")


def test_mariadb_target_reviews_on_a_scratch_database(project, mysql_url):
    _deployed(project, mysql_url)
    project.write_models(MODELS_WITH_NOTE)
    project.ok("create-migration", "Add notes")
    code, report = _review(project)
    assert code == 0, report
    assert _check(report, "Round trip")["status"] == "passed"
    assert _check(report, "Models match")["status"] == "passed"
    assert _check(report, "Impact")["status"] == "skipped"
