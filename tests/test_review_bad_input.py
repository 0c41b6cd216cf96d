"""``review`` when something is off: one clear line or one failed check, never a traceback."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.test_review_end_to_end import MODELS, _check, _deployed, _review


@pytest.mark.e2e
def test_revision_file_that_fails_to_import(project, sqlite_url):
    _deployed(project, sqlite_url)
    (project.versions / "0002_broken.py").write_text(
        'revision = "0002"\ndown_revision = "0001"\nimport not_a_module\n'
    )
    code, report = _review(project)
    assert code == 1
    graph = _check(report, "Revision graph intact")
    assert graph["status"] == "failed"
    assert "ModuleNotFoundError" in graph["summary"]
    assert "0002_broken.py:3" in graph["summary"]


@pytest.mark.e2e
def test_no_right_to_create_the_scratch_database(project, pg_url):
    _deployed(project, pg_url, MODELS)
    role, password = f"wb_review_{uuid.uuid4().hex[:8]}", "s3cret-pw"
    admin = create_engine(pg_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN NOCREATEDB PASSWORD '{password}'"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    try:
        url = pg_url.set(username=role, password=password)
        project.use_database(url)
        result = project.run("review", "--json")
        assert result.returncode == 1
        assert password not in result.stdout + result.stderr
        report = json.loads(result.stdout)
        round_trip = _check(report, "Round trip")
        assert round_trip["status"] == "failed"
        assert round_trip["summary"].startswith("error: cannot create a scratch database on")
        assert (
            "Fix: grant CREATEDB to the user, or run review with --no-round-trip."
            in (round_trip["summary"])
        )
        assert _check(report, "Models match")["status"] == "skipped"

        assert project.run("review", "--no-round-trip", "--json").returncode == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
