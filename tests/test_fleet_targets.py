"""The fleet file, without a database: what parses, what stops the run, what one target gets.

A file that does not parse stops everything with one line naming the file; an unset
variable, a bad URL or a duplicate only marks its own target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import load_settings
from common.fleet.targets import FleetFileError, expand, read_fleet
from common.fleet.tenants import resolve


def _fleet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[[target]]\nurl = "postgresql://db/app', "does not parse as TOML: "),
        ('[[target]]\nurl = "sqlite:///a.db"\nschema = "t_*"\n', "has the unknown key 'schema'"),
        ('name = "x"\n', "has the unknown top-level key 'name'"),
        ("", "has no [[target]] table"),
        ('[[target]]\nname = "eu"\n', "target 1 has no url"),
        ('[[target]]\nurl = "sqlite:///a.db"\nschemas = [1]\n', "schemas that are not names"),
    ],
)
def test_a_fleet_file_that_does_not_read_stops_with_one_line(tmp_path, text, problem):
    with pytest.raises(FleetFileError) as raised:
        read_fleet(_fleet(tmp_path, text))
    line = raised.value.one_line()
    assert problem in line, line
    assert "fleet.toml" in line and "\n" not in line


def test_a_missing_fleet_file_is_named(tmp_path):
    with pytest.raises(FleetFileError, match="does not exist"):
        read_fleet(tmp_path / "nope.toml")


def test_variables_expand_and_a_password_in_one_is_percent_encoded(monkeypatch):
    monkeypatch.setenv("PW", "p@ss/w:rd")
    monkeypatch.setenv("HOST", "db.internal:5433")
    monkeypatch.setenv("WHOLE", "postgresql://u:x@h/app")
    assert expand("postgresql://u:${PW}@${HOST}/app") == (
        "postgresql://u:p%40ss%2Fw%3Ard@db.internal:5433/app"
    )
    assert expand("${WHOLE}") == "postgresql://u:x@h/app"


def test_targets_that_cannot_resolve_carry_one_line_each(tmp_path, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    db = tmp_path / "a.db"
    path = _fleet(
        tmp_path,
        f"""
        [[target]]
        url = "postgresql://deploy:${{NOT_SET_ANYWHERE}}@db/app"
        [[target]]
        name = "first"
        url = "sqlite:///{db}"
        [[target]]
        url = "sqlite:///{tmp_path}/./a.db"
        [[target]]
        name = "bad"
        url = "oracle://scott:tiger@db/app"
        [[target]]
        url = "sqlite:///{db}"
        schemas = "tenant_*"
        """.replace("\n        ", "\n"),
    )
    targets = resolve(read_fleet(path), load_settings(project_dir=tmp_path))
    errors = [(t.name, t.error) for t in targets]
    assert errors[0][1] == (
        "its url names ${NOT_SET_ANYWHERE}, which is not set in the environment. "
        "Fix: set NOT_SET_ANYWHERE, or take the target out of the fleet file."
    )
    assert errors[1] == ("first", "")
    assert errors[2][1].startswith("the same database as first (listed twice")
    assert "uses 'oracle'" in errors[3][1] and "tiger" not in errors[3][1]
    assert errors[4][1].startswith("schemas = ... needs a PostgreSQL url")


def test_the_job_manifest_runs_what_the_runner_test_runs():
    """deploy/fleet-job.yaml: 3 pods, each the command tests/test_fleet_runners.py starts
    three times at once (``python -m common update-db --fleet FILE``)."""
    import json
    import re

    from tests.conftest import ROOT

    manifest = (ROOT / "deploy" / "fleet-job.yaml").read_text()
    assert re.search(r"^  parallelism: 3$", manifest, re.M)
    command = json.loads(re.search(r"^ +command: (\[.*\])$", manifest, re.M).group(1))
    assert command[:5] == ["python", "-m", "common", "update-db", "--fleet"]
    assert "WORKBENCH_FLEET_PARALLEL" in manifest


def test_a_tenant_schema_on_a_database_without_schemas_is_refused(tmp_path):
    from sqlalchemy import make_url

    from common.database import make_engine
    from common.errors import ConfigurationError

    settings = load_settings(project_dir=tmp_path, tenant_schema="acme")
    with pytest.raises(ConfigurationError) as raised:
        make_engine(make_url(f"sqlite:///{tmp_path}/a.db"), settings)
    assert raised.value.one_line().startswith(
        "error: WORKBENCH_TENANT_SCHEMA is set, but sqlite:///"
    )
