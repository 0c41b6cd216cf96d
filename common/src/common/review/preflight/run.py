"""Counting, on the target, the rows that would fail each pending step.

One query per step, built from SQLAlchemy constructs on a lightweight ``table()`` clause:
the number of offending rows and the first five primary keys come back together
(``count(*) OVER ()`` beside the keys), so a clean table costs one scan. UNIQUE counts
duplicate groups in one aggregate and fetches sample keys only when there are some; a
foreign key counts orphans with ``NOT EXISTS`` on the referred table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    column,
    exists,
    func,
    inspect,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.exc import DBAPIError

from common.database import driver_message
from common.review.model import CheckResult, Finding, RevisionUnit, Severity, Status
from common.review.preflight.bounds import (
    STATISTIC,
    Bounds,
    TimedOut,
    estimated_rows,
    method,
    read_only,
)
from common.review.preflight.changes import (
    CAST,
    CHECK,
    ENUM,
    FOREIGN_KEY,
    LENGTH,
    NOT_NULL,
    UNIQUE,
    Change,
    pending_changes,
)
from common.review.preflight.predicates import violation

NAME = "Data pre-flight: rows on the target that would fail update-db"
RULE = "data-preflight"
SAMPLES = 5
# for the duplicate count only, transaction-local: with PostgreSQL's default 4MB, a
# million keys are sorted on disk (about 2x slower than hashed in memory)
UNIQUE_WORK_MEM = "64MB"

_FAILS = {
    UNIQUE: "duplicate row(s) in {what} would fail the new UNIQUE",
    CHECK: "row(s) of {what} violate the new CHECK",
    FOREIGN_KEY: "orphan row(s) in {what} reference no row of {referent} (the new foreign key)",
    NOT_NULL: "row(s) of {what} hold NULL and would fail the new NOT NULL",
    LENGTH: "value(s) of {what} are longer than the new length {length}",
    CAST: "value(s) of {what} do not cast to the new type {target}",
    ENUM: "row(s) of {what} hold the removed enum value(s) {values}",
}
_FIXES = {
    UNIQUE: "merge or delete the duplicates (sample keys above) in a data migration before "
    "this step, or keep the key non-unique.",
    CHECK: "correct the violating rows with op.batch_update before this step, or add the "
    "constraint with op.create_check_constraint_not_valid and validate it once they are fixed.",
    FOREIGN_KEY: "delete the orphans, point them at existing rows or set them NULL (op.batch_"
    "update) before this step.",
    NOT_NULL: "backfill the NULLs with op.batch_update(table, {column: value}, where=...) in "
    "an earlier step, or give the column a server default.",
    LENGTH: "shorten or move the long values first (op.batch_update), or keep the longer length.",
    CAST: "correct or clear the values that do not cast first, or convert through a new "
    "column with op.batch_copy_column(using=...).",
    ENUM: "move the rows off the removed value(s) with op.batch_update before this step.",
}
_ADD_NOT_NULL = (
    "row(s) of {what} exist, and the new NOT NULL column has no default: adding it fails",
    "add the column nullable or with a server default, backfill, then op.set_not_null_safely.",
)


@dataclass
class Count:
    change: Change
    rows: int | None  # None: not counted
    samples: list[str]
    how: str

    def as_json(self) -> dict[str, Any]:
        change = self.change
        return {
            "revision": change.revision,
            "line": change.line,
            "kind": change.kind,
            "what": change.what,
            "rows": self.rows,
            "sample_keys": self.samples,
            "method": self.how,
        }

    def finding(self) -> Finding:
        change = self.change
        if change.kind == NOT_NULL and not change.columns:
            message, fix = _ADD_NOT_NULL
        else:
            message, fix = _FAILS[change.kind], _FIXES[change.kind]
        values = ", ".join(repr(v) for v in change.values)
        said = message.format(
            what=change.what,
            referent=change.referent,
            length=change.length,
            target=change.target,
            values=values,
        )
        keys = f"; sample keys: {', '.join(self.samples)}" if self.samples else ""
        return Finding(
            RULE,
            Severity.ERROR,
            change.revision,
            change.line,
            f"{self.rows:,} {said}{keys}; {self.how}",
            fix,
            change.path,
        )


class _Target:
    """The target's connection plus what the counts look up once per table."""

    def __init__(self, connection: Connection, bounds: Bounds) -> None:
        self.connection = connection
        self.bounds = bounds
        self.dialect = connection.dialect
        self.version = int(getattr(connection.dialect, "server_version_info", (0,))[0]) * 10000
        self._keys: dict[tuple, list[str]] = {}

    def keys(self, name: str, schema: str | None) -> list[str]:
        if (name, schema) not in self._keys:
            primary = inspect(self.connection).get_pk_constraint(name, schema=schema)
            self._keys[(name, schema)] = list(primary.get("constrained_columns") or [])
        return self._keys[(name, schema)]

    def enum_columns(self, change: Change) -> list[Change]:
        """A swapped PostgreSQL enum type: one change per column of that type."""
        query = text(
            "SELECT c.relname, a.attname FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p') "
            "JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE t.typname = :name AND n.nspname = coalesce(:schema, current_schema()) "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"
        )
        rows = self.connection.execute(query, {"name": change.enum, "schema": change.schema})
        found = [
            replace(change, table=t, columns=(c,), enum=None, enum_type=change.enum)
            for t, c in rows
        ]
        self.connection.rollback()
        return found


def _sample(keys: list[str], row: Any) -> str:
    return ",".join(f"{key}={value}" for key, value in zip(keys, row, strict=True))


def _source(change: Change, keys: list[str]):
    names = set(change.columns) | set(keys)
    return table(change.table, *[column(n) for n in sorted(names)], schema=change.schema)


def _condition(target: _Target, change: Change, source) -> tuple[Any, str]:
    """What an offending row meets (None: no safe test) and how it is tested."""
    if change.kind != FOREIGN_KEY:
        return violation(change, source, target.dialect, target.version)
    referent = table(change.referent, *[column(c) for c in change.remote], schema=change.schema)
    referent = referent.alias("referent")
    local = [source.c[c] for c in change.columns]
    matched = [referent.c[r] == value for r, value in zip(change.remote, local, strict=True)]
    condition = and_(*[c.is_not(None) for c in local], not_(exists().where(and_(*matched))))
    return condition, "NOT EXISTS on the referred table"


def _samples(keys: list[str], rows: list) -> list[str]:
    return [_sample(keys, row) for row in sorted(rows)[:SAMPLES]]


def _offending(connection: Connection, source, condition, keys: list[str]) -> tuple[int, list]:
    """One scan counts; only when it finds some, a second query reads sample keys (it
    stops at the fifth)."""
    total = int(
        connection.execute(select(func.count()).select_from(source).where(condition)).scalar()
    )
    if not total or not keys:
        return total, []
    query = select(*[source.c[k] for k in keys]).where(condition).limit(SAMPLES)
    return total, _samples(keys, list(connection.execute(query)))


def _duplicates(connection: Connection, change: Change, source, keys: list[str]) -> tuple:
    """``(excess rows, duplicate keys, samples)``: one aggregate counts (and names the first
    duplicate keys); only when there are some, one more query reads sample primary keys."""
    key = [source.c[c] for c in change.columns]
    groups = (
        select(*key, func.count().label("n"))
        .where(and_(*[c.is_not(None) for c in key]))
        .group_by(*key)
        .having(func.count() > 1)
        .subquery()
    )
    if connection.dialect.name == "postgresql":  # room to hash the keys instead of sorting
        connection.execute(select(func.set_config("work_mem", UNIQUE_WORK_MEM, True)))
    first = [groups.c[c] for c in change.columns]
    query = select(func.sum(groups.c.n - 1).over(), func.count().over(), *first).limit(SAMPLES)
    rows = connection.execute(query).all()
    if not rows:
        return 0, 0, []
    excess, count = int(rows[0][0]), int(rows[0][1])
    if not keys:
        return excess, count, []
    named = or_(*[and_(*[c == v for c, v in zip(key, row[2:], strict=True)]) for row in rows])
    query = select(*[source.c[k] for k in keys]).where(named).limit(SAMPLES)
    return excess, count, _samples(keys, list(connection.execute(query)))


def _count(target: _Target, change: Change) -> Count:
    connection = target.connection
    rows = estimated_rows(connection, change.table, change.schema)
    connection.rollback()
    boxed, said = method(rows, target.bounds, STATISTIC[target.dialect.name])
    keys = target.keys(change.table, change.schema)
    source = _source(change, keys)
    condition, how = (None, "") if change.kind == UNIQUE else _condition(target, change, source)
    if condition is None and change.kind != UNIQUE:
        return Count(change, None, [], f"not counted: {how}")
    timeout = target.bounds.timeout if boxed else None
    try:
        with read_only(connection, timeout):
            if change.kind == UNIQUE:
                excess, groups, samples = _duplicates(connection, change, source, keys)
                return Count(change, excess, samples, f"{said}; {groups} duplicate key(s)")
            total, samples = _offending(connection, source, condition, keys)
    except TimedOut:
        return Count(change, None, [], f"not counted: {said} did not finish")
    except DBAPIError as exc:
        return Count(change, None, [], f"not counted: {driver_message(exc)}")
    return Count(change, total, samples, f"{said}; {how}")


def preflight(
    connection: Connection, units: list[RevisionUnit], bounds: Bounds | None = None
) -> tuple[list[Finding], CheckResult]:
    """Error findings for the steps the target's rows would fail, and the check line."""
    target = _Target(connection, bounds or Bounds())
    changes: list[Change] = []
    for change in pending_changes(units):
        if change.enum and connection.dialect.name == "postgresql":
            changes += target.enum_columns(change)
        elif change.table:
            changes.append(change)
    counts = [_count(target, change) for change in changes]
    failing = [count for count in counts if count.rows]
    details = [
        f"{c.change.revision}:{c.change.line} {c.change.kind} {c.change.what}: "
        + (f"{c.rows:,} row(s); " if c.rows is not None else "")
        + c.how
        for c in counts
    ]
    uncounted = [c for c in counts if c.rows is None]
    if failing:
        status = Status.FAILED
        summary = f"{len(failing)} of {len(counts)} step(s) would fail on the target's rows"
    elif uncounted:
        status = Status.WARNING
        summary = f"{len(uncounted)} of {len(counts)} step(s) not counted (see details)"
    else:
        status = Status.PASSED
        summary = f"{len(counts)} step(s) checked; no row of the target fails them"
    data = [count.as_json() for count in counts]
    return [c.finding() for c in failing], CheckResult(NAME, status, summary, details, data)
