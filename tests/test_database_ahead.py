"""A database ahead of the code: the error's advice (stamp) works for every target.

In-process on SQLite; the one-line error itself is covered end to end in test_bad_input.
"""

from __future__ import annotations

import pytest

from tests.revision_files import EMPTY_MODELS, history_rows, write_revisions


@pytest.mark.parametrize("target", ["0001", "head", "base"])
def test_the_suggested_stamp_works(project, sqlite_url, target):
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, 2)
    project.ok("update-db")
    (project.versions / "0002_rev_2.py").unlink()  # the code is one revision behind

    refused = project.run("status")
    assert refused.returncode == 1
    assert "uvx invoke stamp head" in refused.stderr

    project.ok("stamp", target)
    current = project.ok("current").stdout.strip()
    assert (
        current
        == {"0001": "0001_rev_1", "head": "0001_rev_1", "base": "(base: no revision applied)"}[
            target
        ]
    )
    assert "Up to date" in project.ok("status").stdout or target == "base"
    revision = "0002" if target == "base" else "0001"  # base: the one it moved back from
    assert history_rows(sqlite_url)[-1] == (revision, "down", "applied")


def test_a_blank_revision_is_refused_while_the_database_is_ahead(project, sqlite_url):
    """``--empty`` wrote 0002 again, an id the database already had: it never ran."""
    project.use_database(sqlite_url)
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, 2)
    project.ok("update-db")
    (project.versions / "0002_rev_2.py").unlink()
    result = project.run("create-migration", "Hand-written", "--empty")
    assert result.returncode == 1
    assert "the database is at revision 0002, which no script here defines" in result.stderr
    assert [p.name for p in project.revision_files()] == ["0001_rev_1.py"]
