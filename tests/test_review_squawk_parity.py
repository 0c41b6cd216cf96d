"""The review catches every lock or breaking-change problem squawk catches.

Each rule's ``error`` case is rendered to SQL the way ``update-db --sql`` prints it (one
transaction per revision, COMMIT/BEGIN around autocommit blocks) and linted with squawk
(the squawk-cli dev dependency). Every squawk finding, its style and timeout-setting
rules aside, must be matched by a review finding of the corresponding rule.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from common.review.analysis import analyse
from common.review.engine import review_units
from common.review.examples import CASES, revision_source

SQUAWK = shutil.which("squawk")
IGNORED = {  # style and timeout-setting rules, outside the review's scope
    "prefer-robust-stmts",
    "require-timeout-settings",
    "require-lock-timeout",
    "require-statement-timeout",
    "prefer-bigint-over-int",
    "prefer-bigint-over-smallint",
    "prefer-identity",
    "prefer-text-field",
    "prefer-timestamp-tz",
    "ban-char-field",
    "require-enum-value-ordering",
}
# squawk's id -> the review rules that report the same problem
EQUIVALENT = {
    "adding-required-field": {"adding-not-nullable-field"},
    "adding-not-nullable-field": {"setting-not-null", "adding-not-nullable-field"},
    "adding-field-with-default": {"adding-field-with-volatile-default"},
    "adding-foreign-key-constraint": {"constraint-missing-not-valid"},
    "disallowed-unique-constraint": {"adding-unique-constraint"},
    "adding-primary-key-constraint": {"adding-unique-constraint"},
    "adding-serial-primary-key-field": {"adding-unique-constraint"},
    "ban-concurrent-index-creation-in-transaction": {"concurrently-in-transaction"},
    "constraint-missing-not-valid": {"constraint-missing-not-valid", "adding-unique-constraint"},
    "ban-drop-function": {"drop-object-with-dependents", "function-signature-change"},
}


def _unit(tmp_path: Path, upgrade: str, downgrade: str | None):
    path = tmp_path / "0002_case.py"
    path.write_text(revision_source(upgrade, downgrade))
    spec = importlib.util.spec_from_file_location("parity_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    [unit] = analyse([SimpleNamespace(revision="0002", path=str(path), module=module)])
    return unit


def _as_update_db_sql(unit) -> str:
    lines, open_transaction = ["BEGIN;"], True
    for statement in unit.up:
        if statement.in_transaction != open_transaction:
            lines.append("BEGIN;" if statement.in_transaction else "COMMIT;")
            open_transaction = statement.in_transaction
        lines.append(statement.sql.rstrip(";") + ";")
    if open_transaction:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _squawk(sql_file: Path) -> set[str]:
    result = subprocess.run(
        [SQUAWK, "--reporter", "json", str(sql_file)], capture_output=True, text=True
    )
    return {violation["rule_name"] for violation in json.loads(result.stdout or "[]")} - IGNORED


@pytest.mark.skipif(SQUAWK is None, reason="squawk-cli is not installed (uv sync)")
@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_review_catches_what_squawk_catches(tmp_path, rule_id):
    _, (upgrade, downgrade) = CASES[rule_id]
    unit = _unit(tmp_path, upgrade, downgrade)
    ours = {f.rule for f in review_units([unit]) if f.acknowledged is None}
    sql_file = tmp_path / "deploy.sql"
    sql_file.write_text(_as_update_db_sql(unit))
    for squawk_rule in _squawk(sql_file):
        expected = EQUIVALENT.get(squawk_rule, {squawk_rule})
        assert expected & ours, f"squawk reports {squawk_rule}; the review only {sorted(ours)}"


@pytest.mark.skipif(SQUAWK is None, reason="squawk-cli is not installed (uv sync)")
def test_squawk_is_really_consulted(tmp_path):
    _, (upgrade, downgrade) = CASES["require-concurrent-index-creation"]
    sql_file = tmp_path / "deploy.sql"
    sql_file.write_text(_as_update_db_sql(_unit(tmp_path, upgrade, downgrade)))
    assert _squawk(sql_file) == {"require-concurrent-index-creation"}
