"""What the expand triggers share: a trigger function and its BEFORE ROW trigger, created
together and dropped together, on PostgreSQL only.

The two are one step for the reviewer and for the contract (which drops "whatever the
expand created"): a function left behind would be dead code nobody knows the origin of.
Other databases refuse in one line, online and offline alike; ``create-migration
--expand-contract`` refuses them before it writes anything.
"""

from __future__ import annotations

from alembic.operations import Operations

from common.ops.base import WorkbenchOp
from common.ops.expand._body import trigger_definition
from common.ops.objects.ddl import Name, ObjectDDL, Sql, require_postgresql

WHAT = "expand/contract triggers"


class TriggerPairOp(WorkbenchOp):
    """A function ``name()`` and the trigger ``name`` on ``table_name`` that runs it."""

    name: str
    table_name: str
    schema: str | None

    def body(self) -> str:
        raise NotImplementedError

    def lock(self, dialect: str) -> str | None:
        if dialect == "postgresql":
            return f"SHARE ROW EXCLUSIVE on {self.table_name}, brief (writes wait)"
        return None


def create_pair(operations: Operations, op: TriggerPairOp) -> None:
    """Rerunnable: the expand's later steps commit on their own (batches), so a rerun after
    one of them failed meets the pair already there (replaced, in one transaction)."""
    require_postgresql(operations, WHAT)
    function = Name(op.name, op.schema, "")
    operations.execute(ObjectDDL("CREATE OR REPLACE FUNCTION", function, Sql(op.body())))
    table = Name(op.table_name, op.schema)
    operations.execute(ObjectDDL("DROP TRIGGER IF EXISTS", Name(op.name), "ON", table))
    definition = trigger_definition(op.table_name, op.name, op.schema)
    operations.execute(ObjectDDL("CREATE TRIGGER", Name(op.name), Sql(definition)))


def drop_pair(operations: Operations, op: TriggerPairOp) -> None:
    require_postgresql(operations, WHAT)
    table = Name(op.table_name, op.schema)
    operations.execute(ObjectDDL("DROP TRIGGER IF EXISTS", Name(op.name), "ON", table))
    operations.execute(ObjectDDL("DROP FUNCTION IF EXISTS", Name(op.name, op.schema, "")))
