"""``WorkbenchCall``: a generated step that calls one of the workbench's operations.

The safe patterns are written as calls to ``op.batch_update``, ``op.set_not_null_safely``,
``op.create_index_concurrently`` and friends (``common.ops``). The rewriters build them as
plain name + arguments, so the script text is the whole contract: ``Code`` marks an
argument written as Python source (``sa.text("now()")``) instead of a literal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation


@dataclass(frozen=True)
class Code:
    """An argument rendered as this Python source."""

    source: str

    def __repr__(self) -> str:
        return self.source


class WorkbenchCall(MigrateOperation):
    """``op.<name>(*args, **kwargs)``; ``table`` is the table it works on."""

    def __init__(self, name: str, table: str, args: tuple = (), kwargs: dict | None = None) -> None:
        self.name = name
        self.table_name = table
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})

    def reverse(self) -> WorkbenchCall:
        return self

    def to_diff_tuple(self) -> tuple:
        return (self.name, self.table_name)


def _literal(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


@renderers.dispatch_for(WorkbenchCall)
def _render_call(autogen_context: Any, call: WorkbenchCall) -> str:
    parts = [_literal(arg) for arg in call.args]
    parts += [f"{key}={_literal(value)}" for key, value in call.kwargs.items()]
    return f"op.{call.name}({', '.join(parts)})"
