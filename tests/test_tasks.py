"""tasks.py through `uvx invoke`, as a user runs it: output and exit codes pass through."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("uvx") is None, reason="uvx is not installed"),
]


def _invoke(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run(
        ["uvx", "invoke", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_heads_through_invoke():
    result = _invoke("heads")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0001_create_tables"


def test_error_exit_code_passes_through():
    result = _invoke("create-migration", "   ")
    assert result.returncode == 1
    assert "error: the migration message is empty." in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_every_task_documents_its_parameters():
    result = _invoke("--help", "create-migration")
    assert result.returncode == 0
    for flag in ("--rename", "--empty"):
        assert flag in result.stdout


def test_update_db_passes_accept_edited_through():
    """The Fix of an edited applied file names this exact command line."""
    result = _invoke("update-db", "--sql", "--accept-edited", "0001")
    assert result.returncode == 1
    assert "error: --accept-edited records checksums in the database; --sql has none." in (
        result.stdout + result.stderr
    )
