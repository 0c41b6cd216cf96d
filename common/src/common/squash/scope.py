"""What a squash may replace, and the refusals: each one line that names the fix.

The squashed revision takes REV's id, so the revisions after REV keep their
``down_revision`` and a database at REV or beyond is at the squash already. What cannot
be squashed:

- several heads: which branch would the squash belong to;
- a revision after REV that starts from inside the range other than at REV (it would
  lose its parent);
- a data migration inside the range: the squash rebuilds the schema only, so its rows
  would be dropped silently (an ``INSERT``/``UPDATE``/``DELETE``/``MERGE`` it emits, or a
  workbench batch operation);
- raw SQL (``op.execute``) for anything but tables, indexes, constraints and enum types:
  views, functions, triggers, extensions are not reflected, so the squash would lose them
  (raw table DDL is allowed: the proof compares what it builds);
- a database that applied part of the range: its revision would no longer exist.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import Script, ScriptDirectory
from alembic.util import to_tuple
from pglast import ast

from common.errors import InvalidInputError, RevisionStateError
from common.revisions import DatabaseState, resolve_revision, single_head

DATA_OPS = {"batch_update", "batch_delete", "batch_copy_column", "bulk_insert"}
_DML = (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt, ast.MergeStmt, ast.CopyStmt)
# raw statements about what the snapshots compare (tables, columns, indexes, constraints,
# enum types): the proof catches what the squash would miss of these
_TABLE_DDL = (
    ast.CreateStmt,
    ast.AlterTableStmt,
    ast.IndexStmt,
    ast.DropStmt,
    ast.RenameStmt,
    ast.CommentStmt,
    ast.CreateEnumStmt,
    ast.AlterEnumStmt,
)


def squash_range(script: ScriptDirectory, upto: str) -> list[Script]:
    """The revisions up to ``upto``, oldest first, once the history allows a squash."""
    single_head(script)
    rev = resolve_revision(script, upto)
    if rev in ("head", "heads"):
        rev = script.get_current_head() or ""
    if rev == "base" or not rev or rev.startswith(("+", "-")):
        raise InvalidInputError(
            f"--upto {upto!r} does not name a revision to squash up to.",
            "give a revision id, e.g. --upto 0042 (uvx invoke history lists them).",
        )
    chain = list(reversed(list(script.iterate_revisions(rev, "base"))))
    if len(chain) < 2:
        raise InvalidInputError(
            f"{rev} is the first revision: there is nothing to squash it with.",
            "name a later revision with --upto.",
        )
    ids = {r.revision for r in chain}
    for later in script.walk_revisions():
        parents = set(to_tuple(later.down_revision, default=())) & ids - {rev}
        if later.revision not in ids and parents:
            raise RevisionStateError(
                f"{Path(later.path).name} starts from {', '.join(sorted(parents))}, inside "
                f"the squashed range but not at its end {rev}.",
                "squash up to a revision every later one descends from.",
            )
    return chain


def refuse_unsquashable(chain: list[Script]) -> None:
    """A revision in the range that changes rows, or runs raw SQL for objects the squash
    cannot rebuild (views, functions, triggers...: reflection does not see them)."""
    from common.review.analysis import analyse

    for unit in analyse(chain):
        for statement in unit.up:
            what = _unsquashable(statement)
            if what is None:
                continue
            before = _previous(chain, unit.revision)
            fix = (
                f"squash up to the revision before it (--upto {before})"
                if before
                else "it is too early in the history to squash anything before it."
            )
            if what[1]:
                problem = "is a data migration"
                why = "a squash rebuilds the schema only and would drop it silently."
            else:
                problem = "runs raw SQL the squash cannot rebuild"
                why = "a squash rebuilds the reflected tables only and would drop it."
            raise InvalidInputError(
                f"{unit.path.name} {problem} ({what[0]} at line {statement.line}): {why}", fix
            )


def _unsquashable(statement) -> tuple[str, bool] | None:
    """(what, is data) for a statement a squash cannot carry, else None."""
    if statement.op in DATA_OPS:
        return statement.op, True
    if isinstance(statement.node, _DML):
        return statement.sql.split()[0].upper(), True
    if statement.op == "execute" and not isinstance(statement.node, _TABLE_DDL):
        return " ".join(statement.sql.split()[:2]).upper(), False
    return None


def _previous(chain: list[Script], revision: str) -> str | None:
    ids = [r.revision for r in chain]
    position = ids.index(revision)
    return ids[position - 1] if position > 1 else None


def refuse_partly_applied(state: DatabaseState, chain: list[Script], where: str) -> None:
    """The configured database must be empty or have applied all of the range."""
    applied = {r.revision for r in state.applied}
    rev = chain[-1].revision
    if state.current and rev not in applied:
        raise RevisionStateError(
            f"the database {where} is at {', '.join(state.current)}, before {rev}: after the "
            f"squash its revision would no longer exist; nothing was changed.",
            f"bring it (and every database deployed from these files) to {rev} first: "
            f"uvx invoke update-db --revision {rev}; or squash up to "
            f"{', '.join(state.current)}.",
        )
