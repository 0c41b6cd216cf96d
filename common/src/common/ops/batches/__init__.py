"""The batch ops: UPDATE, DELETE and column copy walked by primary key, one module each.

``_engine`` walks (keyset ``_keyset``, checkpoints ``_checkpoint``, sizes ``_sizing``,
progress ``_progress``); ``_op`` is what the three ops share, online and offline.
"""

from __future__ import annotations

from common.ops.batches._engine import BatchResult
from common.ops.batches.batch_copy_column import BatchCopyColumnOp, batch_copy_column
from common.ops.batches.batch_delete import BatchDeleteOp, batch_delete
from common.ops.batches.batch_update import BatchUpdateOp, batch_update

__all__ = [
    "BatchCopyColumnOp",
    "BatchDeleteOp",
    "BatchResult",
    "BatchUpdateOp",
    "batch_copy_column",
    "batch_delete",
    "batch_update",
]
