"""With no DATABASE_URL, the commands use the embedded PostgreSQL in .pgdata/."""

from __future__ import annotations

import pytest

from tests.test_end_to_end import MODELS_V1, MODELS_V2


@pytest.fixture
def embedded_project(project):
    project.write_models(MODELS_V1)
    yield project
    project.run("embedded-stop")


@pytest.mark.e2e
@pytest.mark.postgresql
def test_embedded_database_is_the_default_and_is_caught_up(embedded_project):
    project = embedded_project
    first = project.ok("create-migration", "Create owners and tickets")
    assert first.stderr.count("embedded PostgreSQL") == 1
    assert str(project.root / ".pgdata") in first.stderr
    assert (project.root / ".pgdata" / "PG_VERSION").read_text().strip() == "18"

    # The embedded database is behind head now (0001 not applied): create-migration
    # applies it first, says so, and writes the next revision.
    project.write_models(MODELS_V2)
    second = project.ok("create-migration", "Add comments and priority")
    assert "was behind head" in second.stderr
    assert second.stdout.strip().endswith("0002_add_comments_and_priority.py")

    status = project.ok("status").stdout
    assert "embedded PostgreSQL" in status
    assert "✓ 0001_create_owners_and_tickets" in status
    assert "· 0002_add_comments_and_priority" in status

    project.ok("update-db")
    assert project.run("check").returncode == 0
    assert "embedded PostgreSQL" in project.ok("db-url").stdout
