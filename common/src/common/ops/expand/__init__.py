"""The steps ``create-migration --expand-contract`` writes besides Alembic's and the other
workbench ops: triggers that keep the old and the new shape of a column valid together
while both code versions run (``common.render.expand_contract`` places them)."""

from __future__ import annotations

from common.ops.expand.fill_nulls import CreateFillTriggerOp, DropFillTriggerOp
from common.ops.expand.sync_columns import CreateSyncTriggerOp, DropSyncTriggerOp

__all__ = ["CreateFillTriggerOp", "CreateSyncTriggerOp", "DropFillTriggerOp", "DropSyncTriggerOp"]
