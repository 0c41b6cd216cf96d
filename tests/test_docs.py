"""The reference site: every command, flag, operation, rule and setting has its page, the
pages say what the code does, and the site builds with warnings as errors (issue 20).

The pages are generated (``common.reference``), so these tests are about completeness
and shape; what each example does is proven where the example lives (the shared op test
runs every op's example online and offline, the rule tests run every rule's cases).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from common.config import Settings
from common.ops import all_ops
from common.reference import commands, pages, settings
from common.review.examples import CASES
from common.review.rules import all_rules
from tests.docs_examples import task_flags

ROOT = Path(__file__).resolve().parents[1]
PAGES = pages()
DIALECTS = ("postgresql", "mysql", "sqlite")
DOCS = "docs/mkdocs.yml"


@pytest.mark.parametrize("name", list(commands.subcommands()))
def test_every_command_and_flag_has_its_page(name):
    page = PAGES[f"commands/{name}.md"]
    parser = commands.subcommands()[name]
    tasks = task_flags()
    assert name in tasks, f"the page says `uvx invoke {name}`, which tasks.py lacks"
    for action in commands.flags(parser):
        if not action.option_strings:
            continue  # a positional (create-migration's message) is in the usage line
        for flag in action.option_strings:
            assert f"`{flag}`" in page, f"{name} {flag}"
        assert action.help and action.help in page
        long = [s for s in action.option_strings if s.startswith("--")]
        assert set(long) & tasks[name] or long == ["--json"], f"invoke {name} lacks {long}"
    assert f"commands/{name}.md" in PAGES["commands/index.md"].replace("](", "](commands/")


@pytest.mark.parametrize("cls", all_ops(), ids=lambda cls: cls.op_name)
def test_every_operation_has_its_page_with_locks_and_example(cls):
    page = PAGES[f"operations/{cls.op_name}.md"]
    op = cls.example()
    for dialect in DIALECTS:
        assert f"| {dialect} | " in page
        if op.lock(dialect):
            assert op.lock(dialect).split("|")[0].strip()[:30] in page
    call = page.split("```python\n", 1)[1].split("```", 1)[0]
    assert f"\nop.{cls.op_name}(" in f"\n{call}"
    compile(call, "<example>", "exec")
    assert op.describe() in page
    sql = page.split("```sql\n", 1)[1].split("```", 1)[0]
    assert sql.strip() and "Traceback" not in sql
    assert f"({cls.op_name}.md)" in PAGES["operations/index.md"]


@pytest.mark.parametrize("rule_id", list(all_rules()))
def test_every_rule_has_its_page_in_squawks_shape(rule_id):
    rule = all_rules()[rule_id]
    for heading in ("Problem:", "Why it hurts:", "Safe alternative:"):
        assert heading in rule.doc, f"{rule.module}'s docstring lacks {heading!r}"
    page = PAGES[f"rules/{rule_id}.md"]
    assert f"**{rule.severity.value}**" in page and rule.help in page
    _, error = CASES[rule_id]
    assert error[0].splitlines()[0] in page.split("## Triggers it", 1)[1]
    assert f"# review: ignore[{rule_id}]" in page
    assert f"({rule_id}.md)" in PAGES["rules/index.md"]


def test_every_setting_is_on_the_settings_page():
    page = PAGES[settings.PAGE]
    for name, field in Settings.model_fields.items():
        assert field.description, f"Settings.{name} has no description"
        assert f"`{settings.variable(name)}`" in page
    assert "`DATABASE_URL`" in page and "`WORKBENCH_LOCK_TIMEOUT_MS` | `5000`" in page


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    """What `uvx invoke docs` runs, into a temporary folder (never --quiet: it hides the
    warnings that --strict turns into a failure)."""
    site = str(tmp_path / "site")
    result = subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--strict", "-f", DOCS, "-d", site],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING" not in result.stderr, result.stderr[-3000:]
    for path in ("commands/update-db/index.html", "operations/swap_enum_type/index.html"):
        assert (tmp_path / "site" / path).exists(), path
    assert (
        "SHARE UPDATE EXCLUSIVE"
        in (
            tmp_path / "site" / "operations" / "create_index_concurrently" / "index.html"
        ).read_text()
    )
