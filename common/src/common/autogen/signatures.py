"""What an index or constraint is, apart from its name, on both sides of a comparison.

A database built by plain Alembic or by hand names its constraints the database's way
(PostgreSQL ``item_pkey``, ``item_code_key``, ``item_parent_id_fkey``,
``item_price_check``; MariaDB ``item_ibfk_1``, a unique named after its column; SQLite
none at all), not by the project's naming convention. A constraint that matches a model
constraint in kind, columns, referred table and columns, options and normalized CHECK
text is the same constraint under another name: reporting it as dropped and re-created
would be a false difference. So both the unchanged-table shortcut
(``common.autogen.unchanged``) and the name comparator (``common.autogen.adopt``) pair
the two sides here, by name and signature first, then by signature alone.

Signatures are built from the plain dicts of the bulk reflection (``get_multi_*``) and
from the model objects, spelled alike. Anything this module cannot read with certainty
raises ``Maybe``: the caller then leaves the table to Alembic's full comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Index, Table, UniqueConstraint
from sqlalchemy.sql.elements import Label, UnaryExpression

from common.alembic_private import (
    all_table_check_constraints,
    constraint_final_name,
    constraint_is_named,
)
from common.autogen.check_constraints import normalize

# Reflected index options compared here; any other one with a value means "maybe".
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

    @property
    def key(self) -> tuple[str | None, str]:
        return self._key

    def get(self, what: str, default: Any = None) -> Any:
        """``what`` for this table; ``default`` when the dialect cannot reflect it."""
        found = self._cache.get(f"alembic_{what}")
        if found is NotImplementedError:
            return default
        if found is None or self._key not in found:
            raise Maybe(f"{what} not reflected")
        return found[self._key]


@dataclass(frozen=True)
class Item:
    """One index or constraint: ``kind`` (pk, uq, fk, ck, ix), its name, what it is."""

    kind: str
    name: str | None
    signature: tuple
    implicit: bool = field(default=False, compare=False)

    @property
    def optional(self) -> bool:
        """Paired when it can be, ignored otherwise: an unnamed reflected CHECK (SQLite),
        which the CHECK comparator ignores, and the index MySQL adds for a foreign key,
        which Alembic's MySQL comparison leaves out."""
        return self.implicit or (self.kind == "ck" and self.name is None)


@dataclass
class Matching:
    """How the reflected items of one table pair with the model's."""

    renamed: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    complete: bool = True  # every item of each side has its twin on the other

    @property
    def same_names(self) -> bool:
        """Complete, and no pair named on both sides under two names."""
        return self.complete and not any(old and new for _, old, new in self.renamed)


def match(in_db: list[Item], in_model: list[Item]) -> Matching:
    """Pair by name and signature, then by signature alone.

    ``renamed`` lists (kind, name in the database, name in the model) of the pairs found
    by signature; either name may be None (SQLite's unnamed constraints, a model
    constraint left unnamed, which takes any name).
    """
    left = sorted(in_db, key=lambda item: (item.kind, item.name or ""))
    unpaired = []
    for item in in_model:
        if item in left:
            left.remove(item)
        else:
            unpaired.append(item)
    result = Matching()
    for item in sorted(unpaired, key=lambda item: (item.kind, item.name or "")):
        twin = next(
            (old for old in left if (old.kind, old.signature) == (item.kind, item.signature)),
            None,
        )
        if twin is None:
            result.complete = False
            continue
        left.remove(twin)
        result.renamed.append((item.kind, twin.name, item.name))
    if any(not item.optional for item in left):
        result.complete = False
    return result


class Signatures:
    """Items of reflected and model tables, spelled alike for one dialect."""

    def __init__(self, dialect: Any) -> None:
        self.dialect = dialect
        self.default_schema = dialect.default_schema_name

    # the database side

    def reflected(self, reflected: Reflected) -> list[Item]:
        items = []
        pk = reflected.get("pk_constraint", {}) or {}
        if pk.get("constrained_columns"):
            items.append(Item("pk", pk.get("name"), tuple(pk["constrained_columns"])))
        uniques = reflected.get("unique_constraints", [])
        # MySQL reflects a unique constraint twice: as itself and as its index
        twins = {info.get("duplicates_index") for info in uniques} - {None}
        fks = {info["name"] for info in reflected.get("foreign_keys", [])}
        for info in reflected.get("indexes", []):
            if info.get("duplicates_constraint") or info["name"] in twins:
                continue
            implicit = self.dialect.name == "mysql" and not info.get("unique")
            implicit = implicit and (info["name"] in fks or info["name"] in info["column_names"])
            items.append(Item("ix", info["name"], self._reflected_index(info), implicit))
        for info in uniques:
            options = info.get("dialect_options") or {}
            signature = (
                tuple(info["column_names"]),
                bool(options.get("postgresql_nulls_not_distinct")),
            )
            items.append(Item("uq", info["name"], signature))
        for info in reflected.get("foreign_keys", []):
            items.append(Item("fk", info["name"], self._reflected_fk(info)))
        for info in reflected.get("check_constraints", []):
            items.append(Item("ck", info.get("name"), (normalize(info["sqltext"]),)))
        return items

    def _reflected_index(self, info: dict) -> tuple:
        if info.get("column_sorting"):
            raise Maybe("sorted index column")
        options = info.get("dialect_options") or {}
        for key, value in options.items():
            if key not in _INDEX_OPTIONS and value:
                raise Maybe(f"index option {key}")
        elements = info.get("expressions") or info.get("column_names") or []
        where = options.get("postgresql_where")
        return (
            bool(info.get("unique")),
            tuple(normalize(str(e)) for e in elements),
            None if where is None else normalize(where),
            tuple(options.get("postgresql_include") or ()),
            (options.get("postgresql_using") or "btree").lower(),
            bool(options.get("postgresql_nulls_not_distinct")),
        )

    def _reflected_fk(self, info: dict) -> tuple:
        options = info.get("options") or {}
        if set(options) - _FK_OPTIONS:
            raise Maybe("foreign key option")
        return (
            tuple(info["constrained_columns"]),
            self._schema(info.get("referred_schema")),
            info["referred_table"],
            tuple(info["referred_columns"]),
            *_fk_options(options),
        )

    # the model side

    def model(self, table: Table) -> list[Item]:
        items = []
        pk = table.primary_key
        if pk is not None and pk.columns:
            items.append(Item("pk", self._name(pk), tuple(c.name for c in pk.columns)))
        for index in table.indexes:
            items.append(Item("ix", self._name(index), self._model_index(index)))
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint):
                options = self.own_options(constraint)
                signature = (
                    tuple(c.name for c in constraint.columns),
                    bool(options.get("postgresql_nulls_not_distinct")),
                )
                items.append(Item("uq", self._name(constraint), signature))
        for fk in table.foreign_key_constraints:
            items.append(Item("fk", self._name(fk), self._model_fk(fk)))
        for check in all_table_check_constraints(table):
            if constraint_is_named(check, self.dialect):
                text = normalize(self.sql(check.sqltext))
                items.append(Item("ck", self._name(check), (text,)))
        return items

    def _model_index(self, index: Index) -> tuple:
        own = self.own_options(index)
        for key, value in own.items():
            if key not in _INDEX_OPTIONS and value not in (None, False, [], {}):
                raise Maybe(f"index option {key}")
        if own and self.dialect.name != "postgresql":
            raise Maybe("PostgreSQL index options on another database")
        where = own.get("postgresql_where")
        return (
            bool(index.unique),
            tuple(normalize(self._element(e)) for e in index.expressions),
            None if where is None else normalize(self.sql(where)),
            tuple(getattr(c, "name", c) for c in own.get("postgresql_include") or ()),
            (own.get("postgresql_using") or "btree").lower(),
            bool(own.get("postgresql_nulls_not_distinct")),
        )

    def _model_fk(self, fk: Any) -> tuple:
        target = fk.elements[0].column.table
        return (
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

    def _element(self, element: Any) -> str:
        if isinstance(element, Column):
            return element.name
        if isinstance(element, str):
            return element
        if isinstance(element, (UnaryExpression, Label)):
            # desc(), nulls_first() and labels: reflection spells ordering apart
            raise Maybe("index element with ordering")
        return self.sql(element)

    # spelling

    def own_options(self, item: Any) -> dict[str, Any]:
        """Options written in the model for this dialect (others' options do not apply)."""
        prefix = f"{self.dialect.name}_"
        return {
            key: value
            for key, value in item.dialect_kwargs.items()
            if key.startswith(prefix) and key != f"{prefix}concurrently"
        }

    def _name(self, item: Any) -> str | None:
        name = constraint_final_name(item, self.dialect)
        return None if name is None else str(name)

    def _schema(self, schema: str | None) -> str | None:
        return None if schema in (None, self.default_schema) else schema

    def sql(self, clause: Any) -> str:
        if isinstance(clause, str):
            return clause
        return str(
            clause.compile(
                dialect=self.dialect,
                compile_kwargs={"literal_binds": True, "include_table": False},
            )
        )


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
