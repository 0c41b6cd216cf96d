"""Bulk reflection on MariaDB: every compared table in five statements, whatever their number.

SQLAlchemy's MySQL dialect reflects a table by parsing its ``SHOW CREATE TABLE``, one
statement per table (and Alembic asks for each table it compares), so a comparison of
800 tables sent 800 statements and spent its time parsing them. This module reads
``information_schema`` once per kind of object (TABLES, COLUMNS, STATISTICS,
KEY_COLUMN_USAGE joined with REFERENTIAL_CONSTRAINTS, CHECK_CONSTRAINTS) and builds,
for every table, exactly the dicts the dialect's inspector methods give (proved by a
test that compares both on a varied schema), so both the unchanged-table shortcut and
Alembic's full comparison read them unchanged.

MariaDB's ``information_schema`` spells defaults, CHECK clauses, generated expressions
and column types the way ``SHOW CREATE TABLE`` prints them (``int(11)``, ``'low'``,
``current_timestamp()``; JSON is ``longtext`` with a column CHECK ``json_valid``, which
the dialect does not reflect as a constraint either). Where the parser of that text has
quirks (an expression default, an invisible column, a partitioned table, a name with a
backtick), the table is left out: Alembic then reflects that one table by itself, as it
always did, so a doubt costs one statement, never a wrong reflection. MySQL proper
spells several of these apart (unquoted literal defaults, NULL for no default, CHECKs
without a table name) and is not handled here: it keeps SQLAlchemy's reflection.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import column, select, table
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.mysql import DATETIME, ENUM, SET, TIME, TIMESTAMP

Key = tuple[str | None, str]

# MariaDB 10.5.10 added CHECK_CONSTRAINTS.TABLE_NAME's sibling LEVEL (column vs table).
MINIMUM_MARIADB = (10, 5, 10)

_TYPE = re.compile(
    r"(?P<name>\w+)(?:\((?P<args>\d+|\d+,\d+|(?:'(?:''|[^'\\])*',?)+)\))?"
    r"(?P<unsigned> unsigned)?(?P<zerofill> zerofill)?",
    re.I,
)
_CSV_STR = re.compile(r"'(?:''|[^'])*'")
# The defaults SHOW CREATE TABLE's parser reads back as MariaDB stores them.
_PLAIN_DEFAULT = re.compile(r"'(?:''|[^'\\\n])*'|[\-\w.]+(?:\(\d*\))?")
_ON_UPDATE = re.compile(r"on update ([\w.]+(?:\(\d*\))?)", re.I)
_GENERATED = {"STORED GENERATED": True, "VIRTUAL GENERATED": False}
_INDEX_PREFIXES = {"FULLTEXT", "SPATIAL"}
_PLAIN_INDEXES = {"BTREE", "HASH"}


class Declined(Exception):
    """A table this module cannot reflect exactly as the dialect would: left to it."""


def supported(dialect: Any) -> bool:
    version = getattr(dialect, "server_version_info", None) or ()
    return (
        dialect.name in ("mysql", "mariadb")
        and getattr(dialect, "is_mariadb", False)
        and tuple(version[:3]) >= MINIMUM_MARIADB
    )


def _view(name: str, columns: str) -> Any:
    return table(name, *(column(c) for c in columns.split()), schema="information_schema")


TABLES = _view(
    "TABLES",
    "TABLE_SCHEMA TABLE_NAME TABLE_TYPE ENGINE TABLE_COLLATION TABLE_COMMENT CREATE_OPTIONS",
)
COLUMNS = _view(
    "COLUMNS",
    "TABLE_SCHEMA TABLE_NAME COLUMN_NAME ORDINAL_POSITION COLUMN_DEFAULT IS_NULLABLE"
    " COLUMN_TYPE CHARACTER_SET_NAME COLLATION_NAME EXTRA COLUMN_COMMENT GENERATION_EXPRESSION",
)
STATISTICS = _view(
    "STATISTICS",
    "TABLE_SCHEMA TABLE_NAME INDEX_NAME NON_UNIQUE SEQ_IN_INDEX COLUMN_NAME SUB_PART"
    " INDEX_TYPE IGNORED",
)
KEY_COLUMNS = _view(
    "KEY_COLUMN_USAGE",
    "CONSTRAINT_SCHEMA CONSTRAINT_NAME TABLE_SCHEMA TABLE_NAME COLUMN_NAME ORDINAL_POSITION"
    " REFERENCED_TABLE_SCHEMA REFERENCED_TABLE_NAME REFERENCED_COLUMN_NAME",
)
RULES = _view(
    "REFERENTIAL_CONSTRAINTS",
    "CONSTRAINT_SCHEMA TABLE_NAME CONSTRAINT_NAME UPDATE_RULE DELETE_RULE",
)
CHECKS = _view(
    "CHECK_CONSTRAINTS", "CONSTRAINT_SCHEMA TABLE_NAME CONSTRAINT_NAME LEVEL CHECK_CLAUSE"
)


def reflect(connection: Any, wanted: dict[str | None, Iterable[str]]) -> dict[str, dict[Key, Any]]:
    """``{kind: {(schema, table): what the inspector's get_<kind> returns}}``.

    ``wanted`` maps a schema (None: the connection's database) to the table names to
    read. Tables this module declines are in none of the kinds.
    """
    dialect = connection.dialect
    default = dialect.default_schema_name
    names = {(default if s is None else s): s for s in wanted}
    keep = {(default if s is None else s, t) for s, tables in wanted.items() for t in tables}
    reader = _Reader(dialect, names, keep)
    for rows, read in (
        (_rows(connection, TABLES, names), reader.table),
        (_rows(connection, COLUMNS, names, COLUMNS.c.ORDINAL_POSITION), reader.column),
        (_rows(connection, STATISTICS, names, STATISTICS.c.SEQ_IN_INDEX), reader.index_column),
        (_foreign_key_rows(connection, names), reader.foreign_key_column),
        (_rows(connection, CHECKS, names, schema_column="CONSTRAINT_SCHEMA"), reader.check),
    ):
        for row in rows:
            reader.guarded(read, row)
    return reader.result()


def _rows(
    connection: Any,
    view: Any,
    schemas: dict[str, Any],
    order: Any = None,
    schema_column: str = "TABLE_SCHEMA",
) -> Any:
    query = select(view).where(view.c[schema_column].in_(sorted(schemas)))
    if order is not None:
        query = query.order_by(order)
    return connection.execute(query).mappings()


def _foreign_key_rows(connection: Any, schemas: dict[str, Any]) -> Any:
    keys, rules = KEY_COLUMNS, RULES
    query = (
        select(keys, rules.c.UPDATE_RULE, rules.c.DELETE_RULE)
        .join_from(
            keys,
            rules,
            (rules.c.CONSTRAINT_SCHEMA == keys.c.CONSTRAINT_SCHEMA)
            & (rules.c.TABLE_NAME == keys.c.TABLE_NAME)
            & (rules.c.CONSTRAINT_NAME == keys.c.CONSTRAINT_NAME),
        )
        .where(keys.c.TABLE_SCHEMA.in_(sorted(schemas)))
        .order_by(keys.c.ORDINAL_POSITION)
    )
    return connection.execute(query).mappings()


class _Reader:
    """Turns the rows of the five statements into the dialect's dicts, table by table."""

    def __init__(self, dialect: Any, schemas: dict[str, Any], keep: set[tuple[str, str]]) -> None:
        self.dialect = dialect
        self.schemas = schemas  # schema in the database -> schema as the caller names it
        self.keep = keep
        self.declined: set[tuple[str, str]] = set()
        self.collation: dict[tuple[str, str], str] = {}
        self.options: dict[tuple[str, str], dict] = {}
        self.columns: dict[tuple[str, str], list] = defaultdict(list)
        self.keys: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        self.fks: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
        self.checks: dict[tuple[str, str], list] = defaultdict(list)

    def guarded(self, read: Any, row: Any) -> None:
        where = (row.get("TABLE_SCHEMA") or row.get("CONSTRAINT_SCHEMA"), row["TABLE_NAME"])
        if where not in self.keep or where in self.declined:
            return
        try:
            if "`" in where[1]:
                raise Declined("a backtick in the table's name")
            read(where, row)
        except Declined:
            self.declined.add(where)

    # TABLES

    def table(self, where: tuple[str, str], row: Any) -> None:
        if row["TABLE_TYPE"] != "BASE TABLE":
            raise Declined("not a plain table (system-versioned, a sequence)")
        create_options = (row["CREATE_OPTIONS"] or "").split()
        options = {}
        for option in create_options:
            name, _, value = option.partition("=")
            if name.lower() != "row_format":
                raise Declined(f"table option {name}")
            options["row_format"] = value
        collation = row["TABLE_COLLATION"]
        self.collation[where] = collation
        prefix = self.dialect.name
        found = {}
        if row["TABLE_COMMENT"]:
            found[f"{prefix}_comment"] = row["TABLE_COMMENT"]
        if row["ENGINE"]:
            found[f"{prefix}_engine"] = row["ENGINE"]
        if collation:
            found[f"{prefix}_default charset"] = collation.split("_")[0]
            found[f"{prefix}_collate"] = collation
        found.update({f"{prefix}_{key}": value for key, value in options.items()})
        self.options[where] = found

    # COLUMNS

    def column(self, where: tuple[str, str], row: Any) -> None:
        name, extra = row["COLUMN_NAME"], (row["EXTRA"] or "").strip()
        if "`" in name:
            raise Declined("a backtick in a column's name")
        type_class, type_ = self._type(where, row)
        found: dict[str, Any] = {
            "name": name,
            "type": type_,
            "default": None,
            "comment": row["COLUMN_COMMENT"] or None,
            "nullable": row["IS_NULLABLE"] == "YES",
        }
        if extra.lower() == "auto_increment":
            found["autoincrement"] = True
            extra = ""
        elif issubclass(type_class, sqltypes.Integer):
            found["autoincrement"] = False
        if extra in _GENERATED:
            expression = row["GENERATION_EXPRESSION"] or ""
            if "\n" in expression or found["comment"]:
                raise Declined("a generated column the parser may read apart")
            found["computed"] = {"sqltext": f"({expression})", "persisted": _GENERATED[extra]}
        else:
            found["default"] = self._default(row["COLUMN_DEFAULT"], extra)
        self.columns[where].append(found)

    def _type(self, where: tuple[str, str], row: Any) -> tuple[type, Any]:
        spelled = _TYPE.fullmatch(row["COLUMN_TYPE"] or "")
        if spelled is None:
            raise Declined("a column type spelled apart")
        type_class = self.dialect.ischema_names.get(spelled["name"])
        if type_class is None:
            raise Declined("an unknown column type")
        raw = spelled["args"]
        if not raw:
            args: list[Any] = []
        elif raw.startswith("'"):
            args = _CSV_STR.findall(raw)
        else:
            args = [int(value) for value in raw.split(",")]
        kwargs: dict[str, Any] = {}
        if issubclass(type_class, (DATETIME, TIME, TIMESTAMP)) and args:
            kwargs["fsp"] = args.pop(0)
        if spelled["unsigned"]:
            kwargs["unsigned"] = True
        if spelled["zerofill"]:
            kwargs["zerofill"] = True
        if row["COLLATION_NAME"] and row["COLLATION_NAME"] != self.collation.get(where):
            kwargs["charset"] = row["CHARACTER_SET_NAME"]
            kwargs["collate"] = row["COLLATION_NAME"]
        if issubclass(type_class, (ENUM, SET)):
            args = [value[1:-1].replace("''", "'") for value in args]
            if issubclass(type_class, SET) and "" in args:
                kwargs["retrieve_as_bitwise"] = True
        return type_class, type_class(*args, **kwargs)

    @staticmethod
    def _default(raw: str | None, extra: str) -> str | None:
        if extra and not _ON_UPDATE.fullmatch(extra):
            raise Declined(f"column extra {extra!r}")
        if raw is None or raw == "NULL":
            return None
        if not _PLAIN_DEFAULT.fullmatch(raw):
            raise Declined("an expression default")
        if extra and not raw.startswith("'"):
            return f"{raw} ON UPDATE {_ON_UPDATE.fullmatch(extra).group(1)}"
        return raw

    # STATISTICS

    def index_column(self, where: tuple[str, str], row: Any) -> None:
        if row["IGNORED"] == "YES" or row["COLUMN_NAME"] is None:
            raise Declined("an ignored or expression index")
        kind = row["INDEX_TYPE"]
        if kind not in _PLAIN_INDEXES | _INDEX_PREFIXES:
            raise Declined(f"index type {kind}")
        key = self.keys[where].setdefault(
            row["INDEX_NAME"], {"unique": not int(row["NON_UNIQUE"]), "kind": kind, "columns": []}
        )
        key["columns"].append((row["COLUMN_NAME"], row["SUB_PART"]))

    # KEY_COLUMN_USAGE + REFERENTIAL_CONSTRAINTS

    def foreign_key_column(self, where: tuple[str, str], row: Any) -> None:
        if row["REFERENCED_TABLE_NAME"] is None:
            return
        referred_schema = row["REFERENCED_TABLE_SCHEMA"]
        fk = self.fks[where].setdefault(
            row["CONSTRAINT_NAME"],
            {
                "name": row["CONSTRAINT_NAME"],
                "constrained_columns": [],
                "referred_schema": (
                    referred_schema if referred_schema != where[0] else self.schemas[where[0]]
                ),
                "referred_table": row["REFERENCED_TABLE_NAME"],
                "referred_columns": [],
                "options": {
                    option: rule
                    for option, rule in (
                        ("onupdate", row["UPDATE_RULE"]),
                        ("ondelete", row["DELETE_RULE"]),
                    )
                    if rule not in ("RESTRICT", "NO ACTION", None)
                },
            },
        )
        fk["constrained_columns"].append(row["COLUMN_NAME"])
        fk["referred_columns"].append(row["REFERENCED_COLUMN_NAME"])

    # CHECK_CONSTRAINTS

    def check(self, where: tuple[str, str], row: Any) -> None:
        if row["LEVEL"] != "Table":
            return  # a column's CHECK (json_valid for JSON): the dialect skips it too
        if "\n" in row["CHECK_CLAUSE"]:
            raise Declined("a CHECK over several lines")
        self.checks[where].append({"name": row["CONSTRAINT_NAME"], "sqltext": row["CHECK_CLAUSE"]})

    # the dicts

    def result(self) -> dict[str, dict[Key, Any]]:
        result: dict[str, dict[Key, Any]] = defaultdict(dict)
        for where in self.options:
            if where in self.declined or not self.columns.get(where):
                continue
            key = (self.schemas[where[0]], where[1])
            for kind, value in self._table(where).items():
                result[kind][key] = value
        return result

    def _table(self, where: tuple[str, str]) -> dict[str, Any]:
        keys = self.keys.get(where, {})
        primary = keys.get("PRIMARY")
        indexes, uniques = [], []
        for name, key in keys.items():
            if name == "PRIMARY":
                continue
            index: dict[str, Any] = {
                "name": name,
                "column_names": [c for c, _ in key["columns"]],
                "unique": key["unique"],
            }
            options: dict[str, Any] = {}
            if key["kind"] in _INDEX_PREFIXES:
                options[f"{self.dialect.name}_prefix"] = key["kind"]
            lengths = {c: length for c, length in key["columns"] if length is not None}
            if lengths:
                options[f"{self.dialect.name}_length"] = lengths
            if options:
                index["dialect_options"] = options
            indexes.append(index)
            if key["unique"]:
                uniques.append(
                    {"name": name, "column_names": index["column_names"], "duplicates_index": name}
                )
        options = self.options[where]
        comment = options.get(f"{self.dialect.name}_comment")
        return {
            "columns": self.columns[where],
            "pk_constraint": {
                "constrained_columns": [c for c, _ in primary["columns"]] if primary else [],
                "name": None,
            },
            "foreign_keys": [fk for _, fk in sorted(self.fks.get(where, {}).items())],
            "indexes": sorted(indexes, key=lambda d: d["name"]),
            "unique_constraints": sorted(uniques, key=lambda d: d["name"]),
            "table_comment": {"text": comment},
            "check_constraints": sorted(self.checks.get(where, []), key=lambda d: d["name"]),
            "table_options": options,
        }
