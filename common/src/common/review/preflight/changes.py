"""The pending steps that data can make fail, read from the op objects of each revision.

Steps on a table or column the pending set creates are left out: the target has no rows
for them yet. A NOT NULL preceded in the pending set by a backfill of that column
(``op.batch_update`` setting it, ``op.batch_copy_column`` into it) is left out too: the
nulls counted today are gone by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.operations import ops
from sqlalchemy import types

from common.ops import (
    AddUniqueConstraintConcurrentlyOp,
    BatchCopyColumnOp,
    BatchUpdateOp,
    CreateCheckConstraintNotValidOp,
    CreateForeignKeyNotValidOp,
    CreateIndexConcurrentlyOp,
    SetNotNullSafelyOp,
    SwapEnumTypeOp,
)
from common.review.model import RevisionUnit

UNIQUE, CHECK, FOREIGN_KEY, NOT_NULL = "unique", "check", "foreign key", "not null"
LENGTH, CAST, ENUM = "length", "cast", "enum"


@dataclass(frozen=True)
class Change:
    """One pending step whose rows can fail it; the fields after ``line`` by kind."""

    kind: str
    table: str
    columns: tuple[str, ...]
    revision: str
    path: str
    line: int
    schema: str | None = None
    condition: Any = None  # CHECK: the condition (text or expression)
    referent: str | None = None  # FK: referred table and columns
    remote: tuple[str, ...] = ()
    length: int | None = None  # shorter VARCHAR: the new length
    target: Any = None  # cast: the new type
    values: tuple[str, ...] = ()  # enum: values removed; cast to enum: the values allowed
    enum: str | None = None  # enum type swapped (PostgreSQL): its columns are looked up
    enum_type: str | None = None  # the column's enum type, compared as such (no cast per row)

    @property
    def what(self) -> str:
        cols = ", ".join(self.columns)
        return f"{self.table}({cols})" if cols else self.table or f"enum type {self.enum}"


def _names(columns: Any) -> tuple[str, ...] | None:
    """Plain column names, or None when an expression is among them (not counted)."""
    names = tuple(c if isinstance(c, str) else getattr(c, "name", None) for c in columns)
    return None if any(not isinstance(n, str) for n in names) else names


def _string_length(kind: Any) -> int | None:
    if isinstance(kind, types.String) and not isinstance(kind, types.Enum | types.Text):
        return kind.length
    return None


_CASTABLE = (types.Integer, types.Numeric, types.Boolean, types.Uuid, types.Date, types.DateTime)


def _type_change(base: dict, column: str, new: Any, old: Any) -> Change | None:
    if isinstance(new, types.Enum) and isinstance(old, types.Enum):
        removed = tuple(v for v in old.enums if v not in new.enums)
        if not removed:
            return None
        return Change(ENUM, columns=(column,), values=removed, enum_type=old.name, **base)
    if isinstance(new, types.Enum) and (old is None or isinstance(old, types.String)):
        return Change(CAST, columns=(column,), target=new, values=tuple(new.enums), **base)
    length = _string_length(new)
    if length is not None and (_string_length(old) or length + 1) > length:
        return Change(LENGTH, columns=(column,), length=length, **base)
    castable = isinstance(new, _CASTABLE) and not isinstance(new, types.Enum)
    if castable and isinstance(old, types.String) and not isinstance(old, types.Enum):
        return Change(CAST, columns=(column,), target=new, **base)
    return None


class _Reader:
    """Walks the ops of the pending set in order, remembering what it creates."""

    def __init__(self) -> None:
        self.tables: set[str] = set()
        self.columns: set[tuple[str, str]] = set()
        self.backfilled: set[tuple[str, str]] = set()

    def new(self, table: str, *columns: str) -> bool:
        return table in self.tables or any((table, c) in self.columns for c in columns)

    def read(self, operation: Any, base: dict) -> list[Change]:
        table = base["table"]
        if isinstance(operation, ops.CreateTableOp):
            self.tables.add(table)
            return []
        if isinstance(operation, BatchUpdateOp):
            self.backfilled |= {(table, str(name)) for name in operation.values}
            return []
        if isinstance(operation, BatchCopyColumnOp):
            self.backfilled.add((table, operation.target_column))
            return []
        if self.new(table):
            return []
        return self._change(operation, base)

    def _change(self, operation: Any, base: dict) -> list[Change]:
        table = base["table"]
        if isinstance(operation, ops.AddColumnOp):
            column = operation.column
            self.columns.add((table, column.name))
            bare = column.server_default is None and column.computed is None
            if not column.nullable and bare and column.identity is None:
                return [Change(NOT_NULL, columns=(), **base)]  # every existing row
            return []
        if isinstance(operation, ops.CreateUniqueConstraintOp | AddUniqueConstraintConcurrentlyOp):
            names = _names(operation.columns)
        elif isinstance(operation, ops.CreateIndexOp | CreateIndexConcurrentlyOp):
            names = _names(operation.columns) if operation.unique else None
        elif isinstance(operation, ops.CreateCheckConstraintOp | CreateCheckConstraintNotValidOp):
            return [Change(CHECK, columns=(), condition=operation.condition, **base)]
        elif isinstance(operation, ops.CreateForeignKeyOp | CreateForeignKeyNotValidOp):
            return [
                Change(
                    FOREIGN_KEY,
                    columns=tuple(operation.local_cols),
                    referent=operation.referent_table,
                    remote=tuple(operation.remote_cols),
                    **base,
                )
            ]
        elif isinstance(operation, SetNotNullSafelyOp | ops.AlterColumnOp):
            return self._alter(operation, base)
        else:
            return []
        if not names or self.new(table, *names):
            return []
        return [Change(UNIQUE, columns=names, **base)]

    def _alter(self, operation: Any, base: dict) -> list[Change]:
        column = operation.column_name
        if self.new(base["table"], column):
            return []
        if isinstance(operation, SetNotNullSafelyOp):
            sets_not_null = True
        else:
            sets_not_null = operation.modify_nullable is False and (
                operation.existing_nullable is not False
            )
        found = []
        if sets_not_null and (base["table"], column) not in self.backfilled:
            found.append(Change(NOT_NULL, columns=(column,), **base))
        new = getattr(operation, "modify_type", None)
        if new is not None:
            change = _type_change(base, column, new, operation.existing_type)
            found += [change] if change else []
        return found


def _table_of(operation: Any) -> str:
    for attribute in ("table_name", "source_table"):
        value = getattr(operation, attribute, None)
        if isinstance(value, str):
            return value
    return ""


def pending_changes(units: list[RevisionUnit]) -> list[Change]:
    """Every step of ``units`` that rows on the target can fail, in order, deduplicated."""
    reader, found = _Reader(), []
    for unit in units:
        for line, operation in unit.operations:
            base = {
                "table": _table_of(operation),
                "revision": unit.label,
                "path": str(unit.path),
                "line": line,
                "schema": getattr(operation, "schema", None),
            }
            if isinstance(operation, SwapEnumTypeOp):
                removed = tuple(v for v in operation.existing_values if v not in operation.values)
                if removed:
                    found.append(
                        Change(ENUM, columns=(), values=removed, enum=operation.name, **base)
                    )
                continue
            found += reader.read(operation, base)
    unique: dict[tuple, Change] = {}
    for change in found:
        unique.setdefault((change.kind, change.what, change.revision, change.line), change)
    return list(unique.values())
