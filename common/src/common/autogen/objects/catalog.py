"""What PostgreSQL holds: every view, materialized view, function, trigger, policy and
extension of the compared schemas, read in one round of bulk catalog queries.

Each object is read back as a declaration (``common.models.db_objects``) that recreates
it, plus the ``signature`` the comparison judges it on: the server's own rendering
(``pg_get_viewdef``, ``pg_get_functiondef``, ``pg_get_triggerdef``, ``pg_get_expr`` of
a policy), never the text someone typed. The same queries read the candidates that
``common.autogen.objects.candidates`` creates under temporary names, so a declaration
and a live object are compared through the same rendering. Objects that belong to an
extension are left out: the extension owns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from common.models.db_objects import (
    DbObject,
    Function,
    MaterializedView,
    MaterializedViewIndex,
    Policy,
    Trigger,
    View,
)

_NOT_EXTENSION = """NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = {catalog}::regclass
    AND e.objid = {oid} AND e.deptype = 'e')"""

_RELATIONS = sa.text(f"""
SELECT c.oid, n.nspname, c.relname, c.relkind, c.relispopulated,
  pg_get_viewdef(c.oid) AS definition,
  ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum)
    AS columns,
  ARRAY(SELECT ic.relname || ' ' || i.indisunique::text || ' '
               || substr(pg_get_indexdef(i.indexrelid),
                         strpos(pg_get_indexdef(i.indexrelid), ' USING ') + 1)
        FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE i.indrelid = c.oid ORDER BY ic.relname) AS indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(:schemas)
  AND {_NOT_EXTENSION.format(catalog="'pg_class'", oid="c.oid")}
""")

_FUNCTIONS = sa.text(f"""
SELECT p.oid, n.nspname, p.proname, pg_get_function_arguments(p.oid) AS arguments,
  pg_get_function_identity_arguments(p.oid) AS identity,
  pg_get_function_result(p.oid) AS result, pg_get_functiondef(p.oid) AS definition
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind = 'f' AND n.nspname = ANY(:schemas)
  AND {_NOT_EXTENSION.format(catalog="'pg_proc'", oid="p.oid")}
""")

_TRIGGERS = sa.text("""
SELECT t.oid, n.nspname, c.relname, t.tgname,
  substr(pg_get_triggerdef(t.oid), length('CREATE TRIGGER ' || quote_ident(t.tgname)) + 2)
    AS definition
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = ANY(:schemas)
""")

_POLICIES = sa.text("""
SELECT p.oid, n.nspname, c.relname, p.polname, p.polpermissive, p.polcmd,
  ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END
        FROM unnest(p.polroles) r ORDER BY 1) AS roles,
  pg_get_expr(p.polqual, p.polrelid) AS qual,
  pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(:schemas)
""")

_SECURED = sa.text("""
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relrowsecurity AND n.nspname = ANY(:schemas)
""")

_EXTENSIONS = sa.text("""
SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
""")

# what each object of the compared schemas depends on: objects and table columns
_DEPENDS = sa.text("""
SELECT d.classid::regclass::text AS catalog,
  CASE WHEN d.classid = 'pg_rewrite'::regclass THEN r.ev_class ELSE d.objid END AS oid,
  d.refclassid::regclass::text AS ref_catalog, d.refobjid AS ref_oid,
  rn.nspname AS ref_schema, rc.relname AS ref_table, ra.attname AS ref_column
FROM pg_depend d
LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
LEFT JOIN pg_class rc ON d.refclassid = 'pg_class'::regclass AND rc.oid = d.refobjid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
LEFT JOIN pg_attribute ra ON ra.attrelid = d.refobjid AND ra.attnum = d.refobjsubid
  AND d.refobjsubid > 0
WHERE d.deptype IN ('n', 'a')
  AND d.classid IN ('pg_rewrite'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass,
                    'pg_proc'::regclass)
  AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)
  AND NOT (d.classid = 'pg_rewrite'::regclass AND d.refobjid = r.ev_class)
""")

_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}

Ref = tuple[str, int]  # (catalog, oid): pg_class for views, pg_proc, pg_trigger, pg_policy


@dataclass
class LiveObject:
    """An object as the server renders it: ``declaration`` recreates it, ``signature`` is
    what two renderings are compared on, ``shape`` what decides replace or drop+create."""

    ref: Ref
    declaration: DbObject
    signature: tuple
    shape: tuple = ()
    identity: str = ""

    @property
    def key(self) -> tuple:
        return key_of(self.declaration, self.identity)


def key_of(obj: DbObject, identity: str = "") -> tuple:
    """What names an object in its schema: (kind, schema, [table,] name[, arguments])."""
    kind = "relation" if obj.kind in ("view", "materialized_view") else obj.kind
    table = getattr(obj, "table", None)
    return (kind, obj.schema, table, obj.name, identity)


@dataclass
class Dependency:
    ref: Ref
    on: Ref
    column: tuple[str, str, str] | None  # (schema, table, column) it reads, if a column


@dataclass
class Catalog:
    objects: list[LiveObject] = field(default_factory=list)
    depends: list[Dependency] = field(default_factory=list)
    secured: set[tuple[str, str]] = field(default_factory=set)
    extensions: dict[str, str] = field(default_factory=dict)


def read_catalog(connection: sa.Connection, schemas: list[str], dependencies: bool) -> Catalog:
    """Everything above in the schemas ``schemas``: six queries (seven with ``dependencies``)."""
    params = {"schemas": schemas}
    catalog = Catalog()
    catalog.objects += [_relation(r) for r in connection.execute(_RELATIONS, params)]
    catalog.objects += [_function(r) for r in connection.execute(_FUNCTIONS, params)]
    catalog.objects += [_trigger(r) for r in connection.execute(_TRIGGERS, params)]
    catalog.objects += [_policy(r) for r in connection.execute(_POLICIES, params)]
    catalog.secured = {(r.nspname, r.relname) for r in connection.execute(_SECURED, params)}
    catalog.extensions = {r.extname: r.nspname for r in connection.execute(_EXTENSIONS)}
    if dependencies:
        refs = {obj.ref for obj in catalog.objects}
        depends = [_dependency(r) for r in connection.execute(_DEPENDS)]
        catalog.depends = [d for d in depends if d.ref in refs]
    return catalog


def _relation(row: Any) -> LiveObject:
    definition = row.definition.strip().rstrip(";")
    ref = ("pg_class", row.oid)
    if row.relkind == "v":
        return LiveObject(
            ref, View(row.relname, definition, row.nspname), (definition,), tuple(row.columns)
        )
    indexes = []
    for text in row.indexes:
        name, unique, columns = text.split(" ", 2)
        indexes.append(MaterializedViewIndex(name, columns, unique == "true"))
    declaration = MaterializedView(
        row.relname, definition, row.nspname, row.relispopulated, tuple(indexes)
    )
    signature = (definition, index_signature(indexes))
    return LiveObject(ref, declaration, signature, tuple(row.columns))


def index_signature(indexes: Any) -> tuple:
    return tuple(sorted((i.name, i.columns, i.unique) for i in indexes))


def _function(row: Any) -> LiveObject:
    body = row.definition.split("\n", 1)[1].strip()
    declaration = Function(row.proname, row.arguments, body, row.nspname)
    return LiveObject(
        ("pg_proc", row.oid), declaration, (row.arguments, body), (row.result,), row.identity
    )


def _trigger(row: Any) -> LiveObject:
    declaration = Trigger(row.tgname, row.relname, row.definition, row.nspname)
    return LiveObject(("pg_trigger", row.oid), declaration, (row.definition,))


def _policy(row: Any) -> LiveObject:
    kind = "PERMISSIVE" if row.polpermissive else "RESTRICTIVE"
    parts = [f"AS {kind} FOR {_COMMANDS[row.polcmd]} TO {', '.join(row.roles)}"]
    if row.qual is not None:
        parts.append(f"USING ({row.qual})")
    if row.with_check is not None:
        parts.append(f"WITH CHECK ({row.with_check})")
    declaration = Policy(row.polname, row.relname, " ".join(parts), row.nspname)
    signature = (kind, row.polcmd, tuple(row.roles), row.qual, row.with_check)
    return LiveObject(("pg_policy", row.oid), declaration, signature)


def _dependency(row: Any) -> Dependency:
    catalog = "pg_class" if row.catalog == "pg_rewrite" else row.catalog
    column = None
    if row.ref_column is not None:
        column = (row.ref_schema, row.ref_table, row.ref_column)
    return Dependency((catalog, row.oid), (row.ref_catalog, row.ref_oid), column)
