"""indexes: list a PostgreSQL database's indexes with size and scans, flagging problems.

INVALID indexes (left by a failed CREATE INDEX CONCURRENTLY) are ignored by the planner
yet slow every write; duplicates (same table, columns, operator classes, expressions and
predicate) cost the same for nothing; indexes never scanned since the statistics were
reset are candidates for removal. Each flag comes with the operation that fixes it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from sqlalchemy import Connection, text

from common.config import Settings
from common.errors import InvalidInputError
from common.output import emit
from common.session import open_session

_INDEXES = text(
    """
    SELECT s.relname AS table_name, s.indexrelname AS index_name,
           pg_relation_size(s.indexrelid) AS size_bytes, s.idx_scan AS scans,
           i.indisvalid AS valid, i.indisunique AS is_unique, i.indisprimary AS is_primary,
           (SELECT string_agg(oc.relname, ', ' ORDER BY oc.relname)
              FROM pg_index o JOIN pg_class oc ON oc.oid = o.indexrelid
             WHERE o.indrelid = i.indrelid AND o.indexrelid <> i.indexrelid
               AND o.indkey::text = i.indkey::text AND o.indclass::text = i.indclass::text
               AND o.indisunique = i.indisunique
               AND coalesce(pg_get_expr(o.indexprs, o.indrelid), '')
                   = coalesce(pg_get_expr(i.indexprs, i.indrelid), '')
               AND coalesce(pg_get_expr(o.indpred, o.indrelid), '')
                   = coalesce(pg_get_expr(i.indpred, i.indrelid), '')
           ) AS duplicate_of
    FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
    WHERE CAST(:table AS text) IS NULL OR s.relname = CAST(:table AS text)
    ORDER BY s.schemaname, s.relname, s.indexrelname
    """
)

# quote_ident: the name as written (CamelTbl), not folded to lower case as SQL would
_TABLE_EXISTS = text("SELECT to_regclass(quote_ident(CAST(:table AS text))) IS NOT NULL")


@dataclass
class IndexInfo:
    table: str
    name: str
    size_bytes: int
    scans: int
    valid: bool
    unique: bool
    primary: bool
    duplicate_of: str | None

    @property
    def flags(self) -> list[str]:
        flags = []
        if not self.valid:
            flags.append("INVALID")
        if self.duplicate_of:
            flags.append(f"DUPLICATE of {self.duplicate_of}")
        if self.scans == 0 and not (self.unique or self.primary):
            flags.append("unused")
        return flags


def size_text(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.0f} TB"


def list_indexes(connection: Connection, table: str | None = None) -> list[IndexInfo]:
    """The indexes (of ``table``, or of every user table) with their statistics."""
    if connection.dialect.name != "postgresql":
        raise InvalidInputError(
            f"the indexes command needs PostgreSQL (sizes and scans come from its statistics); "
            f"this database is {connection.dialect.name}.",
            "point DATABASE_URL at PostgreSQL, or use the database's own listing "
            "(SHOW INDEX FROM t on MySQL, .indexes in sqlite3).",
        )
    if table and not connection.execute(_TABLE_EXISTS, {"table": table}).scalar():
        raise InvalidInputError(f"table {table!r} does not exist.", "check the table name.")
    rows = connection.execute(_INDEXES, {"table": table}).all()
    return [
        IndexInfo(
            r.table_name,
            r.index_name,
            r.size_bytes,
            r.scans,
            r.valid,
            r.is_unique,
            r.is_primary,
            r.duplicate_of,
        )
        for r in rows
    ]


def _hints(found: list[IndexInfo]) -> list[str]:
    hints = []
    for index in found:
        if not index.valid:
            hints.append(
                f"{index.name} is INVALID: op.reindex_concurrently({index.name!r}) rebuilds it, "
                f"op.drop_index_concurrently({index.name!r}) removes it."
            )
        elif index.duplicate_of and index.name > index.duplicate_of.split(",")[0]:
            hints.append(
                f"{index.name} duplicates {index.duplicate_of}: "
                f"op.drop_index_concurrently({index.name!r}) keeps one."
            )
    return hints


def _print_table(found: list[IndexInfo]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("table", "index", "size", "scans", "flags")
    for index in found:
        flags = ", ".join(index.flags)
        style = "red" if not index.valid or index.duplicate_of else None
        table.add_row(
            index.table,
            index.name,
            size_text(index.size_bytes),
            f"{index.scans:,}",
            flags,
            style=style,
        )
    Console().print(table)


def indexes(table: str | None = None, settings: Settings | None = None) -> int:
    with open_session(settings) as session:
        found = list_indexes(session.connection, table)
    if not found:
        emit("No indexes." if not table else f"Table {table} has no indexes.")
        return 0
    if sys.stdout.isatty():
        _print_table(found)
    else:
        for index in found:
            flags = "; ".join(index.flags)
            emit(
                f"{index.table:<24} {index.name:<40} {size_text(index.size_bytes):>9} "
                f"{index.scans:>10,} scans" + (f"  {flags}" if flags else "")
            )
    invalid = sum(not i.valid for i in found)
    duplicates = sum(bool(i.duplicate_of) for i in found)
    emit(f"{len(found)} indexes, {invalid} invalid, {duplicates} in duplicate groups.")
    for hint in _hints(found):
        emit(f"  {hint}")
    return 0
