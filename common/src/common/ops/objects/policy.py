"""``op.create_policy`` / ``op.drop_policy`` and ``op.enable_row_level_security`` /
``op.disable_row_level_security`` (PostgreSQL only).

A policy does nothing until its table has ROW LEVEL SECURITY enabled, and enabling it
on a table without policies hides every row from everyone but the owner; so
common.autogen.objects enables it before a table's first declared policy is created and
disables it after its last one is dropped. ``definition`` follows ``ON table``: AS
PERMISSIVE/RESTRICTIVE, FOR command, TO roles, USING (...), WITH CHECK (...). PostgreSQL
has no CREATE OR REPLACE POLICY: a changed policy is dropped and created again.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import WorkbenchOp, register
from common.ops.objects.ddl import Name, ObjectDDL, Sql, call_text, require_postgresql

_WHAT = "row-level security policies"
_EXAMPLE = "FOR SELECT TO PUBLIC USING (owner_id = 1)"


class _PolicyOp(WorkbenchOp):
    def __init__(self, name: str, table: str, definition: str, schema: str | None = None):
        self.name, self.table, self.definition, self.schema = name, table, definition, schema

    def _render(self, name: str) -> str:
        return call_text(name, self.name, self.table, self.definition, schema=self.schema)


@register("create_policy")
class CreatePolicyOp(_PolicyOp):
    """Create the policy ``name`` on ``table``."""

    @classmethod
    def create_policy(cls, operations: Operations, name, table, definition, schema=None):
        return operations.invoke(cls(name, table, definition, schema))

    def reverse(self) -> DropPolicyOp:
        return DropPolicyOp(self.name, self.table, self.definition, self.schema)

    def describe(self) -> str:
        return f"create policy {self.name} on {self.table}"

    @classmethod
    def example(cls) -> CreatePolicyOp:
        return cls("own_tickets", "ticket", _EXAMPLE)


@register("drop_policy")
class DropPolicyOp(_PolicyOp):
    """Drop the policy ``name`` of ``table``; ``definition`` recreates it in the downgrade."""

    @classmethod
    def drop_policy(cls, operations: Operations, name, table, definition, schema=None):
        return operations.invoke(cls(name, table, definition, schema))

    def reverse(self) -> CreatePolicyOp:
        return CreatePolicyOp(self.name, self.table, self.definition, self.schema)

    def describe(self) -> str:
        return f"drop policy {self.name} on {self.table}"

    @classmethod
    def example(cls) -> DropPolicyOp:
        return cls("own_tickets", "ticket", _EXAMPLE)

    @classmethod
    def example_setup(cls) -> list:
        return [CreatePolicyOp("own_tickets", "ticket", _EXAMPLE)]


class _SecurityOp(WorkbenchOp):
    def __init__(self, table: str, schema: str | None = None) -> None:
        self.table, self.schema = table, schema

    @classmethod
    def example(cls) -> _SecurityOp:
        return cls("ticket")


@register("enable_row_level_security")
class EnableRowLevelSecurityOp(_SecurityOp):
    """ALTER TABLE ``table`` ENABLE ROW LEVEL SECURITY: its policies start to apply."""

    @classmethod
    def enable_row_level_security(cls, operations: Operations, table, schema=None):
        return operations.invoke(cls(table, schema))

    def reverse(self) -> DisableRowLevelSecurityOp:
        return DisableRowLevelSecurityOp(self.table, self.schema)

    def describe(self) -> str:
        return f"enable row level security on {self.table}"


@register("disable_row_level_security")
class DisableRowLevelSecurityOp(_SecurityOp):
    """ALTER TABLE ``table`` DISABLE ROW LEVEL SECURITY: every row visible again."""

    @classmethod
    def disable_row_level_security(cls, operations: Operations, table, schema=None):
        return operations.invoke(cls(table, schema))

    def reverse(self) -> EnableRowLevelSecurityOp:
        return EnableRowLevelSecurityOp(self.table, self.schema)

    def describe(self) -> str:
        return f"disable row level security on {self.table}"

    @classmethod
    def example_setup(cls) -> list:
        return [EnableRowLevelSecurityOp("ticket")]


@Operations.implementation_for(CreatePolicyOp)
def _create(operations: Operations, op: CreatePolicyOp) -> None:
    require_postgresql(operations, _WHAT)
    table = Name(op.table, op.schema)
    operations.execute(ObjectDDL("CREATE POLICY", Name(op.name), "ON", table, Sql(op.definition)))


@Operations.implementation_for(DropPolicyOp)
def _drop(operations: Operations, op: DropPolicyOp) -> None:
    require_postgresql(operations, _WHAT)
    operations.execute(ObjectDDL("DROP POLICY", Name(op.name), "ON", Name(op.table, op.schema)))


def _security(operations: Operations, op: _SecurityOp, action: str) -> None:
    require_postgresql(operations, _WHAT)
    table = Name(op.table, op.schema)
    operations.execute(ObjectDDL("ALTER TABLE", table, action, "ROW LEVEL SECURITY"))


@Operations.implementation_for(EnableRowLevelSecurityOp)
def _enable(operations: Operations, op: EnableRowLevelSecurityOp) -> None:
    _security(operations, op, "ENABLE")


@Operations.implementation_for(DisableRowLevelSecurityOp)
def _disable(operations: Operations, op: DisableRowLevelSecurityOp) -> None:
    _security(operations, op, "DISABLE")


@renderers.dispatch_for(CreatePolicyOp)
def _render_create(autogen_context: Any, op: CreatePolicyOp) -> str:
    return op._render("create_policy")


@renderers.dispatch_for(DropPolicyOp)
def _render_drop(autogen_context: Any, op: DropPolicyOp) -> str:
    return op._render("drop_policy")


@renderers.dispatch_for(EnableRowLevelSecurityOp)
def _render_enable(autogen_context: Any, op: EnableRowLevelSecurityOp) -> str:
    return call_text("enable_row_level_security", op.table, schema=op.schema)


@renderers.dispatch_for(DisableRowLevelSecurityOp)
def _render_disable(autogen_context: Any, op: DisableRowLevelSecurityOp) -> str:
    return call_text("disable_row_level_security", op.table, schema=op.schema)
