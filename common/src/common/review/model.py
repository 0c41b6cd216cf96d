"""The data the review passes around: statements, operations, findings, check results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any


class Severity(StrEnum):
    """``error`` blocks the deploy (exit 1); ``warning`` informs."""

    ERROR = "error"
    WARNING = "warning"


@dataclass
class Statement:
    """One SQL statement a revision emits offline, with where it comes from.

    ``line`` is the line of the revision file that emitted it, ``op`` the name of the
    operation called there (``add_column``, ``create_index_concurrently``, ``execute``),
    ``node`` pglast's parse tree (None when pglast cannot parse it), ``in_transaction``
    whether Alembic's per-revision transaction is open when it runs, and ``created`` the
    tables created before it in the pending set (so rules can tell existing tables).
    """

    sql: str
    line: int
    op: str | None
    node: Any
    in_transaction: bool
    created: frozenset[str] = frozenset()

    def on_existing(self, table: str | None) -> bool:
        return bool(table) and table not in self.created


@dataclass
class OpCall:
    """A call like ``op.add_column(...)`` in the revision source."""

    name: str
    line: int
    end_line: int
    function: str
    node: Any


@dataclass
class Suppression:
    """``# review: ignore[rule-id] reason``: acknowledges one finding on ``target_line``."""

    rule: str
    line: int
    target_line: int
    reason: str
    used: bool = False


@dataclass
class RevisionUnit:
    """Everything the rules see about one pending revision."""

    revision: str
    label: str
    path: Path
    source: str
    tree: Any
    up: list[Statement] = field(default_factory=list)
    down: list[Statement] = field(default_factory=list)
    ops: list[OpCall] = field(default_factory=list)
    suppressions: list[Suppression] = field(default_factory=list)
    render_error: str | None = None
    upgrade_line: int = 0
    downgrade_line: int | None = None
    downgrade_empty: bool = False
    upgrade_empty: bool = False
    spans: dict[int, int] = field(default_factory=dict)  # first line -> last line
    #: every op object ``upgrade()`` invoked, with the revision line that invoked it
    operations: list[tuple[int, Any]] = field(default_factory=list)

    def covers(self, finding_line: int, line: int) -> bool:
        """Whether ``line`` lies within the call or function starting at ``finding_line``."""
        return finding_line <= line <= self.spans.get(finding_line, finding_line)

    def ops_in(self, function: str) -> list[OpCall]:
        return [call for call in self.ops if call.function == function]


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    revision: str
    line: int
    message: str
    help: str
    path: str = ""
    acknowledged: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = {
            "rule": self.rule,
            "severity": self.severity.value,
            "revision": self.revision,
            "line": self.line,
            "message": self.message,
            "help": self.help,
        }
        if self.acknowledged is not None:
            data["acknowledged"] = self.acknowledged
        return data


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    WARNING = "warning"
    SKIPPED = "skipped"


@dataclass
class CheckResult:
    """One machine-ticked checklist item; ``details`` lists what went wrong or was seen."""

    name: str
    status: Status
    summary: str
    details: list[str] = field(default_factory=list)
    data: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "status": self.status.value,
            "summary": self.summary,
            "details": self.details,
        }
        if self.data:
            result["data"] = self.data
        return result
