"""Counting, on the target, the rows that would fail each pending step.

The queries are SQLAlchemy constructs on a lightweight ``table()`` clause. The steps that
test one row at a time (CHECK, NOT NULL, shorter VARCHAR, cast, removed enum value, and a
foreign key checked against its referred keys) are counted together, one read per table
(``scan``); a foreign key whose keys cannot be passed that way counts its orphans by
``NOT EXISTS`` in a query of its own (``orphans``); UNIQUE is proved clean by an existing
key or by hashing before any grouping (``unique``).
What each table's count needs of the catalog is read once (``catalog``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, column, table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import TableClause

from common.database import driver_message
from common.review.model import CheckResult, Finding, RevisionUnit, Severity, Status
from common.review.preflight.bounds import Bounds, TimedOut, read_only
from common.review.preflight.catalog import Catalog
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
from common.review.preflight.orphans import (
    NOT_EXISTS,
    arrayable,
    not_among,
    not_exists,
    referent_keys,
)
from common.review.preflight.predicates import violation
from common.review.preflight.scan import count_each
from common.review.preflight.unique import (
    PROVED,
    among,
    covered_by,
    duplicates,
    key_hash,
    shared_hashes,
)

NAME = "Data pre-flight: rows on the target that would fail update-db"
RULE = "data-preflight"

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


def _source(changes: list[Change], keys: list[str], kinds: dict[str, Any] | None = None):
    """The table with the columns the counts read, typed when ``kinds`` are given (a
    value read back is then bound as the column's type: an enum compares as the enum)."""
    names = {name for change in changes for name in change.columns} | set(keys)
    first = changes[0]
    kinds = kinds or {}
    columns = [column(n, kinds.get(n)) for n in sorted(names)]
    return table(first.table, *columns, schema=first.schema)


def _not_counted(changes: list[Change], why: str) -> list[Count]:
    return [Count(change, None, [], f"not counted: {why}") for change in changes]


def _rows(catalog: Catalog, source, keys: list[str], tests: list[tuple]) -> list[Count]:
    """Counts for ``tests``, ``(change, condition, how)`` on one table, in one read."""
    changes = [change for change, _, _ in tests]
    boxed, said = catalog.method(changes[0].table, changes[0].schema)
    conditions = [condition for _, condition, _ in tests]
    try:
        with read_only(catalog.connection, catalog.box(boxed)):
            found = count_each(catalog.connection, source, conditions, keys)
    except TimedOut:
        return _not_counted(changes, f"{said} did not finish")
    except DBAPIError as exc:
        return _not_counted(changes, driver_message(exc))
    return [
        Count(change, total, samples, f"{said}; {how}")
        for (change, _, how), (total, samples) in zip(tests, found, strict=True)
    ]


# how a row failing a step is found on a given table clause: (condition or None, how)
Test = Callable[[TableClause], tuple[Any, str]]


def _violation(catalog: Catalog, change: Change) -> Test:
    return lambda source: violation(change, source, catalog.dialect, catalog.version)


def _referred(catalog: Catalog, change: Change) -> Test | None:
    """A foreign key's orphans as a row test against the referred keys, read now (and so
    counted in the table's one read with its other row tests); None where the keys cannot
    be passed as one array: ``NOT EXISTS`` then, in a query of its own."""
    if catalog.dialect.name != "postgresql":
        return None
    kind = arrayable(change, catalog.kinds(change.referent, change.schema), catalog.version)
    if kind is None:
        return None
    try:  # at most REFERENT_KEYS + 1 rows, read under the time box whatever the size
        with read_only(catalog.connection, catalog.bounds.timeout):
            found = referent_keys(catalog.connection, change, kind)
    except (TimedOut, DBAPIError):  # NOT EXISTS then: it reports what goes wrong
        return None
    if found is None:
        return None
    how = f"none of the {len(found):,} key(s) of {change.referent}"
    return lambda source: (not_among(change, source, kind, found), how)


def _row_tests(catalog: Catalog, members: list[tuple[int, Change, Test]]) -> dict[int, Count]:
    """The row tests pending on one table: one read counts all that can be tested."""
    first = members[0][1]
    keys = catalog.keys(first.table, first.schema)
    source = _source([change for _, change, _ in members], keys)
    counted, testable = {}, []
    for i, change, test in members:
        condition, how = test(source)
        if condition is None:
            counted[i] = Count(change, None, [], f"not counted: {how}")
        else:
            testable.append((i, (change, condition, how)))
    if testable:
        found = _rows(catalog, source, keys, [test for _, test in testable])
        counted.update({i: count for (i, _), count in zip(testable, found, strict=True)})
    return counted


def _not_exists(catalog: Catalog, change: Change) -> Count:
    keys = catalog.keys(change.table, change.schema)
    source = _source([change], keys)
    return _rows(catalog, source, keys, [(change, not_exists(change, source), NOT_EXISTS)])[0]


def _unique(catalog: Catalog, change: Change) -> Count:
    connection = catalog.connection
    existing = covered_by(catalog.unique_keys(change.table, change.schema), change.columns)
    if existing is not None:
        return Count(change, 0, [], existing)
    boxed, said = catalog.method(change.table, change.schema)
    keys = catalog.keys(change.table, change.schema)
    kinds = catalog.kinds(change.table, change.schema)
    source = _source([change], keys, kinds)
    box = catalog.box(boxed)  # one deadline for the proof, the listing and the grouping
    key = [source.c[c] for c in change.columns]
    hashed = None
    if catalog.dialect.name == "postgresql":
        hashed = key_hash(key, catalog.version)
    within = None
    try:
        if hashed is not None:
            try:
                with read_only(connection, box):
                    shared = shared_hashes(connection, key, hashed, catalog.version)
                if shared == []:
                    return Count(change, 0, [], f"{said}; {PROVED}")
                within = None if shared is None else among(hashed, shared)
            except DBAPIError:  # a type with no extended hash: the grouping decides
                pass
        with read_only(connection, box):
            excess, groups, samples = duplicates(connection, change.columns, source, keys, within)
    except TimedOut:
        return Count(change, None, [], f"not counted: {said} did not finish")
    except DBAPIError as exc:
        return Count(change, None, [], f"not counted: {driver_message(exc)}")
    return Count(change, excess, samples, f"{said}; {groups} duplicate key(s)")


def _counts(catalog: Catalog, changes: list[Change]) -> list[Count]:
    """A count per change, in their order; the row tests of each table in one read."""
    counted: dict[int, Count] = {}
    together: dict[tuple, list[tuple[int, Change, Test]]] = {}
    for i, change in enumerate(changes):
        missing = catalog.missing(change)
        if missing is not None:
            why = f"the target has no table {missing} (unless an earlier step creates it, "
            why += "update-db fails on this step)"
            counted[i] = Count(change, None, [], f"not counted: {why}")
            continue
        if change.kind == UNIQUE:
            counted[i] = _unique(catalog, change)
            continue
        test = _violation(catalog, change)
        if change.kind == FOREIGN_KEY:
            test = _referred(catalog, change)
            if test is None:
                counted[i] = _not_exists(catalog, change)
                continue
        together.setdefault((change.table, change.schema), []).append((i, change, test))
    for members in together.values():
        counted.update(_row_tests(catalog, members))
    return [counted[i] for i in range(len(changes))]


def preflight(
    connection: Connection, units: list[RevisionUnit], bounds: Bounds | None = None
) -> tuple[list[Finding], CheckResult]:
    """Error findings for the steps the target's rows would fail, and the check line."""
    catalog = Catalog(connection, bounds or Bounds())
    changes: list[Change] = []
    for change in pending_changes(units):
        if change.enum and connection.dialect.name == "postgresql":
            changes += catalog.enum_columns(change)
        elif change.table:
            changes.append(change)
    counts = _counts(catalog, changes)
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
