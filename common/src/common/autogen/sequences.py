"""Sequences behind serial columns, recognized with one catalog query instead of one per column.

A ``serial`` column reflects with ``nextval('t_id_seq'::regclass)`` as its default, which
the model does not spell; Alembic's PostgreSQL implementation drops that default from the
reflected column when the sequence is owned by the column, asking the catalog once per
such column. On an 800-table schema that is 800 round trips, most of the time
autogenerate spends waiting. This plugin reads every owned sequence in one query before
the tables are compared and answers the same question from it (``smallserial`` too,
which Alembic leaves as a false difference). Identity columns need nothing: their
default is not reflected as a server default.
"""

from __future__ import annotations

import re
from typing import Any
from weakref import WeakKeyDictionary

from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import BigInteger, Integer, SmallInteger, text

_OWNED_SEQUENCES = text(
    """
    SELECT c.oid::regclass::text, t.relname, a.attname
    FROM pg_class c
    JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
                    AND d.refclassid = 'pg_class'::regclass
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE c.relkind = 'S'
    """
)
_NEXTVAL = re.compile(r"nextval\('(.+?)'::regclass\)")
# per autogenerate run (its AutogenContext), not stored on Alembic's object
_OWNERS: WeakKeyDictionary[Any, dict[str, tuple[str, str]]] = WeakKeyDictionary()


def serial_default_remover(owners: dict[str, tuple[str, str]]):
    """``autogen_column_reflect`` answering from ``owners`` (sequence -> table, column)."""

    def autogen_column_reflect(inspector: Any, table: Any, column_info: dict) -> None:
        default = column_info.get("default")
        if not default or not isinstance(column_info["type"], (Integer, BigInteger, SmallInteger)):
            return
        match = _NEXTVAL.match(default)
        if match and owners.get(match.group(1)) == (table.name, column_info["name"]):
            del column_info["default"]

    return autogen_column_reflect


def owned_sequences(autogen_context: Any) -> dict[str, tuple[str, str]]:
    """Sequence -> (table, column) owning it, read once per autogenerate run.

    Empty on other dialects: only PostgreSQL reflects a serial's sequence as a default.
    """
    owners = _OWNERS.get(autogen_context)
    if owners is None:
        owners = {}
        if autogen_context.dialect.name == "postgresql":
            rows = autogen_context.connection.execute(_OWNED_SEQUENCES)
            owners = {sequence: (table, column) for sequence, table, column in rows}
        _OWNERS[autogen_context] = owners
    return owners


def _read_owned_sequences(
    autogen_context: Any, upgrade_ops: Any, schemas: set[str | None]
) -> PriorityDispatchResult:
    impl = autogen_context.migration_context.impl
    impl.autogen_column_reflect = serial_default_remover(owned_sequences(autogen_context))
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _read_owned_sequences,
        "schema",
        "sequences",
        qualifier="postgresql",
        priority=DispatchPriority.FIRST,
    )
