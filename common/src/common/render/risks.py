"""``# REVIEW:`` notes on the risky operations a script still contains.

The safe patterns remove most of the risk; what remains needs a person: data that is
dropped, types rewritten under an exclusive lock, names that running clients still use.
Each note names the review rule (squawk's vocabulary, as ``review`` reports it) and says
what to check.
"""

from __future__ import annotations

from alembic.operations import ops

from common.render.expand_contract import SAFE
from common.render.notes import add_note
from common.render.regroup import tables_created
from common.render.renames import RenameColumnOp, RenameTableOp


def _note_table_change(op: ops.MigrateOperation, table: str, dialect: str, new: bool) -> None:
    if op.info.get(SAFE):
        return  # the contract of an expand/contract pair: the new code no longer needs it
    if isinstance(op, ops.DropColumnOp):
        add_note(
            op,
            f"ban-drop-column: drops {table}.{op.column_name} and its data for good; deploy "
            "code that no longer reads or writes it first",
        )
    elif isinstance(op, RenameColumnOp):
        add_note(
            op,
            f"renaming-column: {table}.{op.column_name} becomes {op.modify_name}; code still "
            "using the old name fails from this point: deploy it together",
        )
    elif isinstance(op, ops.AlterColumnOp) and op.modify_type is not None and not new:
        lock = "an ACCESS EXCLUSIVE lock" if dialect == "postgresql" else "a table copy"
        add_note(
            op,
            f"changing-column-type: {table}.{op.column_name} may rewrite the whole table "
            f"under {lock}; check existing values convert and time it on a copy",
        )


def note_risks(container: ops.OpContainer, dialect: str) -> None:
    """Add the notes for the upgrade's risky operations (downgrades undo; not annotated)."""
    created = tables_created(container)
    for op in container.ops:
        if isinstance(op, ops.DropTableOp):
            add_note(
                op,
                f"ban-drop-table: drops table {op.table_name} and every row in it; make sure "
                "nothing uses it and a backup exists",
            )
        elif isinstance(op, RenameTableOp) and not op.info.get(SAFE):
            add_note(
                op,
                f"renaming-table: {op.table_name} becomes {op.new_table_name}; code still "
                "using the old name fails from this point: deploy it together",
            )
        elif isinstance(op, ops.ModifyTableOps):
            for inner in op.ops:
                _note_table_change(inner, op.table_name, dialect, op.table_name in created)
