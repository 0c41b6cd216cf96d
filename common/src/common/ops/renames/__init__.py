"""``op.rename_index``, ``op.rename_constraint``, ``op.rename_sequence``: names in step.

One module per operation, named after it; ``_names`` holds what they share.
"""

from __future__ import annotations

from common.ops.renames.rename_constraint import RenameConstraintOp
from common.ops.renames.rename_index import RenameIndexOp
from common.ops.renames.rename_sequence import RenameSequenceOp

__all__ = ["RenameConstraintOp", "RenameIndexOp", "RenameSequenceOp"]
