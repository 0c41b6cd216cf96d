"""Applied revision files unchanged since they were applied (``alembic_history`` checksums).

update-db records each revision's file checksum in ``alembic_history``; a file whose
checksum differs now was edited after it ran, so the database does not have what the
file says. Without the history table the check is skipped, with the reason.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import Script
from sqlalchemy import Connection, column, inspect, select, table

from common.review.model import CheckResult, Status
from common.runner.checksums import revision_checksum

NAME = "Applied revisions unchanged (checksums)"
HISTORY = table(
    "alembic_history",
    column("revision"),
    column("direction"),
    column("checksum"),
    column("status"),
    column("started_at"),
)


def recorded_checksums(connection: Connection) -> dict[str, str]:
    """The checksum of each revision's latest successful upgrade."""
    query = (
        select(HISTORY.c.revision, HISTORY.c.checksum)
        .where(HISTORY.c.direction == "up", HISTORY.c.status == "applied")
        .order_by(HISTORY.c.started_at)
    )
    return {revision: checksum for revision, checksum in connection.execute(query)}


def checksum_check(connection: Connection, applied: list[Script]) -> CheckResult:
    if not inspect(connection).has_table("alembic_history"):
        return CheckResult(
            NAME,
            Status.SKIPPED,
            "the database has no alembic_history table, so no checksums were recorded "
            "(update-db records them once the history table exists)",
        )
    recorded = recorded_checksums(connection)
    if connection.in_transaction():
        connection.rollback()
    edited, unrecorded = [], []
    for script in applied:
        path = Path(script.path)
        expected = recorded.get(script.revision)
        if expected is None:
            unrecorded.append(path.name)
        elif expected != revision_checksum(path):
            edited.append(f"{path.name} was edited after it was applied (checksum differs)")
    if edited:
        return CheckResult(NAME, Status.FAILED, edited[0], edited)
    details = [f"{name}: applied before checksums were recorded" for name in unrecorded]
    checked = len(applied) - len(unrecorded)
    return CheckResult(NAME, Status.PASSED, f"{checked} applied file(s) match", details)
