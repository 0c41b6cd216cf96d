"""Applied revision files unchanged since they were applied (``alembic_history`` checksums).

update-db records each revision's file checksum in ``alembic_history``; a file whose
checksum differs now was edited after it ran, so the database does not have what the
file says. The comparison is ``common.runner.checksums``', the one update-db and status
refuse on. Without the history table the check is skipped, with the reason.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import Script
from sqlalchemy import Connection, inspect

from common.review.model import CheckResult, Status
from common.runner.checksums import compare, edited_message

NAME = "Applied revisions unchanged (checksums)"


def checksum_check(connection: Connection, applied: list[Script]) -> CheckResult:
    if not inspect(connection).has_table("alembic_history"):
        return CheckResult(
            NAME,
            Status.SKIPPED,
            "the database has no alembic_history table, so no checksums were recorded "
            "(update-db records them once the history table exists)",
        )
    found = compare(connection, applied)
    edited = [edited_message(script) for script in found.edited]
    if edited:
        return CheckResult(NAME, Status.FAILED, edited[0], edited)
    details = [
        f"{Path(s.path).name}: applied before checksums were recorded" for s in found.unrecorded
    ]
    checked = len(applied) - len(found.unrecorded)
    return CheckResult(NAME, Status.PASSED, f"{checked} applied file(s) match", details)
