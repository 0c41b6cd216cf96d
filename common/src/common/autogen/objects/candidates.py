"""What PostgreSQL makes of each declaration: created under a temporary name, read back.

Comparing the declared text with the server's would report differences that are only
spelling (``int`` for ``integer``, added casts and qualifications, a reformatted body
header). So, inside one savepoint, every declaration that has a live counterpart is
created as ``_wb_cand_<n>`` beside it (same schema, same table), the catalog is read
once (``catalog.read_catalog``: the live objects and the candidates together), and the
savepoint is rolled back: nothing is left behind. The candidates are created by one
call to a temporary PL/pgSQL function that runs each statement in its own exception
block, so one round trip creates them all and a declaration that cannot be created
(it reads a table this revision adds) is reported as failed instead of aborting the rest.

Creating a trigger or policy candidate locks its table (SHARE ROW EXCLUSIVE, ACCESS
EXCLUSIVE) until the rollback, a few milliseconds; ``lock_timeout`` bounds the wait.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from common.autogen.objects.catalog import Catalog, LiveObject, index_signature, read_catalog
from common.errors import WorkbenchError
from common.models.db_objects import DbObject, MaterializedViewIndex
from common.ops.objects import function, materialized_view, view
from common.ops.objects.ddl import Name, ObjectDDL, Sql

PREFIX = "_wb_cand_"

_TRY = """
CREATE FUNCTION pg_temp.wb_try(statements text[], groups int[]) RETURNS text[]
LANGUAGE plpgsql AS $wb$
DECLARE failed text[] := '{}';
BEGIN
  FOR i IN 1 .. coalesce(array_length(statements, 1), 0) LOOP
    BEGIN
      EXECUTE statements[i];
    EXCEPTION WHEN others THEN
      failed := failed || (groups[i] || ' ' || SQLSTATE || ' ' || SQLERRM);
    END;
  END LOOP;
  RETURN failed;
END $wb$
"""
_RUN = sa.text("SELECT pg_temp.wb_try(CAST(:statements AS text[]), CAST(:groups AS int[]))")
_INSUFFICIENT_PRIVILEGE = "42501"
_LOCK_TIMEOUT = sa.text("SELECT set_config('lock_timeout', '3s', true)")


@dataclass
class Rendered:
    """The live catalog, and each candidate's rendering (None: it could not be created)."""

    catalog: Catalog
    candidates: dict[int, LiveObject | None]


def statements(obj: DbObject, name: str) -> list[ObjectDDL]:
    """The statements that create ``obj`` under ``name``."""
    if obj.kind == "view":
        return [view.create_view(name, obj.definition, obj.schema)]
    if obj.kind == "materialized_view":
        indexes = [(f"{name}_{j}", i.columns, i.unique) for j, i in enumerate(obj.indexes)]
        return materialized_view.create_statements(name, obj.definition, obj.schema, False, indexes)
    if obj.kind == "function":
        return [function.create_function(name, obj.arguments, obj.definition, obj.schema)]
    if obj.kind == "trigger":
        return [ObjectDDL("CREATE TRIGGER", Name(name), Sql(obj.definition))]
    table = Name(obj.table, obj.schema)
    return [ObjectDDL("CREATE POLICY", Name(name), "ON", table, Sql(obj.definition))]


def render(
    connection: sa.Connection,
    schemas: list[str],
    declared: dict[int, DbObject],
    dependencies: bool,
) -> Rendered:
    """Read the catalog with a candidate for each of ``declared`` (numbered) in it."""
    if not declared:
        return Rendered(read_catalog(connection, schemas, dependencies), {})
    texts, groups = [], []
    dialect = postgresql.dialect(paramstyle="named")  # text for EXECUTE: % stays %
    for number, obj in declared.items():
        for statement in statements(obj, f"{PREFIX}{number}"):
            texts.append(str(statement.compile(dialect=dialect)))
            groups.append(number)
    savepoint = connection.begin_nested()
    try:
        connection.execute(_LOCK_TIMEOUT)
        connection.exec_driver_sql(_TRY)
        errors = connection.execute(_RUN, {"statements": texts, "groups": groups}).scalar()
        catalog = read_catalog(connection, schemas, dependencies)
    except sa.exc.DBAPIError as exc:
        raise _cannot_compare(str(exc.orig).splitlines()[0] if exc.orig else str(exc)) from None
    finally:
        savepoint.rollback()
    failed = set()
    for error in errors:
        number, state, message = error.split(" ", 2)
        if state == _INSUFFICIENT_PRIVILEGE:
            raise _cannot_compare(message)
        failed.add(int(number))
    return _split(catalog, declared, failed)


def _cannot_compare(reason: str) -> WorkbenchError:
    return WorkbenchError(
        f"the database objects cannot be compared: {reason}.",
        "compare as a role that may create temporary objects (TEMP) and objects in the "
        "compared schemas (CREATE), as migrations need; the comparison keeps nothing.",
    )


def _split(catalog: Catalog, declared: dict[int, DbObject], failed: set[int]) -> Rendered:
    live, candidates = [], {}
    for obj in catalog.objects:
        name = obj.declaration.name
        if name.startswith(PREFIX):
            number = int(name[len(PREFIX) :])
            if number not in failed:
                candidates[number] = _as_declared(obj, declared[number])
        else:
            live.append(obj)
    catalog.objects = live
    live_refs = {obj.ref for obj in live}
    catalog.depends = [d for d in catalog.depends if d.ref in live_refs]
    return Rendered(catalog, {n: candidates.get(n) for n in declared})


def _as_declared(candidate: LiveObject, obj: DbObject) -> LiveObject:
    """The candidate under the declared names (its own and its indexes')."""
    declaration = dataclasses.replace(candidate.declaration, name=obj.name)
    signature = candidate.signature
    if obj.kind == "materialized_view":
        names = {
            f"{PREFIX}{candidate.declaration.name[len(PREFIX) :]}_{j}": index.name
            for j, index in enumerate(obj.indexes)
        }
        indexes = tuple(
            MaterializedViewIndex(names.get(i.name, i.name), i.columns, i.unique)
            for i in declaration.indexes
        )
        declaration = dataclasses.replace(declaration, indexes=indexes)
        signature = (signature[0], index_signature(indexes))
    return LiveObject(candidate.ref, declaration, signature, candidate.shape, candidate.identity)
