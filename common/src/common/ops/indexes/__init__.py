"""Index DDL that never blocks writes: CREATE / DROP / REINDEX ... CONCURRENTLY.

One module per operation, named after it; ``_state`` holds what they read first
(``pg_index`` validity, the INVALID leftovers of failed builds) and the options each
database accepts. The plain functions are re-exported by ``common.ops``, not here: a
package attribute named like its submodule would hide the module.
"""

from __future__ import annotations

from common.ops.indexes._state import index_state
from common.ops.indexes.create_index_concurrently import CreateIndexConcurrentlyOp
from common.ops.indexes.drop_index_concurrently import DropIndexConcurrentlyOp
from common.ops.indexes.reindex_concurrently import ReindexConcurrentlyOp

__all__ = [
    "CreateIndexConcurrentlyOp",
    "DropIndexConcurrentlyOp",
    "ReindexConcurrentlyOp",
    "index_state",
]
