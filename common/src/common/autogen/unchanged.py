"""Which tables the bulk reflection already proves unchanged, without building Table objects.

Alembic turns every reflected table into a SQLAlchemy ``Table`` (columns, indexes,
constraints, each coerced and annotated) before comparing it, and that object building,
not the database, is most of the time autogenerate spends on a large in-sync schema.
This module compares the plain dicts of the bulk reflection (``Inspector.get_multi_*``)
with the model tables directly.

It only ever answers "certainly unchanged": every attribute that Alembic or a workbench
comparator compares is compared here too, spelled the same way on both sides, and
anything it cannot read with certainty (an identity column, a sorted index, a reflected
option it does not know, a type whose DDL differs in spelling only) counts as a possible
change. Such tables go through Alembic's full comparison as before, so a doubt costs
time, never a missed change. Indexes and constraints are paired by what they are
(``common.autogen.signatures``): one named apart from the convention but otherwise equal
is unchanged, as the full comparison finds (``common.autogen.adopt``), except under
``create-migration --adopt-names``, which renames it.

Which attributes those are is declared, not remembered: every table and column
comparator declares the aspects it compares (``common.autogen.aspects``), ``PROVEN``
lists the ones proved here, and a comparator outside them turns the shortcut off. Where
MariaDB spells a column apart from the model (``INTEGER(11)``, ``0.00``,
``current_timestamp()``), the column is not re-derived here: the registered column
comparators themselves are asked, once per distinct spelling.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from alembic.operations.ops import AlterColumnOp
from sqlalchemy import Column, Computed, DefaultClause, Table, text
from sqlalchemy.sql.elements import TextClause

from common.alembic_private import has_bind_parameters, render_server_default_for_compare
from common.autogen import computed_spelling
from common.autogen.signatures import Maybe, Reflected, Signatures, match

_NEXTVAL = re.compile(r"nextval\('(.+?)'::regclass\)")

# The aspects TableComparer proves unchanged (common.autogen.aspects): a table or column
# comparator that compares anything else turns the shortcut off until it is taught here.
PROVEN = frozenset(
    {
        "table.comment",
        "table.columns",
        "table.indexes",
        "table.uniques",
        "table.foreign_keys",
        "table.checks",
        "table.constraint_names",
        "column.nullable",
        "column.comment",
        "column.identity",
        "column.computed",
        "column.type",
        "column.server_default",
    }
)


class TableComparer:
    """Compares reflected tables with model tables for one autogenerate run."""

    def __init__(
        self,
        autogen_context: Any,
        serial_owner: Callable[[str], Any],
        names_count: bool = False,
    ) -> None:
        self.context = autogen_context
        self.dialect = autogen_context.dialect
        self.serial_owner = serial_owner
        self.signatures = Signatures(self.dialect)
        self.names_count = names_count  # create-migration --adopt-names
        self._type_texts: dict[Any, str] = {}
        self._verdicts: dict[tuple, bool] = {}

    def unchanged(self, reflected: Reflected, table: Table) -> bool:
        """True only when Alembic and every workbench comparator would find nothing."""
        try:
            return (
                self._comment(reflected, table)
                and self._columns(reflected, table)
                and self._indexes_and_constraints(reflected, table)
            )
        except Maybe:
            return False
        except Exception:  # anything unexpected: let Alembic compare it
            return False

    # columns

    def _comment(self, reflected: Reflected, table: Table) -> bool:
        if not self.dialect.supports_comments:  # SQLite: Alembic compares none either
            return True
        comment = reflected.get("table_comment", {}) or {}
        return (comment.get("text") or None) == (table.comment or None)

    def _columns(self, reflected: Reflected, table: Table) -> bool:
        in_db = {info["name"]: info for info in reflected.get("columns")}
        pk = reflected.get("pk_constraint", {}) or {}
        self._primary_key = set(pk.get("constrained_columns") or ())
        self._schema = reflected.key[0]
        if len(in_db) != len(table.columns):
            return False
        for column in table.columns:
            info = in_db.get(column.name)
            if info is None or not self._column(info, column, table):
                return False
        return True

    def _column(self, info: dict, column: Column, table: Table) -> bool:
        if bool(info["nullable"]) != bool(column.nullable):
            return False
        comments = self.dialect.supports_comments
        if comments and (info.get("comment") or None) != (column.comment or None):
            return False
        if info.get("identity") or column.identity is not None:
            raise Maybe("identity column")
        if not self._computed(info, column, table):
            return False
        if self._type_text(info["type"]) == self._type_text(column.type) and self._default(
            info, column, table
        ):
            return True
        if self.dialect.name == "postgresql":
            return False
        key = self._spelling(info, column, table)
        if key not in self._verdicts:
            self._verdicts[key] = self._by_comparators(info, column, table)
        return self._verdicts[key]

    def _spelling(self, info: dict, column: Column, table: Table) -> tuple:
        """Everything the column comparators read of the two columns, as hashable text:
        the 800 ``id INTEGER(11)`` of a large schema ask them once. (A column comparator
        deciding by the table's or column's name would need them added here.)"""
        default = column.server_default
        return (
            type(info["type"]),
            self._type_text(info["type"]),
            info.get("default"),
            bool(info["nullable"]),
            info.get("comment"),
            info.get("autoincrement"),
            repr(info.get("computed")),
            column.name in self._primary_key,
            type(column.type),
            self._type_text(column.type),
            computed_spelling.model_text(column, self.dialect),
            None if default is None else render_server_default_for_compare(default, self.context),
            bool(column.nullable),
            column.comment,
            column.primary_key,
            column.autoincrement,
            column is table.autoincrement_column,
        )

    def _by_comparators(self, info: dict, column: Column, table: Table) -> bool:
        """Spelled apart (MariaDB's ``INTEGER(11)``, ``0.00``): ask every column comparator.

        The same dispatch Alembic's full comparison runs for a column, on a light
        ``Column`` built from the reflected dict instead of a reflected ``Table``.
        """
        default, computed = info.get("default"), info.get("computed")
        if computed is not None:  # _computed compared it: only its type is left to ask
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
            primary_key=column.name in self._primary_key,
        )
        op = AlterColumnOp(table.name, column.name, schema=self._schema)
        dispatch = self.context.comparators.dispatch("column", qualifier=self.dialect.name)
        dispatch(self.context, op, self._schema, table.name, column.name, reflected, column)
        return not op.has_changes()

    def _computed(self, info: dict, column: Column, table: Table) -> bool:
        reflected, model = info.get("computed"), column.computed
        if reflected is None and model is None:
            return True
        if reflected is None or model is None:
            return False
        if bool(reflected.get("persisted")) != bool(model.persisted):
            return False
        return computed_spelling.same(self.context, table, column, reflected["sqltext"])

    def _type_text(self, type_: Any) -> str:
        """The DDL a type compiles to on this dialect: equal text, equal type.

        Memoized by the type's class and attributes, so the thousands of ``VARCHAR(100)``
        of a large schema compile once. (SQLAlchemy's own ``_static_cache_key`` leaves
        out an enum's name, so it cannot serve.) Unhashable attributes: no memo.
        """
        try:
            key = (type(type_), tuple(sorted(vars(type_).items())))
            return self._type_texts[key]
        except KeyError:
            text = self._type_texts[key] = str(type_.compile(dialect=self.dialect)).upper()
            return text
        except TypeError:  # unhashable attributes: compile without the memo
            return str(type_.compile(dialect=self.dialect)).upper()

    def _default(self, info: dict, column: Column, table: Table) -> bool:
        in_db = info.get("default")
        if in_db is not None and self.dialect.name == "postgresql":
            serial = _NEXTVAL.match(in_db)
            if serial and self.serial_owner(serial.group(1)) == (table.name, column.name):
                in_db = None  # what common.autogen.sequences does at reflection
            if column.primary_key and column is table.autoincrement_column:
                return True  # Alembic's PostgreSQL comparison skips SERIAL defaults
        model = column.server_default
        if model is None or column.computed is not None:  # _computed compared that one
            return in_db is None
        if not isinstance(model, DefaultClause):
            raise Maybe("server default that is not a plain DEFAULT")
        if isinstance(model.arg, TextClause) and not has_bind_parameters(model.arg):
            text = model.arg.text  # what compiling it would give, without compiling
        else:
            text = render_server_default_for_compare(model, self.context)
        if text == in_db:
            return True
        return _same_literal(text, in_db, quote=isinstance(model.arg, str))

    # indexes and constraints

    def _indexes_and_constraints(self, reflected: Reflected, table: Table) -> bool:
        """Every index and constraint has its twin; under another name only when names
        do not count (``common.autogen.signatures``: the same constraint, named apart)."""
        found = match(self.signatures.reflected(reflected), self.signatures.model(table))
        return found.same_names if self.names_count else found.complete


_CAST_LITERAL = re.compile(r"^('(?:[^']|'')*')::[\w .\"\[\]()]+$")


def _same_literal(model: str | None, in_db: str | None, quote: bool) -> bool:
    """``''`` in the model and ``''::character varying`` in the database.

    PostgreSQL keeps a string default with a cast to the column's type. Comparing
    ``'x'::T`` with ``'x'`` is always true (the bare literal takes the type T), which is
    what Alembic finds by asking the server, once per such column; here it costs nothing.
    A plain string ``server_default="x"`` means the literal ``'x'``, as Alembic renders it.
    """
    if model is None or in_db is None:
        return False
    found = _CAST_LITERAL.match(in_db)
    if found is None:
        return False
    if quote and not model.startswith("'"):
        model = f"'{model}'"
    return model == found.group(1)


def unchanged_tables(
    comparer: TableComparer,
    cache: dict[str, Any],
    pairs: Iterable[tuple[tuple[str | None, str], Table]],
) -> set[tuple[str | None, str]]:
    """Keys of the (schema, name) / model table pairs the reflection proves unchanged."""
    return {key for key, table in pairs if comparer.unchanged(Reflected(cache, key), table)}
