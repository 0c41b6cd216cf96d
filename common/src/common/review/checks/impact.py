"""Impact on the target database: per operation, its table's size, lock and cost.

Statistics come from the target's catalog (``pg_class.reltuples`` is the planner's row
estimate, kept by ANALYZE/autovacuum; ``pg_total_relation_size`` includes indexes and
TOAST), so nothing is scanned. Times are order-of-magnitude estimates from throughput
rules of thumb; the point is to flag ACCESS EXCLUSIVE held during a scan or rewrite of a
large table, which stops the application for that long.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType
from sqlalchemy import Connection, text

from common.review.model import CheckResult, RevisionUnit, Statement, Status
from common.review.rules._sql import function_names
from common.review.rules.adding_field_with_volatile_default import VOLATILE

NAME = "Impact on the target database (locks, rewrites, size)"
ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
# bytes per second, rough figures for a modest server
SPEED = {"rewrite": 50e6, "index build": 50e6, "scan": 200e6}
ROWS_PER_SECOND = 20_000
LARGE_BYTES = 1 << 30


@dataclass(frozen=True)
class Effect:
    table: str
    lock: str
    work: str  # instant, scan, rewrite, index build, row updates
    schema: str | None = None  # as the statement names it; None: the search path's
    why: str = ""  # why the work is what it is, where the statement alone does not say

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.table}" if self.schema else self.table


def _on(relation: ast.RangeVar, lock: str, work: str, why: str = "") -> Effect:
    return Effect(relation.relname, lock, work, relation.schemaname, why)


_ALTER_WORK = {
    AlterTableType.AT_AlterColumnType: "rewrite",
    AlterTableType.AT_SetNotNull: "scan",
    AlterTableType.AT_ValidateConstraint: "scan",
}


def _add_column(column: ast.ColumnDef) -> tuple[str, str, str]:
    """ADD COLUMN: instant, unless every existing row needs a value of its own.

    Since PostgreSQL 11 a non-volatile default (a constant, or ``now()``: one value for
    the ALTER) is kept in the catalog; a volatile one, or a stored generated column, is
    computed for every row, and the table is rewritten.
    """
    kinds = {constraint.contype for constraint in column.constraints or ()}
    if ConstrType.CONSTR_GENERATED in kinds:
        return ACCESS_EXCLUSIVE, "rewrite", "stored generated column: computed for every row"
    volatile = sorted(function_names(column) & VOLATILE)
    if volatile:
        return ACCESS_EXCLUSIVE, "rewrite", f"volatile default {volatile[0]}(): one per row"
    if ConstrType.CONSTR_DEFAULT in kinds:
        return ACCESS_EXCLUSIVE, "instant", "default kept in the catalog (PostgreSQL 11+)"
    return ACCESS_EXCLUSIVE, "instant", ""


def _alter_effect(table: str, command: ast.AlterTableCmd) -> tuple[str, ...]:
    if command.subtype == AlterTableType.AT_ValidateConstraint:
        return "SHARE UPDATE EXCLUSIVE", "scan"
    if command.subtype == AlterTableType.AT_AddConstraint:
        constraint = command.def_
        if constraint.contype == ConstrType.CONSTR_FOREIGN:
            return "SHARE ROW EXCLUSIVE", "instant" if constraint.skip_validation else "scan"
        if constraint.skip_validation or constraint.indexname:
            return ACCESS_EXCLUSIVE, "instant"
        if constraint.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
            return ACCESS_EXCLUSIVE, "index build"
        return ACCESS_EXCLUSIVE, "scan"
    if command.subtype == AlterTableType.AT_AddColumn:
        return _add_column(command.def_)
    return ACCESS_EXCLUSIVE, _ALTER_WORK.get(command.subtype, "instant")


def effects(statement: Statement) -> list[Effect]:
    """What ``statement`` does to existing tables (tables new in the pending set are free)."""
    node = statement.node
    found: list[Effect] = []
    if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
        table = node.relation.relname
        found = [_on(node.relation, *_alter_effect(table, command)) for command in node.cmds or ()]
    elif isinstance(node, ast.IndexStmt):
        lock = "SHARE UPDATE EXCLUSIVE" if node.concurrent else "SHARE"
        found = [_on(node.relation, lock, "index build")]
    elif isinstance(node, ast.RenameStmt) and node.relation is not None:
        found = [_on(node.relation, ACCESS_EXCLUSIVE, "instant")]
    elif isinstance(node, ast.DropStmt) and node.removeType == ObjectType.OBJECT_TABLE:
        found = [_dropped(names) for names in node.objects]
    elif isinstance(node, ast.CreateTrigStmt):  # every later write runs it
        found = [_on(node.relation, "SHARE ROW EXCLUSIVE", "trigger on writes")]
    elif isinstance(node, ast.UpdateStmt | ast.DeleteStmt):
        work = "row updates" if node.whereClause is None else "scan"
        found = [_on(node.relation, "ROW EXCLUSIVE", work)]
    return [effect for effect in found if statement.on_existing(effect.label)]


def _dropped(names: tuple) -> Effect:
    schema = names[-2].sval if len(names) > 1 else None
    return Effect(names[-1].sval, ACCESS_EXCLUSIVE, "instant", schema)


# a partitioned parent holds no rows itself (reltuples 0, 0 bytes): its figures are the
# sums over the leaves of its partition tree (pg_partition_tree, PostgreSQL 12+)
_STATS = text(
    """
    SELECT CASE WHEN c.relkind = 'p' THEN coalesce(t.rows, 0) ELSE c.reltuples::bigint END,
           CASE WHEN c.relkind = 'p' THEN coalesce(t.size, 0)
                ELSE pg_total_relation_size(c.oid) END
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN LATERAL (
        SELECT sum(greatest(l.reltuples, 0))::bigint AS rows,
               sum(pg_total_relation_size(l.oid))::bigint AS size
        FROM pg_partition_tree(c.oid) tree JOIN pg_class l ON l.oid = tree.relid
        WHERE tree.isleaf
    ) t ON c.relkind = 'p'
    WHERE c.relname = :name AND c.relkind IN ('r', 'p')
      AND n.nspname = coalesce(:schema, current_schema())
    """
)


def _estimate(work: str, rows: int, size: int) -> float:
    if work == "row updates":
        return rows / ROWS_PER_SECOND
    return size / SPEED[work] if work in SPEED else 0.0


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def _after_validation(found: list[Effect], statement: Statement, validated: set[str]):
    """SET NOT NULL after a validated CHECK (op.set_not_null_safely) does not scan.

    PostgreSQL 12+ proves NOT NULL from a valid ``CHECK (col IS NOT NULL)``, so the
    ACCESS EXCLUSIVE lock is brief; flagging it would be a false alarm on large tables.
    """
    node = statement.node
    commands = node.cmds or () if isinstance(node, ast.AlterTableStmt) else ()
    subtypes = [command.subtype for command in commands]
    for effect in found:
        if AlterTableType.AT_SetNotNull in subtypes and effect.label in validated:
            yield Effect(effect.table, effect.lock, "instant", effect.schema)
        else:
            yield effect
    if AlterTableType.AT_ValidateConstraint in subtypes and node.relation is not None:
        validated.add(_on(node.relation, "", "").label)


def impact_check(connection: Connection, units: list[RevisionUnit], large_rows: int) -> CheckResult:
    if connection.dialect.name != "postgresql":
        dialect = connection.dialect.name
        reason = f"table statistics and lock levels are PostgreSQL's; target is {dialect}"
        return CheckResult(NAME, Status.SKIPPED, reason)
    stats: dict[str, tuple[int, int] | None] = {}
    rows_out, flagged = [], []
    for unit in units:
        validated: set[str] = set()  # tables with a CHECK validated earlier in the revision
        for statement in unit.up:
            for effect in _after_validation(effects(statement), statement, validated):
                table = effect.label
                if table not in stats:
                    params = {"name": effect.table, "schema": effect.schema}
                    stats[table] = connection.execute(_STATS, params).first()
                found = stats[table]
                rows, size = (max(int(found[0]), 0), int(found[1])) if found else (0, 0)
                seconds = _estimate(effect.work, rows, size)
                large = rows >= large_rows or size >= LARGE_BYTES
                blocking = effect.lock == ACCESS_EXCLUSIVE and effect.work != "instant"
                entry = {
                    "revision": unit.label,
                    "line": statement.line,
                    "table": table,
                    "rows": rows,
                    "size": _human(size),
                    "lock": effect.lock,
                    "work": effect.work,
                    "why": effect.why,
                    "estimate_seconds": round(seconds, 1),
                    "flagged": large and blocking,
                }
                rows_out.append(entry)
                if entry["flagged"]:
                    flagged.append(
                        f"{unit.label}:{statement.line} holds ACCESS EXCLUSIVE on {table} "
                        f"(~{rows:,} rows, {_human(size)}) during a {effect.work}, "
                        f"~{seconds:.0f} s of blocked reads and writes"
                    )
    if connection.in_transaction():
        connection.rollback()
    if flagged:
        return CheckResult(NAME, Status.FAILED, flagged[0], flagged, rows_out)
    summary = (
        f"{len(rows_out)} operation(s) on existing tables; none holds ACCESS EXCLUSIVE "
        "on a large table"
    )
    return CheckResult(NAME, Status.PASSED, summary, [], rows_out)
