"""A fleet through ``uvx invoke``, as a deploy runs it: the project's own revisions go to
two tenant schemas, a target that cannot be reached gets its line, the exit code is 1."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT
from tests.test_fleet import create_schemas, plain, rows, tables_in, tenant_history, write_fleet

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("uvx") is None, reason="uvx is not installed"),
]


def test_update_db_over_a_fleet_through_invoke(pg_url, tmp_path):
    create_schemas(pg_url, ["tenant_a", "tenant_b"])
    fleet = write_fleet(
        tmp_path / "fleet.toml",
        f'url = "{plain(pg_url)}"\nschemas = "tenant_*"',
        'name = "gone"\nurl = "postgresql://deploy:hunter2@127.0.0.1:1/app"',
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        ["uvx", "invoke", "update-db", "--fleet", str(fleet), "--parallel", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "hunter2" not in output and "Traceback" not in output
    assert "✗ gone: error: cannot connect to postgresql+psycopg://deploy:***@127.0.0.1:1/app" in (
        output
    )
    summary = rows(result.stdout)
    for tenant in ("tenant_a", "tenant_b"):
        assert summary[f"{pg_url.database}.{tenant}"][:2] == ["base", "0001"]
        assert {"tasks", "task_tags", "alembic_version"} <= tables_in(pg_url, tenant)
        assert tenant_history(pg_url, tenant) == [("0001", "applied")]
    assert tables_in(pg_url) == set()
