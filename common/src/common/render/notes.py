"""Review notes: why an operation needs a person's eyes, carried in ``op.info``.

Any rewriter (or comparator) adds a note with ``add_note(op, text)``; when the script is
rendered, each note becomes a ``# REVIEW: <text>`` comment on the line before its
operation (``ReviewNoteOp``), and the review header lists them all.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import renderers
from alembic.operations import MigrateOperation, ops

KEY = "review"
PATH = "workbench_path"  # which way a step was rendered and why: the header says it
ACKNOWLEDGED = "review_acknowledged"  # (rule id, reason) pairs: a finding the step expects


def add_note(op: MigrateOperation, text: str) -> None:
    if KEY not in (op.info or {}):
        # a table op's ``info`` is its Table's ``info`` dict: never write notes into that
        op.info = {**(op.info or {}), KEY: []}
    notes = op.info[KEY]
    if text not in notes:
        notes.append(text)


def acknowledge(op: MigrateOperation, rule: str, reason: str) -> None:
    """Write ``# review: ignore[rule] reason`` before ``op``: a finding the generator knows
    is wrong for this step (e.g. renaming a column no code ever used)."""
    op.info = {
        **(op.info or {}),
        ACKNOWLEDGED: [*(op.info or {}).get(ACKNOWLEDGED, []), (rule, reason)],
    }


def set_path(op: MigrateOperation, text: str) -> None:
    """Say why ``op`` is rendered the way it is (not a finding: nothing to check by hand);
    the review header prints it beside the step."""
    op.info = {**(op.info or {}), PATH: text}


def path_of(op: MigrateOperation) -> str | None:
    return (op.info or {}).get(PATH)


def notes_of(op: MigrateOperation) -> list[str]:
    return list((op.info or {}).get(KEY, []))


class ReviewNoteOp(MigrateOperation):
    """A ``# REVIEW:`` comment line; renders as a comment, runs as nothing."""

    def __init__(self, text: str) -> None:
        self.text = text

    def reverse(self) -> ReviewNoteOp:
        return self

    def to_diff_tuple(self) -> tuple:
        return ()


class AcknowledgementOp(ReviewNoteOp):
    """A ``# review: ignore[rule] reason`` comment line; runs as nothing."""


@renderers.dispatch_for(ReviewNoteOp)
def _render_note(autogen_context: Any, note: ReviewNoteOp) -> str:
    return "# REVIEW: " + " ".join(note.text.split())


@renderers.dispatch_for(AcknowledgementOp)
def _render_acknowledgement(autogen_context: Any, note: AcknowledgementOp) -> str:
    return " ".join(note.text.split())


def place_notes(container: ops.OpContainer) -> None:
    """Insert a ``ReviewNoteOp`` before every operation that carries notes."""
    placed: list[MigrateOperation] = []
    for op in container.ops:
        if isinstance(op, ops.ModifyTableOps):
            place_notes(op)
        placed.extend(ReviewNoteOp(text) for text in notes_of(op))
        acknowledged = (op.info or {}).get(ACKNOWLEDGED, [])
        placed.extend(AcknowledgementOp(f"# review: ignore[{r}] {why}") for r, why in acknowledged)
        placed.append(op)
    container.ops = placed
