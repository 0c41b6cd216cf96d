"""Constraints added without a long lock: NOT VALID first, VALIDATE in a separate step.

One module per operation, named after it; ``_state`` holds what they read first
(``pg_constraint``) and why each step is a short transaction of its own. SET NOT NULL
reuses a validated CHECK, and a unique constraint adopts an index built concurrently.
The plain functions are re-exported by ``common.ops`` (see ``common.ops.indexes``).
"""

from __future__ import annotations

from common.ops.constraints.add_unique_constraint_concurrently import (
    AddUniqueConstraintConcurrentlyOp,
)
from common.ops.constraints.create_check_constraint_not_valid import (
    CreateCheckConstraintNotValidOp,
)
from common.ops.constraints.create_foreign_key_not_valid import CreateForeignKeyNotValidOp
from common.ops.constraints.set_not_null_safely import SetNotNullSafelyOp
from common.ops.constraints.validate_constraint import ValidateConstraintOp

__all__ = [
    "AddUniqueConstraintConcurrentlyOp",
    "CreateCheckConstraintNotValidOp",
    "CreateForeignKeyNotValidOp",
    "SetNotNullSafelyOp",
    "ValidateConstraintOp",
]
