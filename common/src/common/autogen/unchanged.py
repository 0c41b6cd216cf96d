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
time, never a missed change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from alembic.autogenerate.compare.server_defaults import _render_server_default_for_compare
from alembic.util import sqla_compat
from sqlalchemy import Column, DefaultClause, Index, Table, UniqueConstraint
from sqlalchemy.sql.elements import Label, TextClause, UnaryExpression

from common.autogen import computed_spelling
from common.autogen.check_constraints import normalize

_NEXTVAL = re.compile(r"nextval\('(.+?)'::regclass\)")
# Reflected index options this module compares; any other one with a value means "maybe".
_INDEX_OPTIONS = {
    "postgresql_include",
    "postgresql_using",
    "postgresql_where",
    "postgresql_nulls_not_distinct",
}
_FK_OPTIONS = {"ondelete", "onupdate", "deferrable", "initially", "match"}


class Maybe(Exception):
    """Raised inside a comparison when it cannot tell; the table then counts as changed."""


class Reflected:
    """The bulk reflection of one table, read from the inspector's cache."""

    def __init__(self, cache: dict[str, Any], key: tuple[str | None, str]) -> None:
        self._cache = cache
        self._key = key

    def get(self, what: str, default: Any = None) -> Any:
        """``what`` for this table; ``default`` when the dialect cannot reflect it."""
        found = self._cache.get(f"alembic_{what}")
        if found is NotImplementedError:
            return default
        if found is None or self._key not in found:
            raise Maybe(f"{what} not reflected")
        return found[self._key]


class TableComparer:
    """Compares reflected tables with model tables for one autogenerate run."""

    def __init__(self, autogen_context: Any, serial_owner: Callable[[str], Any]) -> None:
        self.context = autogen_context
        self.dialect = autogen_context.dialect
        self.default_schema = self.dialect.default_schema_name
        self.serial_owner = serial_owner
        self._type_texts: dict[Any, str] = {}

    def unchanged(self, reflected: Reflected, table: Table) -> bool:
        """True only when Alembic and every workbench comparator would find nothing."""
        try:
            return (
                self._comment(reflected, table)
                and self._columns(reflected, table)
                and self._indexes(reflected, table)
                and self._uniques(reflected, table)
                and self._foreign_keys(reflected, table)
                and self._checks(reflected, table)
            )
        except Maybe:
            return False
        except Exception:  # anything unexpected: let Alembic compare it
            return False

    # columns

    def _comment(self, reflected: Reflected, table: Table) -> bool:
        comment = reflected.get("table_comment", {}) or {}
        return (comment.get("text") or None) == (table.comment or None)

    def _columns(self, reflected: Reflected, table: Table) -> bool:
        in_db = {info["name"]: info for info in reflected.get("columns")}
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
        if (info.get("comment") or None) != (column.comment or None):
            return False
        if info.get("identity") or column.identity is not None:
            raise Maybe("identity column")
        if not self._computed(info, column, table):
            return False
        if self._type_text(info["type"]) != self._type_text(column.type):
            return False
        return self._default(info, column, table)

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
            match = _NEXTVAL.match(in_db)
            if match and self.serial_owner(match.group(1)) == (table.name, column.name):
                in_db = None  # what common.autogen.sequences does at reflection
            if column.primary_key and column is table._autoincrement_column:
                return True  # Alembic's PostgreSQL comparison skips SERIAL defaults
        model = column.server_default
        if model is None or column.computed is not None:  # _computed compared that one
            return in_db is None
        if not isinstance(model, DefaultClause):
            raise Maybe("server default that is not a plain DEFAULT")
        if isinstance(model.arg, TextClause) and not model.arg._bindparams:
            text = model.arg.text  # what compiling it would give, without compiling
        else:
            text = _render_server_default_for_compare(model, self.context)
        if text == in_db:
            return True
        return _same_literal(text, in_db, quote=isinstance(model.arg, str))

    # indexes and constraints

    def _indexes(self, reflected: Reflected, table: Table) -> bool:
        in_db = {
            info["name"]: info
            for info in reflected.get("indexes", [])
            if not info.get("duplicates_constraint")
        }
        model = {self._name(index): index for index in table.indexes}
        if set(in_db) != set(model):
            return False
        return all(self._index(in_db[name], index) for name, index in model.items())

    def _index(self, info: dict, index: Index) -> bool:
        if info.get("column_sorting"):
            raise Maybe("sorted index column")
        if bool(info.get("unique")) != bool(index.unique):
            return False
        elements = info.get("expressions") or info.get("column_names") or []
        if [normalize(str(e)) for e in elements] != [
            normalize(self._element(e)) for e in index.expressions
        ]:
            return False
        return self._index_options(info.get("dialect_options") or {}, index)

    def _element(self, element: Any) -> str:
        if isinstance(element, Column):
            return element.name
        if isinstance(element, str):
            return element
        if isinstance(element, (UnaryExpression, Label)):
            # desc(), nulls_first() and labels: reflection spells ordering apart
            raise Maybe("index element with ordering")
        return self._sql(element)

    def _index_options(self, reflected: dict, index: Index) -> bool:
        for key, value in reflected.items():
            if key not in _INDEX_OPTIONS and value:
                raise Maybe(f"index option {key}")
        own = self._own_options(index)
        for key in own:
            if key not in _INDEX_OPTIONS and own[key] not in (None, False, [], {}):
                raise Maybe(f"index option {key}")
        if self.dialect.name != "postgresql":
            return not own
        where = reflected.get("postgresql_where")
        model_where = own.get("postgresql_where")
        if (where is None) != (model_where is None):
            return False
        if where is not None and normalize(where) != normalize(self._sql(model_where)):
            return False
        include = [getattr(c, "name", c) for c in own.get("postgresql_include") or []]
        if list(reflected.get("postgresql_include") or []) != include:
            return False
        using = (reflected.get("postgresql_using") or "btree").lower()
        if using != (own.get("postgresql_using") or "btree").lower():
            return False
        return bool(reflected.get("postgresql_nulls_not_distinct")) == bool(
            own.get("postgresql_nulls_not_distinct")
        )

    def _own_options(self, item: Any) -> dict[str, Any]:
        """Options written in the model for this dialect (others' options do not apply)."""
        prefix = f"{self.dialect.name}_"
        return {
            key: value
            for key, value in item.dialect_kwargs.items()
            if key.startswith(prefix) and key != f"{prefix}concurrently"
        }

    def _uniques(self, reflected: Reflected, table: Table) -> bool:
        in_db = {
            info["name"]: (
                list(info["column_names"]),
                bool((info.get("dialect_options") or {}).get("postgresql_nulls_not_distinct")),
            )
            for info in reflected.get("unique_constraints", [])
        }
        model = {}
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                options = self._own_options(constraint)
                model[self._name(constraint)] = (
                    [c.name for c in constraint.columns],
                    bool(options.get("postgresql_nulls_not_distinct")),
                )
        return in_db == model

    def _foreign_keys(self, reflected: Reflected, table: Table) -> bool:
        in_db = set()
        for info in reflected.get("foreign_keys", []):
            options = info.get("options") or {}
            if set(options) - _FK_OPTIONS:
                raise Maybe("foreign key option")
            in_db.add(
                (
                    info["name"],
                    tuple(info["constrained_columns"]),
                    self._schema(info.get("referred_schema")),
                    info["referred_table"],
                    tuple(info["referred_columns"]),
                    *_fk_options(options),
                )
            )
        model = set()
        for fk in table.foreign_key_constraints:
            target = fk.elements[0].column.table
            model.add(
                (
                    self._name(fk),
                    tuple(c.name for c in fk.columns),
                    self._schema(target.schema),
                    target.name,
                    tuple(element.column.name for element in fk.elements),
                    *_fk_options(
                        {
                            "ondelete": fk.ondelete,
                            "onupdate": fk.onupdate,
                            "deferrable": fk.deferrable,
                            "initially": fk.initially,
                            "match": fk.match,
                        }
                    ),
                )
            )
        return in_db == model

    def _checks(self, reflected: Reflected, table: Table) -> bool:
        in_db = {
            info["name"]: normalize(info["sqltext"])
            for info in reflected.get("check_constraints", [])
            if info.get("name")
        }
        model = {
            self._name(check): normalize(self._sql(check.sqltext))
            for check in sqla_compat.all_table_check_constraints(table)
            if sqla_compat._constraint_is_named(check, self.dialect)
        }
        return in_db == model

    # spelling

    def _name(self, item: Any) -> str:
        name = sqla_compat._get_constraint_final_name(item, self.dialect)
        if name is None:
            raise Maybe("unnamed index or constraint")
        return str(name)

    def _schema(self, schema: str | None) -> str | None:
        return None if schema in (None, self.default_schema) else schema

    def _sql(self, clause: Any) -> str:
        if isinstance(clause, str):
            return clause
        return str(
            clause.compile(
                dialect=self.dialect,
                compile_kwargs={"literal_binds": True, "include_table": False},
            )
        )


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


def _fk_options(options: dict[str, Any]) -> tuple:
    """ON DELETE / ON UPDATE / DEFERRABLE / INITIALLY / MATCH with their defaults folded in."""

    def action(value: Any) -> str | None:
        value = (value or "").upper()
        return None if value in ("", "NO ACTION") else value

    initially = (options.get("initially") or "").upper()
    return (
        action(options.get("ondelete")),
        action(options.get("onupdate")),
        bool(options.get("deferrable")),
        None if initially in ("", "IMMEDIATE") else initially,
        (options.get("match") or "").upper() or None,
    )


def unchanged_tables(
    comparer: TableComparer,
    cache: dict[str, Any],
    pairs: Iterable[tuple[tuple[str | None, str], Table]],
) -> set[tuple[str | None, str]]:
    """Keys of the (schema, name) / model table pairs the reflection proves unchanged."""
    return {key for key, table in pairs if comparer.unchanged(Reflected(cache, key), table)}
