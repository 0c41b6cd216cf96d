"""review: the pre-deploy checklist for the revisions pending on the target database.

Static rules on each pending revision (its offline SQL and its source), then the checks
that run (graph, checksums, impact from the target's statistics, drift and round trip on
a scratch database). The target is only read. Exit 1 when something blocks.
``--static`` needs no database (``common.review.static``): the pull-request check.
"""

from __future__ import annotations

from common.config import Settings, load_settings
from common.errors import InvalidInputError, WorkbenchError
from common.output import emit, say
from common.paths import versions_dir
from common.review.analysis import analyse
from common.review.annotations import as_annotations
from common.review.changed import repository_root
from common.review.checks.graph import graph_checks
from common.review.checks.offline import offline_check
from common.review.engine import review_units, unused_suppressions
from common.review.model import CheckResult, Status
from common.review.preflight.bounds import Bounds
from common.review.report import (
    MANUAL_ITEMS,
    Report,
    as_json,
    as_markdown,
    print_text,
)
from common.review.sarif import as_sarif
from common.review.static import static_report
from common.revisions import build_config, database_state, refuse_unknown

FORMATS = ("text", "markdown", "json", "github", "sarif")


def _scratch(session, script, state, round_trip: bool, observe=None) -> list[CheckResult]:
    from common.review.checks.roundtrip import DRIFT, ROUND_TRIP, scratch_checks

    if not round_trip:
        reason = "--no-round-trip: no scratch database"
        return [
            CheckResult(DRIFT, Status.SKIPPED, reason),
            CheckResult(ROUND_TRIP, Status.SKIPPED, reason),
        ]
    start = state.current[0] if state.current else None
    try:
        return scratch_checks(
            session.target.url,
            script,
            start,
            state.pending,
            session.settings,
            observe,
        )
    except WorkbenchError as exc:
        return [
            CheckResult(DRIFT, Status.SKIPPED, "no scratch database to upgrade"),
            CheckResult(ROUND_TRIP, Status.FAILED, exc.one_line()),
        ]


def build_report(
    round_trip: bool = True,
    large_table_rows: int = 1_000_000,
    settings: Settings | None = None,
    running_ref: str | None = None,
    bounds: Bounds | None = None,
) -> Report:
    """The checklist against the target database.

    The database checks' modules are imported here, not at the top: ``--static`` (a
    pull-request job on every push) would otherwise pay for autogenerate's, the models'
    and the connection's imports it never uses, a quarter of its run time.
    """
    from common.review.checks.checksums import checksum_check
    from common.review.checks.compatibility import old_code, outcome
    from common.review.checks.contract import contract_check
    from common.review.checks.impact import impact_check
    from common.review.preflight.run import preflight
    from common.review.running_models import load_running_models
    from common.session import open_session

    settings = settings or load_settings()
    running = None
    if running_ref is not None:  # a bad ref stops the review before it connects
        running = load_running_models(settings.project_dir, settings.models_module, running_ref)
    checks, script = graph_checks(build_config(settings), versions_dir(settings.project_dir))
    if script is None or any(c.status == Status.FAILED for c in checks[1:]):
        return Report("(not connected: fix the revision graph first)", [], [], checks)
    with open_session(settings) as session:
        state = database_state(session.connection, session.script)
        refuse_unknown(state)
        say(f"Reviewing {len(state.pending)} pending revision(s)...")
        units = analyse(state.pending)
        findings = review_units(units)
        checks.append(offline_check(units))
        checks.append(checksum_check(session.connection, state.applied))
        checks.append(impact_check(session.connection, units, large_table_rows))
        data_findings, data_check = preflight(session.connection, units, bounds)
        findings += data_findings
        checks.append(data_check)
        old = None
        if running is not None:
            start = state.current[0] if state.current else None
            old = old_code(running, start, state.pending)
        checks += _scratch(session, session.script, state, round_trip, old and old.observe)
        manual = MANUAL_ITEMS
        if old is not None:
            old_findings, result, manual = outcome(old, units, round_trip)
            findings += old_findings
            checks.append(result)
        waiting = contract_check(state.pending)
        checks += [waiting] if waiting else []
        pending = [unit.label for unit in units]
        return Report(
            session.target.description,
            pending,
            findings,
            checks,
            unused_suppressions(units),
            manual,
        )


def print_report(report: Report, format: str, settings: Settings) -> None:
    """``report`` in ``format`` (shared with ``review --fleet``)."""
    if format in ("github", "sarif"):  # paths relative to the checkout, as GitHub reads them
        root = repository_root(settings.project_dir) or settings.project_dir
        emit(as_annotations(report, root) if format == "github" else as_sarif(report, root))
    elif format == "json":
        emit(as_json(report))
    elif format == "markdown":
        emit(as_markdown(report))
    else:
        print_text(report)


def review(
    format: str = "text",
    round_trip: bool = True,
    large_table_rows: int = 1_000_000,
    static: bool = False,
    since: str | None = None,
    settings: Settings | None = None,
    running_ref: str | None = None,
    preflight_exact_rows: int = 1_000_000,
    preflight_timeout: float = 30.0,
) -> int:
    if format not in FORMATS:
        raise InvalidInputError(f"unknown format {format!r}.", f"use one of {', '.join(FORMATS)}.")
    if since is not None and not static:
        raise InvalidInputError(
            "--since selects revision files, and the database review covers the revisions "
            "pending on the database.",
            f"add --static (review --static --since {since}), or leave out --since.",
        )
    settings = settings or load_settings()
    bounds = Bounds.given(preflight_exact_rows, preflight_timeout)
    if static and running_ref is not None:
        raise InvalidInputError(
            "--running-ref checks the old code on the scratch database, which --static has not.",
            "run the full review for it, or leave out --running-ref.",
        )
    if static:
        report = static_report(settings, since)
    else:
        report = build_report(round_trip, large_table_rows, settings, running_ref, bounds)
    print_report(report, format, settings)
    return 1 if report.blocked else 0
