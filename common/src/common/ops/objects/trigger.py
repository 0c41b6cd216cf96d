"""``op.create_trigger`` / ``op.drop_trigger``: a trigger, on every dialect that has them.

``definition`` is what follows ``CREATE TRIGGER name``: on PostgreSQL the timing, events,
``ON table``, FOR EACH ROW/STATEMENT, WHEN and EXECUTE FUNCTION; on MySQL and SQLite the
timing, event, ``ON table`` and the body. A changed trigger is dropped and created again
in the revision's transaction (on PostgreSQL no write slips between the two). Creating
one takes SHARE ROW EXCLUSIVE on its table (writes wait, reads go on) and every later
write to the table runs it (review rule ``trigger-on-large-table``).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import Operations

from common.ops.base import WorkbenchOp, register
from common.ops.objects.ddl import Name, ObjectDDL, Sql, call_text, dialect_of

_EXAMPLES = {
    "postgresql": "AFTER INSERT ON ticket FOR EACH STATEMENT EXECUTE FUNCTION ticket_noop()",
    "other": "AFTER INSERT ON ticket FOR EACH ROW BEGIN UPDATE person SET email = email "
    "WHERE id = 0; END",
}
_NOOP = "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"


def _setup(dialect: str) -> list:
    if dialect != "postgresql":
        return []
    from common.ops.objects.function import CreateFunctionOp

    return [CreateFunctionOp("ticket_noop", "", _NOOP)]


class _TriggerOp(WorkbenchOp):
    def __init__(self, name: str, table: str, definition: str, schema: str | None = None):
        self.name, self.table, self.definition, self.schema = name, table, definition, schema

    def lock(self, dialect: str) -> str | None:
        if dialect == "postgresql":
            return f"SHARE ROW EXCLUSIVE on {self.table} (writes wait)"
        return None

    @classmethod
    def example_for(cls, dialect: str) -> _TriggerOp:
        key = "postgresql" if dialect == "postgresql" else "other"
        return cls("ticket_added", "ticket", _EXAMPLES[key])

    @classmethod
    def example(cls) -> _TriggerOp:
        return cls.example_for("postgresql")

    def _render(self, name: str) -> str:
        return call_text(name, self.name, self.table, self.definition, schema=self.schema)


@register("create_trigger")
class CreateTriggerOp(_TriggerOp):
    """Create the trigger ``name`` on ``table``."""

    @classmethod
    def create_trigger(cls, operations: Operations, name, table, definition, schema=None):
        return operations.invoke(cls(name, table, definition, schema))

    def reverse(self) -> DropTriggerOp:
        return DropTriggerOp(self.name, self.table, self.definition, self.schema)

    def describe(self) -> str:
        return f"create trigger {self.name} on {self.table}"

    @classmethod
    def example_setup_for(cls, dialect: str) -> list:
        return _setup(dialect)


@register("drop_trigger")
class DropTriggerOp(_TriggerOp):
    """Drop the trigger ``name`` of ``table``; ``definition`` recreates it in the downgrade."""

    @classmethod
    def drop_trigger(cls, operations: Operations, name, table, definition, schema=None):
        return operations.invoke(cls(name, table, definition, schema))

    def reverse(self) -> CreateTriggerOp:
        return CreateTriggerOp(self.name, self.table, self.definition, self.schema)

    def describe(self) -> str:
        return f"drop trigger {self.name} on {self.table}"

    @classmethod
    def example_setup_for(cls, dialect: str) -> list:
        return [*_setup(dialect), CreateTriggerOp.example_for(dialect)]


@Operations.implementation_for(CreateTriggerOp)
def _create(operations: Operations, op: CreateTriggerOp) -> None:
    operations.execute(ObjectDDL("CREATE TRIGGER", Name(op.name), Sql(op.definition)))


@Operations.implementation_for(DropTriggerOp)
def _drop(operations: Operations, op: DropTriggerOp) -> None:
    if dialect_of(operations) == "postgresql":
        statement = ObjectDDL("DROP TRIGGER", Name(op.name), "ON", Name(op.table, op.schema))
    else:
        statement = ObjectDDL("DROP TRIGGER", Name(op.name, op.schema))
    operations.execute(statement)


@renderers.dispatch_for(CreateTriggerOp)
def _render_create(autogen_context: Any, op: CreateTriggerOp) -> str:
    return op._render("create_trigger")


@renderers.dispatch_for(DropTriggerOp)
def _render_drop(autogen_context: Any, op: DropTriggerOp) -> str:
    return op._render("drop_trigger")
