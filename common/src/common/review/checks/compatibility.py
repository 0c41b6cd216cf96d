"""Old code against the new schema: what the running release's ORM does, tried for real.

``review --running-ref REF`` loads that release's models (``review.running_models``).
While the round trip upgrades its scratch database, this probe runs after the target's
current revision and after each pending one, inside that revision's transaction:

- every table and column the old models select exists, with a compatible type (same
  family; a string no shorter, an integer no narrower);
- a row as the old models write it inserts (one per table, parents first, inside a
  savepoint rolled back at once), and no new NOT NULL column without a default waits
  for a value the old code never sends;
- every enum value the old code writes is still a value of the column's enum.

A break seen after a pending revision and not before it is that revision's doing: each
becomes an error finding naming the model, the column and the revision.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import Script
from sqlalchemy import Connection, Table, inspect, select, types

from common.database import driver_message
from common.review.model import CheckResult, Finding, RevisionUnit, Severity, Status
from common.review.report import MANUAL_ITEMS, OLD_AND_NEW_CODE
from common.review.running_models import RunningModels
from common.revisions import CONTRACT, phase

NAME = "Old code works with the new schema"
RULE = "old-code-compatibility"
_FAMILIES = (
    types.Enum,
    types.Boolean,
    types.Integer,
    types.Numeric,
    types.String,
    types.DateTime,
    types.Date,
    types.Time,
    types.Interval,
    types.Uuid,
    types.JSON,
    types.LargeBinary,
)
_SAMPLES: dict[type, Any] = {
    types.Boolean: True,
    types.Integer: 1,
    types.Numeric: 1,
    types.DateTime: dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    types.Date: dt.date(2000, 1, 1),
    types.Uuid: uuid.UUID(int=1),
    types.JSON: {},
    types.LargeBinary: b"x",
    types.String: "x",
}
_INT_SIZE = {types.SmallInteger: 2, types.BigInteger: 8, types.Integer: 4}


@dataclass(frozen=True)
class Break:
    model: str
    table: str
    column: str
    problem: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.table, self.column, self.problem.split(":")[0])


def _plain(kind: Any) -> Any:
    """The type under a TypeDecorator (SQLModel's AutoString is one over String)."""
    return kind.impl_instance if isinstance(kind, types.TypeDecorator) else kind


def _family(kind: Any) -> type | None:
    return next((f for f in _FAMILIES if isinstance(kind, f)), None)


def _int_size(kind: Any) -> int:
    return next(size for base, size in _INT_SIZE.items() if isinstance(kind, base))


def _narrower(old: Any, new: Any) -> bool:
    if isinstance(old, types.String) and isinstance(new, types.String):
        return new.length is not None and (old.length is None or new.length < old.length)
    if isinstance(old, types.Integer) and isinstance(new, types.Integer):
        return _int_size(new) < _int_size(old)
    return False


# families a database reflects as another one (MySQL booleans as TINYINT, SQLite UUIDs as
# CHAR(32), MariaDB JSON as LONGTEXT, enums as VARCHAR without native enums)
_SAME = [
    {types.Boolean, types.Integer},
    {types.Uuid, types.String},
    {types.JSON, types.String},
    {types.Enum, types.String},
]


def type_problem(old: Any, new: Any) -> str | None:
    """Why the old model's type no longer fits the column, or None."""
    old, new = _plain(old), _plain(new)
    old_family, new_family = _family(old), _family(new)
    if old_family is None or new_family is None:
        return None  # a type we cannot judge is not called a break
    if old_family is types.String and new_family is types.Enum:
        return f"type changed: {old} -> {new} (the old code writes any string)"
    if old_family is not new_family and {old_family, new_family} not in _SAME:
        return f"type changed: {old} -> {new}"
    return f"type narrowed: {old} -> {new}" if _narrower(old, new) else None


def _value(column: Any) -> Any:
    kind = _plain(column.type)
    if isinstance(kind, types.Enum) and kind.enums:
        return kind.enums[0]
    for base, value in _SAMPLES.items():
        if isinstance(kind, base):
            return value
    return None


def _row(connection: Connection, table: Table) -> dict[str, Any]:
    """What the old ORM sends: every column, the primary key left to the database."""
    row: dict[str, Any] = {}
    single = len(table.primary_key.columns) == 1
    for column in table.columns:
        generated = column.primary_key and single and isinstance(column.type, types.Integer)
        if generated and column.autoincrement in (True, "auto") and not column.foreign_keys:
            continue
        if column.foreign_keys:
            target = next(iter(column.foreign_keys)).column
            row[column.name] = connection.execute(select(target).limit(1)).scalar()
        elif column.default is not None and getattr(column.default, "is_callable", False):
            continue  # the ORM's Python default (utcnow) fills it, as in the old code
        else:
            row[column.name] = _value(column)
    return row


@dataclass
class OldCode:
    """The probe, called after each revision of the scratch upgrade (an observer)."""

    running: RunningModels
    start: str | None
    labels: dict[str, str]  # pending revision id -> label
    seen: dict[tuple, Break] = field(default_factory=dict)
    baseline: set[tuple] = field(default_factory=set)
    found: list[tuple[Break, str]] = field(default_factory=list)
    observed: int = 0

    def observe(self, connection: Connection, revision: str | None) -> None:
        if revision != self.start and revision not in self.labels:
            return
        breaks = probe(connection, self.running)
        self.observed += 1
        if revision == self.start:
            self.baseline = {b.key for b in breaks}
            return
        for item in breaks:
            if item.key not in self.baseline and item.key not in self.seen:
                self.seen[item.key] = item
                self.found.append((item, self.labels[revision]))

    def findings(self, paths: dict[str, str]) -> list[Finding]:
        return [
            Finding(
                RULE,
                Severity.ERROR,
                label,
                1,
                f"the running release ({self.running.ref}) breaks: model {item.model}, "
                f"{item.table}.{item.column}: {item.problem}",
                "keep the old shape until the old code is gone: expand now (nullable or "
                "defaulted column, old name kept), contract in a later release.",
                paths.get(label, ""),
            )
            for item, label in self.found
        ]

    def result(self) -> CheckResult:
        name = f"{NAME} (running release {self.running.ref})"
        if not self.observed:
            return CheckResult(name, Status.SKIPPED, "the scratch upgrade did not reach it")
        if self.found:
            details = [
                f"{label}: {b.model} {b.table}.{b.column}: {b.problem}" for b, label in self.found
            ]
            return CheckResult(name, Status.FAILED, details[0], details)
        tables = len(self.running.metadata.tables)
        summary = (
            f"{tables} model table(s) of {self.running.path} selected and inserted after "
            "each pending revision"
        )
        return CheckResult(name, Status.PASSED, summary)


def old_code(running: RunningModels, start: str | None, pending: list[Script]) -> OldCode:
    """The probe for a scratch upgrade from ``start`` through ``pending``. The old code
    meets only what update-db applies during the deploy: a contract revision (and all
    after it) waits until the new code is everywhere, so it is not probed."""
    deployed = list(pending)
    waiting = [i for i, script in enumerate(deployed) if phase(script) == CONTRACT]
    deployed = deployed[: waiting[0]] if waiting else deployed
    labels = {script.revision: Path(script.path).stem for script in deployed}
    return OldCode(running, start, labels)


def outcome(
    old: OldCode, units: list[RevisionUnit], round_trip: bool
) -> tuple[list[Finding], CheckResult, tuple[str, ...]]:
    """After the scratch upgrade: the findings, the checklist line, and the manual items
    left (the old-and-new-code item is ticked by machine once the check ran)."""
    findings = old.findings({unit.label: str(unit.path) for unit in units})
    result = old.result()
    if not round_trip:
        result = CheckResult(result.name, Status.SKIPPED, "--no-round-trip: no scratch database")
    manual = MANUAL_ITEMS
    if result.status != Status.SKIPPED:
        manual = tuple(item for item in MANUAL_ITEMS if item != OLD_AND_NEW_CODE)
    return findings, result, manual


def probe(connection: Connection, running: RunningModels) -> list[Break]:
    """Every way the old models fail on ``connection``'s schema now."""
    inspector = inspect(connection)
    present = set(inspector.get_table_names())
    breaks: list[Break] = []
    insertable = []
    for table in running.metadata.sorted_tables:
        model = running.models.get(table.name, table.name)
        if table.name not in present:
            breaks.append(Break(model, table.name, "*", "table missing: the old code selects it"))
            continue
        found = _columns(model, table, inspector.get_columns(table.name))
        breaks += found
        if not found:
            insertable.append((model, table))
    breaks += _inserts(connection, insertable)
    return breaks


def _columns(model: str, table: Table, reflected: list[dict]) -> list[Break]:
    columns = {c["name"]: c for c in reflected}
    breaks = []
    for column in table.columns:
        now = columns.get(column.name)
        if now is None:
            breaks.append(
                Break(model, table.name, column.name, "column missing: the old code selects it")
            )
            continue
        problem = type_problem(column.type, now["type"])
        if problem:
            breaks.append(Break(model, table.name, column.name, problem))
        if isinstance(column.type, types.Enum) and isinstance(now["type"], types.Enum):
            gone = [v for v in column.type.enums if v not in now["type"].enums]
            if gone:
                said = ", ".join(repr(v) for v in gone)
                breaks.append(
                    Break(
                        model,
                        table.name,
                        column.name,
                        f"enum value gone: {said}, which the old code writes",
                    )
                )
    for name, now in columns.items():
        bare = now["default"] is None and now.get("autoincrement") is not True
        if (
            name not in table.columns
            and not now["nullable"]
            and bare
            and not now.get("computed")
            and not now.get("identity")
        ):
            breaks.append(
                Break(
                    model,
                    table.name,
                    name,
                    "NOT NULL without a default: the old code's inserts send no value",
                )
            )
    return breaks


def _inserts(connection: Connection, tables: list[tuple[str, Table]]) -> list[Break]:
    """Insert an old-model row per table (parents first) in one savepoint, rolled back."""
    breaks = []
    outer = connection.begin_nested()
    try:
        for model, table in tables:
            inner = connection.begin_nested()
            try:
                connection.execute(table.insert().values(_row(connection, table)))
                inner.commit()
            except Exception as exc:  # the insert the old code makes fails: that is the break
                inner.rollback()
                message = " ".join(driver_message(exc).split())[:200]
                breaks.append(Break(model, table.name, "*", f"insert fails: {message}"))
    finally:
        outer.rollback()
    return breaks
