"""Which tables the bulk reflection already proves unchanged, without building Table objects.

Alembic turns every reflected table into a SQLAlchemy ``Table`` (columns, indexes,
constraints, each coerced and annotated) before comparing it, and that object building,
not the database, is most of the time autogenerate spends on a large in-sync schema.
This module compares the plain dicts of the bulk reflection (``Inspector.get_multi_*``)
with the model tables directly.

It only ever answers "certainly unchanged", and it holds no knowledge of its own of
what the comparators compare: the registered comparators declare their aspects, and
each aspect's proof is registered next to its comparator (``common.autogen.aspects``).
``TableComparer`` runs, for each table, the table loop's own check (the same column
names on both sides) and the proofs of the declared aspects; a column spelled apart
(MariaDB's ``INTEGER(11)``, ``0.00``, ``current_timestamp()``) is decided by the
registered column comparators themselves, once per distinct spelling. Anything a proof
cannot read with certainty counts as a possible change: such tables go through
Alembic's full comparison as before, so a doubt costs time, never a missed change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from alembic.operations.ops import AlterColumnOp
from sqlalchemy import Column, Computed, DefaultClause, Table, text
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.functions import FunctionElement

from common.alembic_private import has_bind_parameters, render_server_default_for_compare
from common.autogen.aspects import ASK, Proof
from common.autogen.signatures import Maybe, Reflected, Signatures


class TableComparer:
    """Compares reflected tables with model tables for one autogenerate run."""

    def __init__(
        self,
        autogen_context: Any,
        serial_owner: Callable[[str], Any],
        proofs: Iterable[Proof],
        names_count: bool = False,
    ) -> None:
        self.context = autogen_context
        self.dialect = autogen_context.dialect
        self.serial_owner = serial_owner
        self.signatures = Signatures(self.dialect)
        self.names_count = names_count  # create-migration --adopt-names
        proofs = list(proofs)
        self.table_proofs = [p.check for p in proofs if p.per == "table"]
        self.column_proofs = [p.check for p in proofs if p.per == "column"]
        readers = [p.reads for p in proofs if p.per == "column"]
        self.readers = None if None in readers else readers  # no memo without them all
        self.primary_key: set[str] = set()
        self.schema: str | None = None
        self._texts: dict[Any, str] = {}
        self._defaults: dict[int, tuple[Any, str | None]] = {}
        self._verdicts: dict[tuple, bool] = {}

    def unchanged(self, reflected: Reflected, table: Table) -> bool:
        """True only when Alembic and every registered comparator would find nothing."""
        try:
            return self._columns(reflected, table) and all(
                check(self, reflected, table) for check in self.table_proofs
            )
        except Maybe:
            return False
        except Exception:  # anything unexpected: let Alembic compare it
            return False

    # columns: the table loop's own adds and drops, then each column's proofs

    def _columns(self, reflected: Reflected, table: Table) -> bool:
        in_db = {info["name"]: info for info in reflected.get("columns")}
        pk = reflected.get("pk_constraint", {}) or {}
        self.primary_key = set(pk.get("constrained_columns") or ())
        self.schema = reflected.key[0]
        if len(in_db) != len(table.columns):
            return False
        for column in table.columns:
            info = in_db.get(column.name)
            if info is None or not self._column(info, column, table):
                return False
        return True

    def _column(self, info: dict, column: Column, table: Table) -> bool:
        ask = False
        for check in self.column_proofs:
            verdict = check(self, info, column, table)
            if verdict is False:
                return False
            ask = ask or verdict == ASK
        if not ask:
            return True
        if self.readers is None:
            return self._by_comparators(info, column, table)
        key = (
            # what _by_comparators' light column holds besides the aspects
            info.get("autoincrement"),
            column.name in self.primary_key,
            column.primary_key,
            column.autoincrement,
            column is table.autoincrement_column,
            *(reads(self, info, column, table) for reads in self.readers),
        )
        if key not in self._verdicts:
            self._verdicts[key] = self._by_comparators(info, column, table)
        return self._verdicts[key]

    def _by_comparators(self, info: dict, column: Column, table: Table) -> bool:
        """Spelled apart: ask every registered column comparator.

        The same dispatch Alembic's full comparison runs for a column, on a light
        ``Column`` built from the reflected dict instead of a reflected ``Table``.
        """
        default, computed = info.get("default"), info.get("computed")
        if computed is not None:  # its proof compared it: only its type is left to ask
            default = Computed(computed["sqltext"], persisted=computed.get("persisted"))
        elif default is not None:
            default = DefaultClause(text(default))
        reflected = Column(
            info["name"],
            info["type"],
            default,
            nullable=info["nullable"],
            comment=info.get("comment"),
            autoincrement=info.get("autoincrement", "auto"),
            primary_key=column.name in self.primary_key,
        )
        op = AlterColumnOp(table.name, column.name, schema=self.schema)
        dispatch = self.context.comparators.dispatch("column", qualifier=self.dialect.name)
        dispatch(self.context, op, self.schema, table.name, column.name, reflected, column)
        return not op.has_changes()

    # spellings the proofs share, memoized for the run

    def type_text(self, type_: Any) -> str:
        """The DDL a type compiles to on this dialect: equal text, equal type.

        Memoized by the type's class and attributes, so the thousands of ``VARCHAR(100)``
        of a large schema compile once. (SQLAlchemy's own ``_static_cache_key`` leaves
        out an enum's name, so it cannot serve.) Unhashable attributes: no memo.
        """
        try:
            key = (type(type_), *sorted(vars(type_).items()))
            return self._texts[key]
        except KeyError:
            found = self._texts[key] = str(type_.compile(dialect=self.dialect)).upper()
            return found
        except TypeError:  # unhashable attributes: compile without the memo
            return str(type_.compile(dialect=self.dialect)).upper()

    def default_text(self, column: Column) -> str | None:
        """The model's server default as Alembic compares it, compiled once per default
        (and once per argument-less function: the 800 ``now()`` of a large schema)."""
        default = column.server_default
        if default is None:
            return None
        kept = self._defaults.get(id(default))
        if kept is not None and kept[0] is default:
            return kept[1]
        arg = getattr(default, "arg", None)
        if isinstance(arg, TextClause) and not has_bind_parameters(arg):
            found = arg.text  # what compiling it would give, without compiling
        elif isinstance(arg, FunctionElement) and not arg.clauses.clauses:
            key = (type(arg), arg.name, tuple(getattr(arg, "packagenames", None) or ()))
            if key not in self._texts:
                self._texts[key] = render_server_default_for_compare(default, self.context)
            found = self._texts[key]
        else:
            found = render_server_default_for_compare(default, self.context)
        self._defaults[id(default)] = (default, found)
        return found


def unchanged_tables(
    comparer: TableComparer,
    cache: dict[str, Any],
    pairs: Iterable[tuple[tuple[str | None, str], Table]],
) -> set[tuple[str | None, str]]:
    """Keys of the (schema, name) / model table pairs the reflection proves unchanged."""
    return {key for key, table in pairs if comparer.unchanged(Reflected(cache, key), table)}
