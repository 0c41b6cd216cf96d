"""One page per review rule, from its module's docstring and its example revisions.

A rule module's docstring is written in squawk's shape (``Problem:``, ``Why it hurts:``,
``Safe alternative:``); the page adds the rule's severity, the fix the finding prints,
the revision that triggers it and the one that does not (``common.review.examples``,
which the rule tests run), and how to acknowledge a finding on purpose.
"""

from __future__ import annotations

import textwrap

from common.reference._markdown import fence, index
from common.review.examples import CASES
from common.review.rules import Rule, all_rules

SECTION = "rules"


def summary(rule: Rule) -> str:
    """The docstring's first line after the ``rule-id:`` prefix."""
    first = rule.doc.split("\n", 1)[0].replace("``", "`")
    return first.split(":", 1)[1].strip() if first.startswith(f"{rule.id}:") else first


def _body(rule: Rule) -> str:
    """The docstring after its first line, each section heading in bold."""
    rest = rule.doc.split("\n", 1)[1] if "\n" in rule.doc else ""
    text = textwrap.dedent(rest).strip().replace("``", "`")
    for heading in ("Problem:", "Why it hurts:", "Safe alternative:"):
        text = text.replace(heading, f"**{heading}**")
    return text


def _example(case: tuple[str, str | None]) -> str:
    upgrade, downgrade = case
    lines = ["def upgrade() -> None:", textwrap.indent(textwrap.dedent(upgrade), "    ")]
    if downgrade is not None:
        lines += ["", "", "def downgrade() -> None:"]
        lines.append(textwrap.indent(textwrap.dedent(downgrade), "    "))
    return "\n".join(lines)


def page(rule: Rule) -> str:
    lines = [f"# `{rule.id}`", "", f"*{summary(rule)}*", ""]
    blocks = (
        "it blocks the deploy (review exits 1)" if rule.severity.value == "error" else "it informs"
    )
    lines += [f"Severity: **{rule.severity.value}**: {blocks}.", "", _body(rule), ""]
    lines += ["## The fix the finding prints", "", rule.help, ""]
    ok, error = CASES[rule.id]
    lines += ["## Triggers it", "", "In a revision (`users` and `tasks` already hold rows):", ""]
    lines += fence("python", _example(error))
    lines += ["## Does not", ""]
    lines += fence("python", _example(ok))
    lines += [
        "## Acknowledging it",
        "",
        "When the finding is known and accepted, say so on the line it points at (or on the "
        "line above); the report moves it to the acknowledged list with the reason:",
        "",
    ]
    lines += fence("python", f"op.execute(...)  # review: ignore[{rule.id}] <why it is safe here>")
    return "\n".join(lines)


def pages() -> dict[str, str]:
    rules = all_rules()
    found = {f"{SECTION}/{rule_id}.md": page(rule) for rule_id, rule in rules.items()}
    found[f"{SECTION}/index.md"] = index(
        "Review rules",
        "What `uvx invoke review` (and `review --static`) checks in each pending revision. "
        "Each page is generated from the rule's module.",
        ((f"`{rule_id}`", f"{rule_id}.md", summary(rule)) for rule_id, rule in rules.items()),
    )
    return found
