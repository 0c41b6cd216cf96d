"""``op.create_materialized_view`` / ``op.drop_materialized_view`` /
``op.refresh_materialized_view`` and ``op.create_materialized_view_index`` /
``op.drop_materialized_view_index`` (PostgreSQL only).

A materialized view has no CREATE OR REPLACE: a changed definition is a drop and a
create, and the create brings the view's indexes with it (``indexes``: ``(name,
columns, unique)`` triples, ``columns`` being what follows ``ON view``); an index
added or dropped alone is its own step, without rebuilding the view. ``with_data``
False creates it WITH NO DATA (instant; the first REFRESH fills it), True runs the
query inside the revision. A refresh without ``concurrently`` locks readers out for as
long as the query runs (review rule ``refresh-materialized-view-concurrently``).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import WorkbenchOp, register
from common.ops.objects.ddl import Name, ObjectDDL, Sql, call_text, require_postgresql

_WHAT = "materialized views"
_EXAMPLE = "SELECT owner_id, count(*) AS tickets FROM ticket GROUP BY owner_id"
_EXAMPLE_INDEXES = [("ticket_counts_owner", "(owner_id)", True)]

Index = tuple[str, str, bool]


def create_statements(name, definition, schema, with_data, indexes) -> list[ObjectDDL]:
    data = "WITH DATA" if with_data else "WITH NO DATA"
    statements = [
        ObjectDDL("CREATE MATERIALIZED VIEW", Name(name, schema), "AS", Sql(definition), data)
    ]
    for index_name, columns, unique in indexes:
        keyword = "CREATE UNIQUE INDEX" if unique else "CREATE INDEX"
        statements.append(
            ObjectDDL(keyword, Name(index_name), "ON", Name(name, schema), Sql(columns))
        )
    return statements


class _MaterializedViewOp(WorkbenchOp):
    def __init__(
        self,
        name: str,
        definition: str,
        schema: str | None = None,
        with_data: bool = True,
        indexes: list[Index] | tuple = (),
    ) -> None:
        self.name, self.definition, self.schema = name, definition, schema
        self.with_data = with_data
        self.indexes = [tuple(index) for index in indexes]

    def _args(self) -> tuple[tuple, dict]:
        return (self.name, self.definition), {
            "schema": self.schema,
            "with_data": None if self.with_data else False,
            "indexes": self.indexes or None,
        }


@register("create_materialized_view")
class CreateMaterializedViewOp(_MaterializedViewOp):
    """Create the materialized view ``schema.name`` and its indexes."""

    @classmethod
    def create_materialized_view(cls, operations: Operations, name, definition, **kw):
        return operations.invoke(cls(name, definition, **kw))

    def reverse(self) -> DropMaterializedViewOp:
        return DropMaterializedViewOp(
            self.name, self.definition, self.schema, self.with_data, self.indexes
        )

    def describe(self) -> str:
        data = "" if self.with_data else " (with no data)"
        return f"create materialized view {self.name}{data}"

    def lock(self, dialect: str) -> str | None:
        if self.with_data:
            return "runs the view's query inside the revision (reads its tables)"
        return None

    @classmethod
    def example(cls) -> CreateMaterializedViewOp:
        return cls("ticket_counts", _EXAMPLE, indexes=_EXAMPLE_INDEXES)


@register("drop_materialized_view")
class DropMaterializedViewOp(_MaterializedViewOp):
    """Drop the materialized view ``schema.name``; the downgrade recreates it."""

    @classmethod
    def drop_materialized_view(cls, operations: Operations, name, definition, **kw):
        return operations.invoke(cls(name, definition, **kw))

    def reverse(self) -> CreateMaterializedViewOp:
        return CreateMaterializedViewOp(
            self.name, self.definition, self.schema, self.with_data, self.indexes
        )

    def describe(self) -> str:
        return f"drop materialized view {self.name}"

    @classmethod
    def example(cls) -> DropMaterializedViewOp:
        return cls("ticket_counts", _EXAMPLE, indexes=_EXAMPLE_INDEXES)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateMaterializedViewOp("ticket_counts", _EXAMPLE, indexes=_EXAMPLE_INDEXES)]


@register("refresh_materialized_view")
class RefreshMaterializedViewOp(WorkbenchOp):
    """REFRESH MATERIALIZED VIEW [CONCURRENTLY] ``schema.name``."""

    def __init__(self, name: str, schema: str | None = None, concurrently: bool = False):
        self.name, self.schema, self.concurrently = name, schema, concurrently

    @classmethod
    def refresh_materialized_view(cls, operations: Operations, name, schema=None, **kw):
        return operations.invoke(cls(name, schema, **kw))

    def reverse(self) -> RefreshMaterializedViewOp:
        return self

    def describe(self) -> str:
        how = " concurrently" if self.concurrently else ""
        return f"refresh materialized view {self.name}{how}"

    def lock(self, dialect: str) -> str | None:
        if self.concurrently:
            return "EXCLUSIVE on the view while its query runs (reads go on)"
        return "ACCESS EXCLUSIVE on the view while its query runs (reads wait)"

    @classmethod
    def example(cls) -> RefreshMaterializedViewOp:
        return cls("ticket_counts", concurrently=True)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateMaterializedViewOp("ticket_counts", _EXAMPLE, indexes=_EXAMPLE_INDEXES)]


class _IndexOp(WorkbenchOp):
    def __init__(self, view, name, columns, unique=False, schema=None) -> None:
        self.view, self.name, self.columns = view, name, columns
        self.unique, self.schema = unique, schema


@register("create_materialized_view_index")
class CreateMaterializedViewIndexOp(_IndexOp):
    """An index added to an existing materialized view (the view is not rebuilt)."""

    @classmethod
    def create_materialized_view_index(cls, operations, view, name, columns, **kw):
        return operations.invoke(cls(view, name, columns, **kw))

    def reverse(self) -> DropMaterializedViewIndexOp:
        return DropMaterializedViewIndexOp(
            self.view, self.name, self.columns, self.unique, self.schema
        )

    def describe(self) -> str:
        return f"create index {self.name} on materialized view {self.view}"

    def lock(self, dialect: str) -> str | None:
        return f"SHARE on {self.view} while the index builds (refreshes wait)"

    @classmethod
    def example(cls) -> CreateMaterializedViewIndexOp:
        return cls("ticket_counts", "ticket_counts_tickets", "(tickets)")

    @classmethod
    def example_setup(cls) -> list:
        return [CreateMaterializedViewOp("ticket_counts", _EXAMPLE, indexes=_EXAMPLE_INDEXES)]


@register("drop_materialized_view_index")
class DropMaterializedViewIndexOp(_IndexOp):
    """An index dropped from a materialized view; the downgrade builds it again."""

    @classmethod
    def drop_materialized_view_index(cls, operations, view, name, columns, **kw):
        return operations.invoke(cls(view, name, columns, **kw))

    def reverse(self) -> CreateMaterializedViewIndexOp:
        return CreateMaterializedViewIndexOp(
            self.view, self.name, self.columns, self.unique, self.schema
        )

    def describe(self) -> str:
        return f"drop index {self.name} on materialized view {self.view}"

    @classmethod
    def example(cls) -> DropMaterializedViewIndexOp:
        return cls("ticket_counts", "ticket_counts_owner", "(owner_id)", unique=True)

    @classmethod
    def example_setup(cls) -> list:
        return [CreateMaterializedViewOp("ticket_counts", _EXAMPLE, indexes=_EXAMPLE_INDEXES)]


@Operations.implementation_for(CreateMaterializedViewOp)
def _create(operations: Operations, op: CreateMaterializedViewOp) -> None:
    require_postgresql(operations, _WHAT)
    for statement in create_statements(op.name, op.definition, op.schema, op.with_data, op.indexes):
        operations.execute(statement)


@Operations.implementation_for(DropMaterializedViewOp)
def _drop(operations: Operations, op: DropMaterializedViewOp) -> None:
    require_postgresql(operations, _WHAT)
    operations.execute(ObjectDDL("DROP MATERIALIZED VIEW", Name(op.name, op.schema)))


@Operations.implementation_for(RefreshMaterializedViewOp)
def _refresh(operations: Operations, op: RefreshMaterializedViewOp) -> None:
    require_postgresql(operations, _WHAT)
    how = "CONCURRENTLY" if op.concurrently else None
    operations.execute(ObjectDDL("REFRESH MATERIALIZED VIEW", how, Name(op.name, op.schema)))


@Operations.implementation_for(CreateMaterializedViewIndexOp)
def _create_index(operations: Operations, op: CreateMaterializedViewIndexOp) -> None:
    require_postgresql(operations, _WHAT)
    keyword = "CREATE UNIQUE INDEX" if op.unique else "CREATE INDEX"
    view = Name(op.view, op.schema)
    operations.execute(ObjectDDL(keyword, Name(op.name), "ON", view, Sql(op.columns)))


@Operations.implementation_for(DropMaterializedViewIndexOp)
def _drop_index(operations: Operations, op: DropMaterializedViewIndexOp) -> None:
    require_postgresql(operations, _WHAT)
    operations.execute(ObjectDDL("DROP INDEX", Name(op.name, op.schema)))


def _index_call(name: str, op: _IndexOp) -> str:
    unique = True if op.unique else None
    return call_text(name, op.view, op.name, op.columns, unique=unique, schema=op.schema)


@renderers.dispatch_for(CreateMaterializedViewIndexOp)
def _render_create_index(autogen_context: Any, op: CreateMaterializedViewIndexOp) -> str:
    return _index_call("create_materialized_view_index", op)


@renderers.dispatch_for(DropMaterializedViewIndexOp)
def _render_drop_index(autogen_context: Any, op: DropMaterializedViewIndexOp) -> str:
    return _index_call("drop_materialized_view_index", op)


@renderers.dispatch_for(CreateMaterializedViewOp)
def _render_create(autogen_context: Any, op: CreateMaterializedViewOp) -> str:
    args, kwargs = op._args()
    return call_text("create_materialized_view", *args, **kwargs)


@renderers.dispatch_for(DropMaterializedViewOp)
def _render_drop(autogen_context: Any, op: DropMaterializedViewOp) -> str:
    args, kwargs = op._args()
    return call_text("drop_materialized_view", *args, **kwargs)


@renderers.dispatch_for(RefreshMaterializedViewOp)
def _render_refresh(autogen_context: Any, op: RefreshMaterializedViewOp) -> str:
    return call_text(
        "refresh_materialized_view", op.name, schema=op.schema, concurrently=op.concurrently or None
    )
