"""Asking whether a dropped and an added column (or table) are really one rename.

Autogenerate sees a renamed column as one column dropped and another added, which would
lose the column's data. Whoever runs ``create-migration`` knows better, so the rename
rewriter asks a questioner (the model is Django's ``migrations/questioner.py``):

- ``RenameQuestioner``: answers from a dict (``--rename`` hints, tests); never asks.
- ``InteractiveRenameQuestioner``: the same dict first, then the terminal. Questions go
  to stderr (``create-migration`` keeps stdout for the path of the written file).

The questioner says no when it cannot ask; the rewriter then keeps drop+add and writes a
``# REVIEW:`` note naming the ``--rename`` flag that would have made it a rename.
"""

from __future__ import annotations

import sys
from typing import TextIO

ATTRIBUTE = "workbench_rename_questioner"


class RenameQuestioner:
    """Answers rename questions from ``answers``: ``{"task.title": "name", "task": "todo"}``."""

    interactive = False

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.answers = dict(answers or {})
        self.asked: list[str] = []

    def ask_rename_column(self, table: str, old: str, new: str) -> bool:
        """Did you rename {table}.{old} to {table}.{new}? [y/N]"""
        if self.answers.get(f"{table}.{old}") == new:
            return True
        return self._ask(self.ask_rename_column.__doc__.format(table=table, old=old, new=new))

    def ask_rename_table(self, old: str, new: str) -> bool:
        """Did you rename table {old} to {new}? [y/N]"""
        if self.answers.get(old) == new:
            return True
        return self._ask(self.ask_rename_table.__doc__.format(old=old, new=new))

    def _ask(self, question: str) -> bool:
        return False


class InteractiveRenameQuestioner(RenameQuestioner):
    """Asks on the terminal what the hints do not answer."""

    interactive = True

    def __init__(
        self,
        answers: dict[str, str] | None = None,
        stdin: TextIO | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        super().__init__(answers)
        self.stdin = stdin or sys.stdin
        self.stderr = stderr or sys.stderr

    def _ask(self, question: str) -> bool:
        self.asked.append(question)
        self.stderr.write(question + " ")
        self.stderr.flush()
        reply = self.stdin.readline()
        return reply.strip().lower() in ("y", "yes")


def questioner_for(answers: dict[str, str], stdin: TextIO | None = None) -> RenameQuestioner:
    """Interactive only when stdin is a terminal: scripts and CI never block on a question."""
    stream = stdin or sys.stdin
    if stream is not None and stream.isatty():
        return InteractiveRenameQuestioner(answers, stdin=stream)
    return RenameQuestioner(answers)
