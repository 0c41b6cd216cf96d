"""The pre-deploy checklist: rich text on a terminal, Markdown for a pull request, JSON.

All three say the same things: findings that block (errors) or inform (warnings), the
acknowledged findings with their reasons, each check's result, and the manual items no
machine can tick, so the printout is the whole pre-deploy checklist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from common.review.model import CheckResult, Finding, Severity, Status

OLD_AND_NEW_CODE = (
    "The application code running during the deploy works with both the old and the new schema."
)
MANUAL_ITEMS = (
    "A backup of the target database was taken (and a restore tested) right before the deploy.",
    "A rollback plan is written: which revision to downgrade to, or which backup to restore.",
    OLD_AND_NEW_CODE,
)
_MARKS = {
    Status.PASSED: ("✓", "green"),
    Status.FAILED: ("✗", "red"),
    Status.WARNING: ("!", "yellow"),
    Status.SKIPPED: ("-", "dim"),
}


@dataclass
class Report:
    database: str
    pending: list[str]
    findings: list[Finding]
    checks: list[CheckResult]
    notes: list[str] = field(default_factory=list)
    #: the items left to tick by hand (``--running-ref`` ticks OLD_AND_NEW_CODE by machine)
    manual: tuple[str, ...] = MANUAL_ITEMS

    @property
    def active(self) -> list[Finding]:
        return [f for f in self.findings if f.acknowledged is None]

    @property
    def acknowledged(self) -> list[Finding]:
        return [f for f in self.findings if f.acknowledged is not None]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.active if f.severity == Severity.ERROR]

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == Status.FAILED]

    @property
    def blocked(self) -> bool:
        return bool(self.errors or self.failed_checks)

    @property
    def verdict(self) -> str:
        if not self.blocked:
            return "READY: nothing blocks the deploy; tick the manual items."
        return (
            f"BLOCKED: {len(self.errors)} error finding(s), {len(self.failed_checks)} failed "
            "check(s)."
        )


def _where(finding: Finding) -> str:
    return f"{Path(finding.path).name or finding.revision}:{finding.line}"


def as_json(report: Report) -> str:
    data: dict[str, Any] = {
        "database": report.database,
        "pending": report.pending,
        "findings": [f.as_json() for f in report.active],
        "acknowledged": [f.as_json() for f in report.acknowledged],
        "checks": [{"name": c.name, **c.as_json()} for c in report.checks],
        "manual": list(report.manual),
        "notes": report.notes,
        "blocked": report.blocked,
    }
    return json.dumps(data, indent=2, default=str)


def as_markdown(report: Report) -> str:
    lines = [f"## Pre-deploy review: {len(report.pending)} pending revision(s)", ""]
    lines += [f"Database: `{report.database}`", ""]
    lines += [f"- `{label}`" for label in report.pending] + [""]
    lines += ["### Findings", ""]
    if not report.active:
        lines.append("None.")
    for f in report.active:
        lines.append(f"- **{f.severity.value}** `{f.rule}` at `{_where(f)}`: {f.message}")
        lines.append(f"  - Fix: {f.help}")
    if report.acknowledged:
        lines += ["", "### Acknowledged", ""]
        for f in report.acknowledged:
            lines.append(f"- `{f.rule}` at `{_where(f)}`: {f.message} (reason: {f.acknowledged})")
    lines += ["", "### Checks", ""]
    for check in report.checks:
        box = "[x]" if check.status == Status.PASSED else "[ ]"
        lines.append(f"- {box} {check.name}: **{check.status.value}**, {check.summary}")
        lines += [f"  - {detail}" for detail in _extra_details(check)]
        if _impact_rows(check):
            lines += ["", *_impact_markdown(check), ""]
    lines += ["", "### Manual (tick by hand)", ""]
    lines += [f"- [ ] {item}" for item in report.manual]
    lines += [f"- note: {note}" for note in report.notes]
    lines += ["", f"**{report.verdict}**"]
    return "\n".join(lines)


def _extra_details(check: CheckResult) -> list[str]:
    """Details not already shown as the summary."""
    return [detail for detail in check.details if detail != check.summary]


_IMPACT_COLUMNS = ("revision:line", "table", "rows", "size", "lock", "work", "est.")


def _impact_cells(row: dict[str, Any]) -> list[str]:
    return [
        f"{row['revision']}:{row['line']}",
        row["table"],
        f"{row['rows']:,}",
        row["size"],
        row["lock"],
        f"{row['work']}: {row['why']}" if row.get("why") else row["work"],
        f"{row['estimate_seconds']} s",
    ]


def _impact_rows(check: CheckResult) -> bool:
    """Rows of the impact table (other checks' data, the pre-flight's counts, go to JSON;
    their details already say it in words)."""
    return bool(check.data) and "lock" in check.data[0]


def _impact_markdown(check: CheckResult) -> list[str]:
    lines = ["  | " + " | ".join(_IMPACT_COLUMNS) + " |", "  |" + "---|" * len(_IMPACT_COLUMNS)]
    for row in check.data:
        cells = _impact_cells(row)
        if row["flagged"]:
            cells = [f"**{cell}**" for cell in cells]
        lines.append("  | " + " | ".join(cells) + " |")
    return lines


def _impact_table(check: CheckResult) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    for title in _IMPACT_COLUMNS:
        table.add_column(title, no_wrap=True)
    for row in check.data:
        style = "red" if row["flagged"] else None
        table.add_row(*_impact_cells(row), style=style)
    return table


def print_text(report: Report, console: Console | None = None) -> None:
    out = console or Console(soft_wrap=True, highlight=False)
    out.print(f"[bold]Pre-deploy review[/bold] of {escape(report.database)}")
    out.print(f"Pending ({len(report.pending)}): {escape(', '.join(report.pending) or 'none')}")
    out.print("\n[bold]Findings[/bold]")
    if not report.active:
        out.print("  none")
    for f in report.active:
        color = "red" if f.severity == Severity.ERROR else "yellow"
        out.print(f"  [{color}]{f.severity.value}[/{color}] {f.rule} at {escape(_where(f))}")
        out.print(f"      {escape(f.message)}")
        out.print(f"      fix: {escape(f.help)}")
    if report.acknowledged:
        out.print("\n[bold]Acknowledged[/bold]")
        for f in report.acknowledged:
            out.print(f"  {f.rule} at {escape(_where(f))}: {escape(f.acknowledged or '')}")
    out.print("\n[bold]Checks[/bold]")
    for check in report.checks:
        mark, color = _MARKS[check.status]
        out.print(f"  [{color}]{mark}[/{color}] {escape(check.name)}: {escape(check.summary)}")
        for detail in _extra_details(check):
            out.print(f"      - {escape(detail)}")
        if _impact_rows(check) and out.is_terminal:
            out.print(_impact_table(check))
        elif _impact_rows(
            check
        ):  # plain lines: a table squeezed into a pipe's 80 columns is unreadable
            for row in check.data:
                cells = _impact_cells(row)
                flag = "  <- blocks" if row["flagged"] else ""
                out.print(
                    f"      {escape(cells[0])} {escape(row['table'])}: ~{cells[2]} rows, "
                    f"{escape(row['size'])}; {escape(row['lock'])}; {escape(cells[5])}; "
                    f"~{cells[6]}{flag}"
                )
    out.print("\n[bold]Manual (tick by hand)[/bold]")
    for item in report.manual:
        out.print(f"  ☐ {escape(item)}")
    for note in report.notes:
        out.print(f"  note: {escape(note)}")
    color = "red" if report.blocked else "green"
    out.print(f"\n[bold {color}]{escape(report.verdict)}[/bold {color}]")
