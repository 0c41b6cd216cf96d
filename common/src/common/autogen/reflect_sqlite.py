"""Bulk reflection on SQLite: five SELECTs for the whole database, not a dozen per table.

SQLAlchemy's SQLite dialect reflects one table at a time: ``PRAGMA table_xinfo``,
``foreign_key_list``, ``index_list``, ``index_info`` per index, and a ``sqlite_master``
lookup for the table's SQL from almost every method (it parses constraint names, CHECKs
and uniques out of it), about twelve statements per table, each paying SQLAlchemy's
per-statement cost. Here the same rows are read once for every table, through the
table-valued ``pragma_*`` functions joined with ``sqlite_master``.

The rows are then handed to the dialect's own reflection code, so what comes out is
exactly what its inspector gives, by construction (and a test compares both on a varied
schema): its methods read the database through ``_get_table_pragma`` and
``_get_table_sql`` only, and a per-compare subclass answers those two from the rows
already read. Everything else (an attached schema, a partial index's SQL, a table the
rows do not cover) goes to the database as before. If SQLAlchemy reads the database
some other way one day, the overrides simply go unused: slower, never wrong.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import column, func, select, table, true

from common.alembic_private import INSPECTOR_KEYS

Key = tuple[str | None, str]

_MASTER = table("sqlite_master", column("type"), column("name"), column("sql"))
_PRAGMAS = {
    "table_xinfo": ("cid", "name", "type", "notnull", "dflt_value", "pk", "hidden"),
    "foreign_key_list": (
        "id",
        "seq",
        "table",
        "from",
        "to",
        "on_update",
        "on_delete",
        "match",
    ),
    "index_list": ("seq", "name", "unique", "origin", "partial"),
}
_INDEX_INFO = ("seqno", "cid", "name")


def supported(dialect: Any) -> bool:
    """SQLite 3.26 has every table-valued pragma read here (``table_xinfo`` included)."""
    return dialect.name == "sqlite" and tuple(dialect.server_version_info or ()) >= (3, 26)


def reflect(connection: Any, wanted: dict[str | None, Iterable[str]]) -> dict[str, dict[Key, Any]]:
    """``{kind: {(None, table): what the inspector's get_<kind> returns}}``.

    Only the main database is read in bulk; tables of an attached schema are left to the
    dialect's own per-table reflection (they are in none of the kinds).
    """
    names = sorted(wanted.get(None, ()))
    rows = _Rows(connection)
    dialect = _prefetched(connection.dialect, rows)
    cache: dict = {}
    unsupported: set[str] = set()
    result: dict[str, Any] = defaultdict(dict)
    for name in names:
        if name not in rows.tables:
            continue
        found = {}
        try:
            for kind in INSPECTOR_KEYS:
                if kind in unsupported:
                    continue
                try:
                    method = getattr(dialect, f"get_{kind}")
                    found[kind] = method(connection, name, None, info_cache=cache)
                except NotImplementedError:
                    unsupported.add(kind)  # as get_multi_* reports it: no such kind here
        except Exception:  # anything the dialect cannot read: left to its own reflection
            continue
        for kind, value in found.items():
            result[kind][(None, name)] = value
    result.update(dict.fromkeys(unsupported, NotImplementedError))
    return result


class _Rows:
    """The rows of the five SELECTs, by table (and by index for ``index_info``)."""

    def __init__(self, connection: Any) -> None:
        self.sql: dict[str, str | None] = {}
        self.tables: set[str] = set()
        master = connection.execute(select(_MASTER.c.type, _MASTER.c.name, _MASTER.c.sql))
        for kind, name, sql in master:
            if kind in ("table", "view"):
                self.sql[name] = sql
            if kind == "table":
                self.tables.add(name)
        self.pragmas: dict[str, dict[str, list[tuple]]] = {}
        for pragma, columns in _PRAGMAS.items():
            self.pragmas[pragma] = self._per_table(connection, pragma, columns)
        self.pragmas["table_info"] = {
            name: [row[:6] for row in rows if not row[6]]
            for name, rows in self.pragmas["table_xinfo"].items()
        }
        self.pragmas["index_info"] = self._index_info(connection)

    def _per_table(self, connection: Any, pragma: str, columns: tuple) -> dict[str, list]:
        values = getattr(func, f"pragma_{pragma}")(_MASTER.c.name).table_valued(*columns)
        query = (
            select(_MASTER.c.name, *(values.c[c] for c in columns))
            .join_from(_MASTER, values, true())
            .where(_MASTER.c.type == "table")
        )
        found: dict[str, list] = {name: [] for name in self.tables}
        for row in connection.execute(query):
            found[row[0]].append(tuple(row[1:]))
        return found

    def _index_info(self, connection: Any) -> dict[str, list]:
        indexes = func.pragma_index_list(_MASTER.c.name).table_valued("name").alias("l")
        info = func.pragma_index_info(indexes.c.name).table_valued(*_INDEX_INFO).alias("i")
        query = (
            select(indexes.c.name, *(info.c[c] for c in _INDEX_INFO))
            .select_from(_MASTER)
            .join(indexes, true())
            .join(info, true())
            .where(_MASTER.c.type == "table")
            .order_by(indexes.c.name, info.c.seqno)
        )
        found: dict[str, list] = {
            row[1]: [] for rows in self.pragmas["index_list"].values() for row in rows
        }
        for row in connection.execute(query):
            found[row[0]].append(tuple(row[1:]))
        return found


def _prefetched(dialect: Any, rows: _Rows) -> Any:
    """A copy of ``dialect`` whose two database readers answer from ``rows``."""
    base = type(dialect)

    def _get_table_pragma(self, connection, pragma, table_name, schema=None):
        found = rows.pragmas.get(pragma, {}).get(table_name)
        if schema is not None or found is None:
            return base._get_table_pragma(self, connection, pragma, table_name, schema=schema)
        return found

    def _get_table_sql(self, connection, table_name, schema=None, **kw):
        if schema is not None or table_name not in rows.sql:
            return base._get_table_sql(self, connection, table_name, schema=schema, **kw)
        return rows.sql[table_name]

    cls = type(
        f"Prefetched{base.__name__}",
        (base,),
        {"_get_table_pragma": _get_table_pragma, "_get_table_sql": _get_table_sql},
    )
    copy = object.__new__(cls)
    copy.__dict__.update(dialect.__dict__)
    return copy
