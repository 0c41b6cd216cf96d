"""Checksums of revision files: recorded when applied, compared before anything runs.

The checksum is the SHA-256 of the file's bytes with line endings normalized, so a
checkout on Windows (CRLF) does not look like an edit.

A revision file edited after it was applied no longer says what the database has: the
next ``update-db`` would run the revisions after it on a schema the files do not
describe, and a fresh database built from the files would differ from this one. So
``update-db`` and ``status`` refuse such a file by name (as Flyway's validate does), and
the review's checksum check reads the same comparison. An edit that changes nothing that
ran (a comment, a fixed typo in a downgrade) is accepted explicitly with
``update-db --accept-edited REV``: a history row with status ``accepted`` records the new
checksum, so the acceptance itself stays in the audit trail.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from alembic.script import Script
from sqlalchemy import Connection, select

from common.errors import InvalidInputError, RevisionStateError
from common.runner import history

ACCEPTED = "accepted"
ACCEPTED_NOTE = "file edited after it was applied; its new checksum accepted (--accept-edited)"


def revision_checksum(path: str | Path) -> str:
    data = Path(path).read_bytes().replace(b"\r\n", b"\n")
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Comparison:
    """Applied revisions whose file changed since, and those applied with no checksum."""

    edited: list[Script]
    unrecorded: list[Script]


def recorded_checksums(connection: Connection) -> dict[str, str]:
    """The checksum of each revision's latest successful upgrade (or accepted edit)."""
    table = history.history_table
    query = (
        select(table.c.revision, table.c.checksum)
        .where(table.c.direction == "up", table.c.status.in_(["applied", ACCEPTED]))
        .order_by(table.c.id)
    )
    return {revision: checksum for revision, checksum in connection.execute(query)}


def compare(connection: Connection, applied: list[Script]) -> Comparison:
    """Compare each applied file with its recorded checksum; ends the read transaction.

    Revisions applied before the history table existed (or by plain Alembic) have no
    checksum and are listed as unrecorded rather than judged.
    """
    recorded = {}
    if applied and history.has_table(connection):
        history.refuse_foreign(connection)
        recorded = recorded_checksums(connection)
    if connection.in_transaction():
        connection.rollback()
    edited, unrecorded = [], []
    for script in applied:
        expected = recorded.get(script.revision)
        if expected is None:
            unrecorded.append(script)
        elif expected not in (revision_checksum(script.path), squashed_checksum(script)):
            edited.append(script)
    return Comparison(edited, unrecorded)


def squashed_checksum(script: Script) -> str | None:
    """The checksum a squashed revision's id had before the squash (``squashes``).

    ``squash --upto REV`` gives its revision REV's own id, so a database at REV or beyond
    is already at the squash; the history of such a database holds the old REV file's
    checksum, which the squashed file lists beside the other revisions it replaces.
    """
    return (getattr(script.module, "squashes", None) or {}).get(script.revision)


def edited_message(script: Script) -> str:
    return f"{Path(script.path).name} was edited after it was applied (checksum differs)"


def edited_error(edited: list[Script]) -> RevisionStateError:
    """The refusal for applied revisions whose files changed, naming each file."""
    files = ", ".join(Path(s.path).name for s in edited)
    ids = ",".join(s.revision for s in edited)
    return RevisionStateError(
        f"{files} {'was' if len(edited) == 1 else 'were'} edited after being applied to this "
        "database (checksum differs from the one recorded); nothing was run.",
        "restore the file as it was applied (git checkout) and put the change in a new "
        "revision; if the edit changes nothing that ran (a comment, the downgrade), accept "
        f"it: uvx invoke update-db --accept-edited {ids}",
    )


def refuse_edited(connection: Connection, applied: list[Script]) -> None:
    """Stop before anything runs when an applied revision's file changed."""
    edited = compare(connection, applied).edited
    if edited:
        raise edited_error(edited)


def accept_edited(control: Connection, applied: list[Script], requested: list[str]) -> list[str]:
    """Record the current checksum of each requested edited revision; returns their files.

    Each id must name an applied revision whose file differs from its recorded checksum:
    accepting anything else would be a typo that silently does nothing.
    """
    by_id = {s.revision: s for s in compare(control, applied).edited}
    wrong = [rev for rev in requested if rev not in by_id]
    if wrong:
        raise InvalidInputError(
            f"--accept-edited names {', '.join(wrong)}, which is not an applied revision "
            "whose file was edited; nothing was recorded.",
            "name the revision ids that update-db or status reported as edited.",
        )
    for rev in requested:
        script = by_id[rev]
        history.record(control, rev, "up", revision_checksum(script.path), ACCEPTED_NOTE, ACCEPTED)
    return [Path(by_id[rev].path).name for rev in requested]
