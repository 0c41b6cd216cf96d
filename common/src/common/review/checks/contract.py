"""Contract revisions the deploy will stop before: said in the review, not found later.

``update-db`` applies an expand/contract change's expand half with the new code and
stops before its contract half (``common.revisions.contract_gate``) until
``update-db --contract``. The review covers every pending revision, the contract ones
included, so it says which of them wait: whoever reads the checklist knows the deploy
ends with a step still to take once the new code is fully out.
"""

from __future__ import annotations

from alembic.script import Script

from common.review.model import CheckResult, Status
from common.revisions import CONTRACT, CONTRACT_FLAG, phase, script_label

CONTRACT_PHASE = "Contract revisions wait"


def contract_check(pending: list[Script]) -> CheckResult | None:
    """A warning listing the pending contract revisions; None when there are none."""
    waiting = [script_label(r) for r in pending if phase(r) == CONTRACT]
    if not waiting:
        return None
    summary = (
        f"update-db stops before {waiting[0]}; run `{CONTRACT_FLAG}` once the new code "
        "is fully deployed"
    )
    details = [f"{label}: contract revision, waiting" for label in waiting]
    return CheckResult(CONTRACT_PHASE, Status.WARNING, summary, details)
