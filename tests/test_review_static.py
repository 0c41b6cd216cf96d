"""``review --static``: the rules on the revision files alone, no database (in-process).

DATABASE_URL points at a port nothing listens on, so any connection attempt would fail
the test; the embedded PostgreSQL is not started either (no data folder appears).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap

import pytest

from tests.conftest import ROOT
from tests.test_review_formats import assert_valid_sarif

CREATE = '''
"""Create owner"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "owner",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("nick", sa.String(50)),
    )


def downgrade() -> None:
    op.drop_table("owner")
'''

RISKY = '''
"""Risky changes"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # review: ignore[ban-drop-column] nick has been unused since release 4.2
    op.drop_column("owner", "nick")
    op.create_index("ix_owner_email", "owner", ["email"])
    op.alter_column("owner", "email", existing_type=sa.String(200), nullable=True)


def downgrade() -> None:
    op.drop_index("ix_owner_email", table_name="owner")
    op.add_column("owner", sa.Column("nick", sa.String(50), nullable=True))
'''

NOWHERE = "postgresql://nobody@127.0.0.1:9/none"


def _write(project, name: str, source: str) -> None:
    (project.versions / name).write_text(textwrap.dedent(source).lstrip())


@pytest.fixture
def offline(project):
    project.use_database(NOWHERE)
    _write(project, "0001_create_owner.py", CREATE)
    _write(project, "0002_risky.py", RISKY)
    return project


def _json(project, *args: str) -> tuple[int, dict]:
    result = project.run("review", "--static", "--json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def _git(project, *args: str) -> None:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", *identity, *args], cwd=project.root, check=True, capture_output=True)


def test_static_review_needs_no_database(offline):
    code, report = _json(offline)
    assert code == 1
    assert report["database"] == "the revision files alone (--static: no database)"
    assert report["pending"] == ["0001_create_owner", "0002_risky"]
    found = [(f["revision"], f["rule"], f["line"]) for f in report["findings"]]
    assert found == [
        ("0002_risky", "require-concurrent-index-creation", 12),
        ("0002_risky", "ban-drop-not-null", 13),
    ]
    [ack] = report["acknowledged"]
    assert (ack["rule"], ack["line"], ack["acknowledged"]) == (
        "ban-drop-column",
        11,
        "nick has been unused since release 4.2",
    )
    statuses = {c["name"]: c["status"] for c in report["checks"]}
    assert statuses["One head"] == "passed"
    assert statuses["Checksums, impact, drift and round trip"] == "skipped"
    assert not (offline.root / ".pgdata").exists()


def test_github_format_annotates_the_offending_line(offline):
    result = offline.run("review", "--static", "--format", "github")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "::error file=common/alembic/versions/0002_risky.py,line=12,"
        "title=require-concurrent-index-creation::"
    )
    source = (offline.versions / "0002_risky.py").read_text().splitlines()
    assert source[12 - 1].strip().startswith("op.create_index(")
    assert lines[-1] == "BLOCKED: 1 error finding(s), 0 failed check(s)."


def test_without_since_each_revision_is_its_own_pending_set(offline):
    """An index on a table an earlier revision created is an index on an existing table."""
    _write(offline, "0002_risky.py", RISKY.replace('    op.drop_column("owner", "nick")\n', ""))
    code, report = _json(offline)
    assert code == 1
    assert "require-concurrent-index-creation" in {f["rule"] for f in report["findings"]}


def test_since_reviews_only_the_revisions_the_branch_brings(offline):
    _git(offline, "init", "-q", "-b", "main")
    (offline.versions / "0002_risky.py").rename(offline.root / "0002_risky.py.later")
    _git(offline, "add", "-A")
    _git(offline, "commit", "-qm", "base")
    (offline.root / "0002_risky.py.later").rename(offline.versions / "0002_risky.py")

    code, report = _json(offline, "--since", "main")  # 0002 is untracked: still reviewed
    assert code == 1
    assert report["pending"] == ["0002_risky"]
    assert report["notes"][0] == "--since main: 1 of 2 revision file(s) changed"

    _git(offline, "checkout", "-qb", "feature")
    _git(offline, "add", "-A")
    _git(offline, "commit", "-qm", "risky")
    code, report = _json(offline, "--since", "main")
    assert (code, report["pending"]) == (1, ["0002_risky"])
    code, report = _json(offline, "--since", "HEAD")
    assert (code, report["pending"], report["findings"]) == (0, [], [])


def test_since_a_bad_ref_is_one_line(offline):
    _git(offline, "init", "-q", "-b", "main")
    result = offline.run("review", "--static", "--since", "origin/nope")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: --since origin/nope: git knows no commit by that name. Fix: name a branch, "
        "tag or commit this clone has; in GitHub Actions check out with `fetch-depth: 0` "
        "(a shallow clone lacks the base branch)."
    )


def test_since_outside_git_and_without_static(offline):
    result = offline.run("review", "--static", "--since", "main")
    assert result.returncode == 1
    assert result.stderr.startswith("error: --since main needs a git work tree")
    result = offline.run("review", "--since", "main")
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "Fix: add --static (review --static --since main), or leave out --since."
    )


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("uvx") is None, reason="uvx is not installed")
def test_sarif_through_invoke_in_a_scratch_project(offline):
    """What the workflow runs: `uvx invoke review --static --format sarif`, exit 1 on errors."""
    _git(offline, "init", "-q", "-b", "main")
    env = {**offline.env, "UV_PROJECT": str(ROOT)}  # the tasks of this repo, run in the scratch
    completed = subprocess.run(
        ["uvx", "invoke", "--search-root", str(ROOT), "review", "--static", "--format", "sarif"],
        cwd=offline.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    log = json.loads(completed.stdout)
    assert_valid_sarif(log)
    [run] = log["runs"]
    located = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
        for r in run["results"]
        if "suppressions" not in r
    ]
    assert located == [("require-concurrent-index-creation", 12), ("ban-drop-not-null", 13)]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "common/alembic/versions/0002_risky.py"


def test_two_heads_fail_the_static_review_as_a_run_annotation(offline):
    _write(offline, "0003_other.py", RISKY.replace('"0002"', '"0003"'))
    result = offline.run("review", "--static", "--format", "github")
    assert result.returncode == 1
    assert "::error title=One head::2 heads (0002, 0003): merge them" in result.stdout
