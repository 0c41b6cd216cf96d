"""What every workbench operation is to Alembic: a registered ``MigrateOperation`` that
describes itself and has a diff tuple.

Alembic's ``compare_metadata`` (``check``, the review's drift check) turns the operations
autogenerate produced into diff tuples with ``to_diff_tuple()``; a ``MigrateOperation``
without one raises NotImplementedError, so a comparator that emits a workbench step (an
enum value added, a schema created, a cast that needs a data migration) used to crash
``check`` on exactly the change it should report. Every workbench op derives from
``WorkbenchOp`` and is registered with ``register``, which also records the name the
operation has in scripts (``op.<name>``); its diff tuple is that name and the op's own
one-line description, the line ``check`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from alembic.operations import MigrateOperation, Operations

T = TypeVar("T", bound=type["WorkbenchOp"])


class WorkbenchOp(MigrateOperation):
    """A workbench step: ``describe()`` is its line in ``check`` and the review."""

    op_name: ClassVar[str] = ""

    def describe(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} does not describe itself")

    def to_diff_tuple(self) -> tuple[str, str]:
        return (self.op_name, self.describe())


def register(name: str) -> Callable[[T], T]:
    """``Operations.register_operation(name)``, remembering ``name`` on the class."""

    def decorate(cls: T) -> T:
        cls.op_name = name
        return Operations.register_operation(name)(cls)

    return decorate
