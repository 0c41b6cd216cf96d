"""Every review rule: documented, silent on its ``ok`` case, firing on its ``error`` case.

The cases are real revision files run through the same analysis as ``review`` (offline
SQL parsed with pglast, plus the source's ast); no database is needed.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from common.review.analysis import analyse
from common.review.engine import review_units
from common.review.examples import CASES, revision_source
from common.review.model import Severity
from common.review.rules import all_rules

RULES = all_rules()


def _review(tmp_path: Path, upgrade: str, downgrade: str | None):
    path = tmp_path / "0002_case.py"
    path.write_text(revision_source(upgrade, downgrade))
    spec = importlib.util.spec_from_file_location("case_0002", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    script = SimpleNamespace(revision="0002", path=str(path), module=module)
    [unit] = analyse([script])
    assert unit.render_error is None, unit.render_error
    return review_units([unit])


def test_every_rule_has_cases_and_docs():
    assert set(CASES) == set(RULES)
    for rule in RULES.values():
        assert rule.doc.startswith(f"{rule.id}:"), rule.id
        for part in ("Problem:", "Why it hurts:", "Safe alternative:"):
            assert part in rule.doc, f"{rule.id} docs lack {part}"
        assert rule.help


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_ok_case_passes(tmp_path, rule_id):
    (upgrade, downgrade), _ = CASES[rule_id]
    findings = _review(tmp_path, upgrade, downgrade)
    assert [f for f in findings if f.rule == rule_id and f.acknowledged is None] == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_error_case_is_found(tmp_path, rule_id):
    _, (upgrade, downgrade) = CASES[rule_id]
    findings = [f for f in _review(tmp_path, upgrade, downgrade) if f.rule == rule_id]
    assert len(findings) == 1, findings
    [finding] = findings
    assert finding.severity == RULES[rule_id].severity
    assert finding.revision == "0002_case"
    assert finding.line > 10
    assert finding.message and finding.help


def test_suppression_acknowledges_one_finding(tmp_path):
    upgrade = (
        "# review: ignore[ban-drop-column] the column is unused since v2.3\n"
        'op.drop_column("users", "full_name")\n'
        'op.drop_column("users", "email")'
    )
    findings = _review(tmp_path, upgrade, 'op.add_column("users", sa.Column("x", sa.Text()))')
    drops = [f for f in findings if f.rule == "ban-drop-column"]
    assert [(f.line, f.acknowledged) for f in drops] == [
        (drops[0].line, "the column is unused since v2.3"),
        (drops[0].line + 1, None),
    ]


def test_tables_created_in_the_pending_set_are_not_existing(tmp_path):
    upgrade = (
        'op.create_table("fresh", sa.Column("id", sa.Integer()), sa.Column("a", sa.Text()))\n'
        'op.create_index("ix_fresh_a", "fresh", ["a"])\n'
        'op.add_column("fresh", sa.Column("b", sa.Integer(), nullable=False))\n'
        'op.alter_column("fresh", "a", nullable=False)'
    )
    findings = _review(tmp_path, upgrade, 'op.drop_table("fresh")')
    assert findings == []


def test_missing_downgrade_function(tmp_path):
    findings = _review(tmp_path, 'op.add_column("users", sa.Column("x", sa.Text()))', None)
    assert [(f.rule, f.severity) for f in findings] == [("missing-downgrade", Severity.ERROR)]
    assert "no downgrade()" in findings[0].message


def test_downgrade_that_does_not_undo(tmp_path):
    upgrade = 'op.add_column("users", sa.Column("x", sa.Text()))'
    findings = _review(tmp_path, upgrade, 'op.execute("SELECT 1")')
    assert [f.message.split(",")[0] for f in findings] == [
        "downgrade() does not drop column users.x"
    ]


def test_operations_after_a_data_read_are_still_reviewed(tmp_path):
    """A data migration reading rows cannot run offline; what follows is replayed singly."""
    path = tmp_path / "0002_case.py"
    path.write_text(
        revision_source(
            "rows = op.get_bind().execute(sa.text('SELECT id FROM users')).fetchall()\n"
            'op.create_index("ix_users_name", "users", ["full_name"])',
            'op.drop_index("ix_users_name")',
        )
    )
    spec = importlib.util.spec_from_file_location("case_read", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    [unit] = analyse([SimpleNamespace(revision="0002", path=str(path), module=module)])
    assert unit.render_error.startswith("upgrade() stops offline at line 13: AttributeError")
    findings = review_units([unit])
    assert [(f.rule, f.line) for f in findings] == [("require-concurrent-index-creation", 14)]


def test_downgrade_that_does_not_recreate_what_upgrade_drops(tmp_path):
    upgrade = (
        '# review: ignore[ban-drop-column] unused since 4.2\nop.drop_column("users", "full_name")'
    )
    findings = _review(tmp_path, upgrade, 'op.execute("SELECT 1")')
    assert [(f.rule, f.message.split(",")[0]) for f in findings if f.acknowledged is None] == [
        ("missing-downgrade", "downgrade() does not recreate column users.full_name")
    ]


@pytest.mark.parametrize(
    "call",
    [
        'op.batch_update("users", {"full_name": None}, where=f"email = \'{email}\'")',
        'op.batch_update("users", {"full_name": None}, "email = \'%s\'" % email)',
        'op.batch_delete("users", where="email = \'{}\'".format(email))',
        'op.batch_delete("users", f"email = \'{email}\'")',
        'op.batch_copy_column("users", "email", "full_name", using=f"\'{email}\'")',
    ],
)
def test_values_formatted_into_a_batch_operation_are_found(tmp_path, call):
    """The operations recommended for data migrations take SQL text too (where=, using=)."""
    findings = _review(tmp_path, f'email = "x"\n{call}', "pass")
    assert [f.rule for f in findings if f.rule == "raw-sql-interpolation"] == [
        "raw-sql-interpolation"
    ]


def test_a_batch_operation_with_bound_sql_is_not_flagged(tmp_path):
    call = 'op.batch_delete("users", where=sa.text("email = :e").bindparams(e="x"))'
    findings = _review(tmp_path, call, "pass")
    assert [f for f in findings if f.rule == "raw-sql-interpolation"] == []


def test_a_table_renamed_with_a_view_under_its_old_name_is_not_reported(tmp_path):
    upgrade = 'op.rename_table("tags", "labels")\nop.create_view("tags", "SELECT * FROM labels")'
    downgrade = 'op.drop_view("tags", "SELECT * FROM labels")\nop.rename_table("labels", "tags")'
    findings = _review(tmp_path, upgrade, downgrade)
    assert [f for f in findings if f.rule == "renaming-table"] == []


def test_hand_written_enum_value_rename_is_found(tmp_path):
    upgrade = "op.execute(\"ALTER TYPE taskstatus RENAME VALUE 'doing' TO 'busy'\")"
    downgrade = "op.execute(\"ALTER TYPE taskstatus RENAME VALUE 'busy' TO 'doing'\")"
    findings = [f for f in _review(tmp_path, upgrade, downgrade) if f.rule == "renaming-enum-value"]
    assert [f.message for f in findings] == [
        "renames value 'doing' of enum type taskstatus to 'busy': code still writing 'doing' "
        "fails once this runs."
    ]
