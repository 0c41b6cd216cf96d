"""From the declarations and the catalog to ops, in an order PostgreSQL accepts.

Each declaration is new (create), the same as the server renders it (nothing), changed
in a way CREATE OR REPLACE allows (a view keeping its columns, a function keeping its
arguments and result: replace), or changed otherwise (drop, then create). A live object
no declaration names is dropped. Then the drops spread along ``pg_depend``: what depends
on an object being dropped, or on a table column this revision retypes or drops
(PostgreSQL refuses ALTER COLUMN TYPE under a view), is dropped before and created again
after, from its declaration or, for an object nobody declared, from its own rendering.

``before`` (extensions, then the drops, dependents first) goes ahead of the table
changes and ``after`` (creates and replaces, dependencies first) behind them; the
downgrade is the reverse, so every create has its drop and every drop its create.
"""

from __future__ import annotations

import dataclasses
import heapq
from dataclasses import dataclass, field

from alembic.operations import MigrateOperation

from common.autogen.objects.catalog import Catalog, LiveObject, Ref, key_of
from common.models.db_objects import DbObject
from common.ops.objects import extension, function, materialized_view, policy, trigger, view

# creation order of the kinds; drops go the other way
_RANK = {"function": 0, "view": 1, "materialized_view": 1, "trigger": 2, "policy": 3}
_LAST = 10**6  # after every declaration: undeclared objects recreated around a change


@dataclass
class Plan:
    before: list[MigrateOperation] = field(default_factory=list)
    after: list[MigrateOperation] = field(default_factory=list)


@dataclass
class _Step:
    """One object's fate: ``action`` is create, same, replace, recreate or drop."""

    action: str
    order: tuple
    target: DbObject | None = None
    live: LiveObject | None = None
    indexes: tuple[list, list] = ([], [])  # reindex: (drops, creates)


def plan(
    declared: list[DbObject],
    candidates: dict[int, LiveObject | None],
    catalog: Catalog,
    altered: set[tuple[str, str, str]],
    default_schema: str,
) -> Plan:
    """The ops that bring ``catalog`` to ``declared`` around the table changes."""
    result = Plan()
    steps: dict[Ref | int, _Step] = {}
    live_by_key = {obj.key: obj for obj in catalog.objects}
    for number, obj in enumerate(declared):
        if obj.kind == "extension":
            if obj.name not in catalog.extensions:
                result.before.append(extension.CreateExtensionOp(obj.name, obj.schema))
            continue
        candidate = candidates.get(number)
        live = _match(obj, candidate, catalog.objects, live_by_key)
        order = (_RANK[obj.kind], number)
        if live is None:
            steps[number] = _Step("create", order, obj)
        elif candidate is not None and candidate.signature == live.signature:
            steps[live.ref] = _Step("same", order, obj, live)
        elif candidate is not None and _replaceable(obj, candidate, live):
            steps[live.ref] = _Step("replace", order, obj, live)
        elif candidate is not None and _only_indexes_differ(obj, candidate, live):
            changes = _index_changes(obj, candidate.declaration, live.declaration, default_schema)
            steps[live.ref] = _Step("reindex", order, obj, live, changes)
        else:
            steps[live.ref] = _Step("recreate", order, obj, live)
    _spread(catalog, steps, altered, managed=bool(declared))
    edges = _edges(catalog)
    gone = {k: s.order for k, s in steps.items() if s.action in ("recreate", "drop")}
    for key in reversed(_topological(gone, edges)):
        result.before.append(_create(steps[key].live.declaration, default_schema).reverse())
    made = {
        k: s.order
        for k, s in steps.items()
        if s.action in ("create", "recreate", "replace", "reindex")
    }
    for key in _topological(made, edges):
        step = steps[key]
        if step.action == "reindex":
            result.before += step.indexes[0]
            result.after += step.indexes[1]
        elif step.action == "replace":
            result.after.append(_replace(step.target, step.live.declaration, default_schema))
        else:
            result.after.append(_create(step.target, default_schema))
    _row_level_security(declared, catalog, bool(declared), default_schema, result)
    return result


def _match(obj, candidate, objects, live_by_key) -> LiveObject | None:
    """The live object a declaration describes (a function: same name and arguments)."""
    if obj.kind != "function":
        return live_by_key.get(key_of(obj))
    if candidate is not None:
        return live_by_key.get(key_of(obj, candidate.identity))
    same_name = [o for o in objects if o.key[:4] == key_of(obj)[:4]]
    return same_name[0] if len(same_name) == 1 else None


def _replaceable(obj: DbObject, candidate: LiveObject, live: LiveObject) -> bool:
    """CREATE OR REPLACE keeps a view's columns, a function's arguments and result."""
    if obj.kind != live.declaration.kind or obj.kind not in ("view", "function"):
        return False
    return candidate.shape == live.shape


def _only_indexes_differ(obj: DbObject, candidate: LiveObject, live: LiveObject) -> bool:
    """A materialized view whose query and columns stay: its indexes change alone."""
    if obj.kind != "materialized_view" or live.declaration.kind != obj.kind:
        return False
    return candidate.signature[0] == live.signature[0] and candidate.shape == live.shape


def _index_changes(obj, rendered, live, default_schema: str) -> tuple[list, list]:
    """Drops (before) and creates (after) of the indexes whose rendering differs."""
    schema = _schema(obj, default_schema)
    old = {(i.name, i.columns, i.unique) for i in live.indexes}
    new = {(i.name, i.columns, i.unique) for i in rendered.indexes}
    declared = {i.name: i for i in obj.indexes}
    make = materialized_view.CreateMaterializedViewIndexOp
    dropped = [make(obj.name, n, c, u, schema).reverse() for n, c, u in sorted(old - new)]
    added = [make(obj.name, n, declared[n].columns, u, schema) for n, _, u in sorted(new - old)]
    return dropped, added


def _spread(catalog: Catalog, steps: dict, altered: set, managed: bool) -> None:
    """Drop what no declaration names (``managed``), and drop and recreate what depends on
    something dropped or on a column in ``altered``."""
    live_by_ref = {obj.ref: obj for obj in catalog.objects}
    if managed:
        for ref, obj in live_by_ref.items():
            steps.setdefault(ref, _Step("drop", (_RANK[obj.declaration.kind], _LAST), live=obj))
    todo = [d.ref for d in catalog.depends if d.column in altered]
    todo += [ref for ref, step in steps.items() if step.action in ("recreate", "drop")]
    dependents: dict[Ref, set[Ref]] = {}
    for dependency in catalog.depends:
        dependents.setdefault(dependency.on, set()).add(dependency.ref)
    seen: set[Ref] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        obj = live_by_ref[ref]
        step = steps.get(ref)
        if step is None:
            order = (_RANK[obj.declaration.kind], _LAST)
            steps[ref] = _Step("recreate", order, obj.declaration, obj)
        elif step.action in ("same", "replace", "reindex"):
            step.action = "recreate"
        todo += dependents.get(ref, ())


def _edges(catalog: Catalog) -> dict:
    """ref -> the refs of the objects it depends on."""
    edges: dict = {}
    for dependency in catalog.depends:
        if dependency.ref != dependency.on:
            edges.setdefault(dependency.ref, set()).add(dependency.on)
    return edges


def _topological(keys: dict, edges: dict) -> list:
    """``keys`` (item -> priority), each after what it depends on, else by priority."""
    waiting = {item: set(edges.get(item, ())) & set(keys) for item in keys}
    users: dict = {}
    for item, needs in waiting.items():
        for need in needs:
            users.setdefault(need, set()).add(item)
    ready = [(keys[item], str(item), item) for item, needs in waiting.items() if not needs]
    heapq.heapify(ready)
    ordered = []
    while ready:
        *_, item = heapq.heappop(ready)
        ordered.append(item)
        for user in users.get(item, ()):
            waiting[user].discard(item)
            if not waiting[user]:
                heapq.heappush(ready, (keys[user], str(user), user))
    return ordered + [item for item in keys if item not in ordered]  # a cycle: as it is


def _row_level_security(declared, catalog, managed, default_schema, result: Plan) -> None:
    """ENABLE before a table's first policy; DISABLE once it has none (after the drops)."""

    def schema(name: str) -> str | None:
        return None if name == default_schema else name

    tables = {(obj.schema, obj.table) for obj in declared if obj.kind == "policy"}
    enables = [
        policy.EnableRowLevelSecurityOp(t, schema(s)) for s, t in sorted(tables - catalog.secured)
    ]
    first_policy = next(
        (i for i, op in enumerate(result.after) if isinstance(op, policy.CreatePolicyOp)),
        len(result.after),
    )
    result.after[first_policy:first_policy] = enables
    if managed:
        for name, table in sorted(catalog.secured - tables):
            result.before.append(policy.DisableRowLevelSecurityOp(table, schema(name)))


def _schema(obj: DbObject, default_schema: str) -> str | None:
    return None if obj.schema == default_schema else obj.schema


def _create(obj: DbObject, default_schema: str) -> MigrateOperation:
    schema = _schema(obj, default_schema)
    if obj.kind == "view":
        return view.CreateViewOp(obj.name, obj.definition, schema)
    if obj.kind == "materialized_view":
        indexes = [(i.name, i.columns, i.unique) for i in obj.indexes]
        return materialized_view.CreateMaterializedViewOp(
            obj.name, obj.definition, schema, obj.with_data, indexes
        )
    if obj.kind == "function":
        return function.CreateFunctionOp(obj.name, obj.arguments, obj.definition, schema)
    if obj.kind == "trigger":
        return trigger.CreateTriggerOp(obj.name, obj.table, obj.definition, schema)
    return policy.CreatePolicyOp(obj.name, obj.table, obj.definition, schema)


def _drop(live: LiveObject, default_schema: str) -> MigrateOperation:
    return _create(live.declaration, default_schema).reverse()


def _replace(obj: DbObject, previous: DbObject, default_schema: str) -> MigrateOperation:
    schema = _schema(obj, default_schema)
    if obj.kind == "view":
        return view.ReplaceViewOp(obj.name, obj.definition, previous.definition, schema)
    return function.ReplaceFunctionOp(
        obj.name, obj.arguments, obj.definition, previous.definition, schema
    )


def normalized(objects: list[DbObject], default_schema: str) -> list[DbObject]:
    """The declarations with the default schema filled in (extensions keep theirs)."""
    return [
        obj
        if obj.kind == "extension" or obj.schema
        else dataclasses.replace(obj, schema=default_schema)
        for obj in objects
    ]
