"""An applied revision whose file was edited since: update-db and status refuse it by name,
``update-db --accept-edited`` records the edit on purpose (issue 21, item 8).

update-db recorded each file's checksum; an edit after that means the database no longer
has what the files say, and the next revision would run on a schema nobody describes.
"""

from __future__ import annotations

import json

import pytest

from tests.revision_files import EMPTY_MODELS, history_rows, write_revision


def _deploy(project, url):
    """Two revisions applied, a third pending."""
    project.use_database(url)
    project.write_models(EMPTY_MODELS)
    for num in (1, 2):
        write_revision(project.versions, num)
    project.ok("update-db")
    write_revision(project.versions, 3)
    return project


@pytest.fixture
def deployed(project, any_url):
    return _deploy(project, any_url)


def _error(result) -> str:
    assert result.returncode == 1, result.output
    assert "Traceback" not in result.output
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    return line


def _edit(project, name: str) -> None:
    path = project.versions / name
    path.write_text(path.read_text() + "\n# tidied after the deploy\n")


def test_update_db_refuses_an_edited_applied_file_and_runs_nothing(deployed, any_url):
    _edit(deployed, "0002_rev_2.py")
    line = _error(deployed.run("update-db"))
    assert line == (
        "error: 0002_rev_2.py was edited after being applied to this database (checksum "
        "differs from the one recorded); nothing was run. Fix: restore the file as it was "
        "applied (git checkout) and put the change in a new revision; if the edit changes "
        "nothing that ran (a comment, the downgrade), accept it: uvx invoke update-db "
        "--accept-edited 0002"
    )
    assert ("0003", "up", "applied") not in history_rows(any_url)


def test_status_marks_the_edited_file_and_exits_1(project, sqlite_url):
    deployed = _deploy(project, sqlite_url)
    assert deployed.ok("status")  # nothing edited: exit 0
    _edit(deployed, "0001_rev_1.py")
    result = deployed.run("status")
    assert "0001_rev_1.py was edited after being applied" in _error(result)
    assert "✗ 0001" in result.stdout and "(edited after it was applied)" in result.stdout
    assert "✓ 0002" in result.stdout and "Pending (1):" in result.stdout


def test_accept_edited_records_the_new_checksum_then_applies(deployed, any_url):
    _edit(deployed, "0002_rev_2.py")
    result = deployed.ok("update-db", "--accept-edited", "0002")
    assert "Accepted the edited 0002_rev_2.py: new checksum recorded, nothing run." in (
        result.output
    )
    rows = history_rows(any_url)
    assert rows[-2:] == [("0002", "up", "accepted"), ("0003", "up", "applied")]
    deployed.ok("status")
    deployed.ok("update-db")  # accepted once, for good
    _edit(deployed, "0002_rev_2.py")  # a second edit is a new edit
    assert "0002_rev_2.py was edited" in _error(deployed.run("update-db"))


def test_accept_edited_refuses_a_revision_that_was_not_edited(project, sqlite_url):
    deployed = _deploy(project, sqlite_url)
    _edit(deployed, "0002_rev_2.py")
    line = _error(deployed.run("update-db", "--accept-edited", "0001,0002"))
    assert "--accept-edited names 0001, which is not an applied revision whose file was" in line
    assert "nothing was recorded" in line
    assert [r for r in history_rows(sqlite_url) if r[2] == "accepted"] == []
    line = _error(deployed.run("update-db", "--sql", "--accept-edited", "0002"))
    assert "--sql has none" in line


def test_the_review_reads_the_accepted_checksum_too(project, pg_url):
    """One comparison for update-db, status and the review's checksum check."""
    deployed = _deploy(project, pg_url)
    _edit(deployed, "0001_rev_1.py")
    deployed.ok("update-db", "--accept-edited", "0001")
    report = json.loads(deployed.run("review", "--no-round-trip", "--format", "json").stdout)
    [check] = [c for c in report["checks"] if c["name"].startswith("Applied revisions unchanged")]
    assert (check["status"], check["summary"]) == ("passed", "3 applied file(s) match")
