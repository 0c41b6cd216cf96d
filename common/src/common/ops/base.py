"""What every workbench operation is to Alembic: a registered ``MigrateOperation`` that
describes itself, names its lock, has a diff tuple and an example.

Alembic's ``compare_metadata`` (``check``, the review's drift check) turns the operations
autogenerate produced into diff tuples with ``to_diff_tuple()``; a ``MigrateOperation``
without one raises NotImplementedError, so a comparator that emits a workbench step (an
enum value added, a schema created, a cast that needs a data migration) used to crash
``check`` on exactly the change it should report. Every workbench op derives from
``WorkbenchOp`` and is registered with ``register``, which also records the name the
operation has in scripts (``op.<name>``); its diff tuple is that name and the op's own
one-line description, the line ``check`` prints.

The review header reads each step's line, lock and destruction from the op itself
(``describe``, ``lock``, ``destroys``), so a new op brings its own header entry. Its
``example()`` is what the shared op test (``tests/test_ops_shared.py``) runs online and
offline against ``common.ops.examples`` and what the reference prints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, TypeVar

from alembic.operations import MigrateOperation, Operations

T = TypeVar("T", bound=type["WorkbenchOp"])


class WorkbenchOp(MigrateOperation):
    """A workbench step: ``describe()`` is its line in ``check`` and the review."""

    op_name: ClassVar[str] = ""
    #: False for a step that runs in ``autocommit_block()`` (CONCURRENTLY, batches):
    #: the steps before it are committed first, so the rewriters make them rerunnable.
    atomic: ClassVar[bool] = True

    #: databases (``postgresql``, ``sqlite``, ``mysql``) on which ``--sql`` refuses this
    #: step with one line, because writing it needs the database read first (SQLite's
    #: table copy, a MySQL column definition); online it runs there as usual.
    offline_refused: ClassVar[frozenset[str]] = frozenset()

    def describe(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} does not describe itself")

    def lock(self, dialect: str) -> str | None:
        """What this step locks on ``dialect`` (``postgresql``, ``mysql``, ``sqlite``), as
        the review header's ``lock:`` line; None means a brief catalog change on its table.
        """
        return None

    def destroys(self) -> str | None:
        """The data this step destroys, for the header's Destructive list; None: none."""
        return None

    def to_diff_tuple(self) -> tuple[str, str]:
        return (self.op_name, self.describe())

    @classmethod
    def example(cls) -> WorkbenchOp:
        """An instance that applies to ``common.ops.examples`` after ``example_setup()``."""
        raise NotImplementedError(f"{cls.__name__} has no example")

    @classmethod
    def example_setup(cls) -> list[MigrateOperation]:
        """Ops (Alembic's or the workbench's) that ``example()`` needs run first."""
        return []

    @classmethod
    def example_for(cls, dialect: str) -> WorkbenchOp:
        """The example on ``dialect``: ``example()``, unless the op's SQL is dialect-specific
        (a trigger body)."""
        return cls.example()

    @classmethod
    def example_setup_for(cls, dialect: str) -> list[MigrateOperation]:
        return cls.example_setup()


def register(name: str) -> Callable[[T], T]:
    """``Operations.register_operation(name)``, remembering ``name`` on the class."""

    def decorate(cls: T) -> T:
        cls.op_name = name
        return Operations.register_operation(name)(cls)

    return decorate
