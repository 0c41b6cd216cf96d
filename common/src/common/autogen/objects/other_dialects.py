"""Views and triggers on MySQL/MariaDB and SQLite; the other kinds are PostgreSQL only.

SQLite keeps each view's and trigger's CREATE statement as it was sent
(``sqlite_master.sql``), so a declaration is compared with the statement the workbench
would send, whitespace aside. MySQL rewrites a view's SELECT (qualified, back-quoted
names) and keeps a trigger's body as sent: a view is compared through a candidate
created under a temporary name and dropped again at once (MySQL has no transactional
DDL, so no savepoint can undo it), a trigger by its timing, event, table and body.
A declaration of another kind is refused in one line, before anything is compared.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic.operations import ops

from common.errors import WorkbenchError
from common.models.db_objects import DbObject, Trigger, View
from common.ops.objects import trigger, view
from common.ops.objects.ddl import Name, ObjectDDL, PostgresOnlyError, Sql

_POSTGRESQL_ONLY = {
    "extension": "extensions",
    "materialized_view": "materialized views",
    "function": "functions",
    "policy": "row-level security policies",
}
_PREFIX = "_wb_cand_"
_MYSQL_TRIGGER = re.compile(
    r"^\s*(BEFORE|AFTER)\s+(INSERT|UPDATE|DELETE)\s+ON\s+`?(\w+)`?\s+FOR\s+EACH\s+ROW\s+(.*)$",
    re.I | re.S,
)


def _normal(text: str) -> str:
    return " ".join(text.split()).rstrip(";").strip()


def compare(connection: Any, objects: list[DbObject], upgrade_ops: ops.UpgradeOps) -> None:
    """Views and triggers of ``objects`` against the database; refuse the other kinds.

    On SQLite a table change is a batch copy (new table, copy, drop, rename), which drops
    the table's triggers and fails on any view that reads the table; so when the revision
    changes a table, every view and trigger is dropped first and created again after.
    """
    dialect = connection.dialect.name
    for obj in objects:
        if obj.kind in _POSTGRESQL_ONLY:
            raise PostgresOnlyError(
                f"{_POSTGRESQL_ONLY[obj.kind]} are PostgreSQL only; {obj.name} is declared "
                f"but this database is {dialect}.",
                f"remove {obj.name} from the declarations for this database.",
            )
    rebuild = dialect == "sqlite" and any(
        isinstance(op, ops.ModifyTableOps) for op in upgrade_ops.ops
    )
    if not objects and not rebuild:
        return
    read = _read_sqlite if dialect == "sqlite" else _read_mysql
    live, signatures = read(connection, objects)
    declared = {(obj.kind, obj.name): obj for obj in objects}
    before, after = [], []
    for key, current in sorted(live.items(), key=lambda item: item[0][0] == "view"):
        if key not in declared and objects:
            before.append(_create(current).reverse())
        elif rebuild or (key in declared and _changed(key, signatures)):
            if key[0] == "view" and not rebuild:
                continue  # a replace, below
            before.append(_create(current).reverse())
            if key not in declared:
                after.append(_create(current))
    for obj in sorted(objects, key=lambda o: o.kind == "trigger"):
        key = (obj.kind, obj.name)
        current = live.get(key)
        if current is None or rebuild or (obj.kind == "trigger" and _changed(key, signatures)):
            after.append(_create(obj))
        elif _changed(key, signatures):
            after.append(view.ReplaceViewOp(obj.name, obj.definition, current.definition))
    upgrade_ops.ops[:0] = before
    upgrade_ops.ops.extend(after)


def _changed(key: tuple[str, str], signatures: dict) -> bool:
    return signatures.get(key) != signatures.get(("live", *key))


def _create(obj: DbObject):
    if obj.kind == "view":
        return view.CreateViewOp(obj.name, obj.definition)
    return trigger.CreateTriggerOp(obj.name, obj.table, obj.definition)


def _read_sqlite(connection: Any, objects: list[DbObject]):
    rows = connection.execute(
        sa.text(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger')"
        )
    )
    live, signatures = {}, {}
    for kind, name, table, sql in rows:
        if kind == "view":
            match = re.match(
                r"^\s*CREATE\s+VIEW\s+(?:\"[^\"]+\"|\S+)\s+AS\s+(.*)$", sql, re.I | re.S
            )
            live[(kind, name)] = View(name, match.group(1) if match else sql)
        else:
            match = re.match(r"^\s*CREATE\s+TRIGGER\s+(?:\"[^\"]+\"|\S+)\s+(.*)$", sql, re.I | re.S)
            live[(kind, name)] = Trigger(name, table, match.group(1) if match else sql)
        signatures[("live", kind, name)] = _normal(sql)
    for obj in objects:
        signatures[(obj.kind, obj.name)] = _normal(_statement(obj, obj.name, connection))
    return live, signatures


def _statement(obj: DbObject, name: str, connection: Any) -> str:
    if obj.kind == "view":
        statement = view.create_view(name, obj.definition, None)
    else:
        statement = ObjectDDL("CREATE TRIGGER", Name(name), Sql(obj.definition))
    return str(statement.compile(dialect=connection.dialect))


def _read_mysql(connection: Any, objects: list[DbObject]):
    views = [obj for obj in objects if obj.kind == "view"]
    created = []
    try:
        for number, obj in enumerate(views):
            try:
                connection.execute(view.create_view(f"{_PREFIX}{number}", obj.definition, None))
                created.append(number)
            except sa.exc.DBAPIError:
                continue  # cannot be created now (reads a table this revision adds)
        live, signatures = _mysql_catalog(connection)
    finally:
        for number in created:
            connection.execute(view.drop_view(f"{_PREFIX}{number}", None))
    for number, obj in enumerate(views):
        candidate = signatures.pop(("live", "view", f"{_PREFIX}{number}"), None)
        live.pop(("view", f"{_PREFIX}{number}"), None)
        signatures[("view", obj.name)] = candidate or ("cannot be created now",)
    for obj in objects:
        if obj.kind == "trigger":
            match = _MYSQL_TRIGGER.match(obj.definition)
            if match is None:
                raise WorkbenchError(
                    f"trigger {obj.name}: MySQL needs BEFORE|AFTER INSERT|UPDATE|DELETE ON "
                    "<table> FOR EACH ROW <statement>.",
                    f"write the definition of {obj.name} in that form.",
                )
            timing, event, table, body = match.groups()
            signatures[("trigger", obj.name)] = (
                timing.upper(),
                event.upper(),
                table,
                _normal(body),
            )
    return live, signatures


def _mysql_catalog(connection: Any):
    live, signatures = {}, {}
    for name, definition in connection.execute(
        sa.text(
            "SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS "
            "WHERE TABLE_SCHEMA = DATABASE()"
        )
    ):
        live[("view", name)] = View(name, definition)
        signatures[("live", "view", name)] = (_normal(definition),)
    for name, table, timing, event, body in connection.execute(
        sa.text(
            "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, "
            "ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"
        )
    ):
        definition = f"{timing} {event} ON {table} FOR EACH ROW {body}"
        live[("trigger", name)] = Trigger(name, table, definition)
        signatures[("live", "trigger", name)] = (timing, event, table, _normal(body))
    return live, signatures
