"""Every workbench operation is a registered ``WorkbenchOp`` that describes itself.

``check`` and the review print an op's ``describe()`` through its ``to_diff_tuple()``; an op
without one would crash them (Alembic raises NotImplementedError), so this is checked
for every op the package defines, not only those a comparator emits today.
"""

from __future__ import annotations

from alembic.operations import Operations

from common.ops.base import WorkbenchOp
from tests.test_ops_shared import OPS  # every op the package defines


def test_every_op_is_registered_and_describes_itself():
    ops = OPS
    assert len(ops) >= 20, [op.__name__ for op in ops]
    for op in ops:
        assert hasattr(Operations, op.op_name), op
        assert op.describe is not WorkbenchOp.describe, f"{op.__name__} has no describe()"


def test_the_diff_tuple_is_the_name_and_the_line():
    from common.ops.enums import AddEnumValueOp

    op = AddEnumValueOp("status", "c", after="b", schema="billing")
    assert op.to_diff_tuple() == (
        "add_enum_value",
        "add value 'c' to enum type status in schema billing",
    )
