"""Every reviewed revision renders offline: the rules read the SQL it emits with ``--sql``.

A revision that stops offline (a data migration reading rows through ``get_bind()``)
is a warning, not a failure: the operations after the failing line are rendered one by
one, so the rules still see most of it, and the reader is told what they could not see.
"""

from __future__ import annotations

from common.review.model import CheckResult, RevisionUnit, Status

OFFLINE = "Pending revisions render offline (SQL the rules read)"


def offline_check(units: list[RevisionUnit]) -> CheckResult:
    broken = [f"{unit.label}: {unit.render_error}" for unit in units if unit.render_error]
    if broken:
        summary = (
            f"{len(broken)} revision(s) stop offline; the operations after the failing line "
            "were rendered one by one"
        )
        return CheckResult(OFFLINE, Status.WARNING, summary, broken)
    return CheckResult(OFFLINE, Status.PASSED, f"{len(units)} revision(s) rendered")
