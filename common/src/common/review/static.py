"""The database-free review (``review --static``): the rules on the revision files alone.

A pull-request job should not need a database, its URL or its secrets to say that a
revision takes an ACCESS EXCLUSIVE lock. Everything the rules read comes from the files:
the source (``source.py``) and the SQL Alembic's offline mode renders (``capture.py``,
no connection). The graph checks (one head, no reused id) need only the files too; the
checks that need a database (checksums, impact, drift, round trip) are listed as skipped
so the report says what it did not look at.

Which tables count as "existing" (the rules about locks skip tables the same deploy
creates): with ``--since REF`` the changed revisions are one pending set, oldest first,
as they will deploy together; without it every revision is reviewed on its own, as when
it was deployed, so a table created by an earlier revision counts as existing.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import Script

from common.config import Settings
from common.paths import versions_dir
from common.review.analysis import analyse
from common.review.changed import changed_files
from common.review.checks.graph import graph_checks
from common.review.checks.offline import offline_check
from common.review.engine import review_units, unused_suppressions
from common.review.model import CheckResult, RevisionUnit, Status
from common.review.report import Report
from common.revisions import build_config

NO_DATABASE = "the revision files alone (--static: no database)"
DATABASE_CHECKS = "Checksums, impact, drift and round trip"


def _oldest_first(scripts: list[Script]) -> list[Script]:
    return list(reversed(scripts))


def _units(scripts: list[Script], since: str | None) -> list[RevisionUnit]:
    if since is not None:
        return analyse(scripts)
    return [unit for script in scripts for unit in analyse([script])]


def static_report(settings: Settings, since: str | None = None) -> Report:
    """The checklist of every revision file, or of those changed since the git ref ``since``."""
    versions = versions_dir(settings.project_dir)
    checks, script = graph_checks(build_config(settings), versions)
    if script is None:
        return Report(NO_DATABASE, [], [], checks)
    scripts = _oldest_first(list(script.walk_revisions()))
    notes = []
    if since is not None:
        changed = changed_files(settings.project_dir, since)
        selected = [s for s in scripts if Path(s.path).resolve() in changed]
        notes.append(f"--since {since}: {len(selected)} of {len(scripts)} revision file(s) changed")
        scripts = selected
    units = _units(scripts, since)
    checks.append(offline_check(units))
    reason = "--static: these need a database; run review against one before the deploy"
    checks.append(CheckResult(DATABASE_CHECKS, Status.SKIPPED, reason))
    findings = review_units(units)  # marks the suppressions it uses
    notes += unused_suppressions(units)
    return Report(NO_DATABASE, [unit.label for unit in units], findings, checks, notes)
