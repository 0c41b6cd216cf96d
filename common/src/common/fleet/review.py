"""``review --fleet FILE``: one checklist for a fleet; what depends on a target, per target.

The revision graph, the rules and the round trip do not depend on the target, so they
run once: the rules over every revision pending on at least one target, the round trip
on a scratch database of the target furthest behind. The checks that read a target
(recorded checksums, impact from its table statistics, the data pre-flight's counts of
its rows) run on each target and are folded into one item each, worst status first,
naming each target that is not clean. So the report is the single-database report
(text, Markdown, JSON) with fleet-wide items; a pre-flight finding names its target,
since the same step can fail on one tenant's rows and pass on another's. The targets are
read side by side (``fleet_parallel`` at a time, as ``status --fleet`` reads them).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection

from common.commands.review import FORMATS, print_report
from common.config import Settings, load_settings
from common.database import Target as DatabaseTarget
from common.database import connect
from common.errors import InvalidInputError, WorkbenchError
from common.fleet.targets import Target, for_target
from common.fleet.tenants import load_targets
from common.output import say
from common.paths import versions_dir
from common.review.analysis import analyse
from common.review.checks.checksums import checksum_check
from common.review.checks.compatibility import OldCode, old_code, outcome
from common.review.checks.graph import graph_checks
from common.review.checks.impact import impact_check
from common.review.checks.offline import offline_check
from common.review.checks.roundtrip import DRIFT, ROUND_TRIP, scratch_checks
from common.review.engine import review_units, unused_suppressions
from common.review.model import CheckResult, Finding, RevisionUnit, Status
from common.review.preflight.bounds import Bounds
from common.review.preflight.run import preflight
from common.review.report import MANUAL_ITEMS, Report
from common.review.running_models import RunningModels, load_running_models
from common.revisions import build_config, database_state

CHECKSUMS = "Checksums on every target"
IMPACT = "Impact on each target (locks, rewrites, size)"
PREFLIGHT = "Data pre-flight on every target: rows that would fail update-db"
REACHED = "Every target reachable and not ahead of the code"
_ORDER = [Status.FAILED, Status.WARNING, Status.SKIPPED, Status.PASSED]


@dataclass
class _Read:
    """What one target's connection answered of the per-target checks."""

    checksum: CheckResult
    impact: CheckResult | None = None
    findings: list[Finding] = field(default_factory=list)
    preflight: CheckResult | None = None


@dataclass
class _Seen:
    target: Target
    start: str | None = None
    pending: list[Script] = field(default_factory=list)
    problem: str = ""
    read: _Read | None = None  # what its connections answered (the pre-flight last)


def review_fleet(
    fleet: str,
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
    """``review`` over a fleet (``review_fleet`` reads each target; see the module)."""
    if format not in FORMATS:
        raise InvalidInputError(f"unknown format {format!r}.", f"use one of {', '.join(FORMATS)}.")
    if static or since is not None:
        raise InvalidInputError(
            "--static reviews the revision files without any database, so it takes no --fleet.",
            "drop --fleet (the static review is the same for every target), or drop --static.",
        )
    bounds = Bounds.given(preflight_exact_rows, preflight_timeout)
    settings = settings or load_settings()
    running = None
    if running_ref is not None:  # a bad ref stops the review before it connects
        running = load_running_models(settings.project_dir, settings.models_module, running_ref)
    report = build_fleet_report(fleet, round_trip, large_table_rows, settings, bounds, running)
    print_report(report, format, settings)
    return 1 if report.blocked else 0


def build_fleet_report(
    fleet: str,
    round_trip: bool,
    large_table_rows: int,
    settings: Settings,
    bounds: Bounds | None = None,
    running: RunningModels | None = None,
) -> Report:
    checks, script = graph_checks(build_config(settings), versions_dir(settings.project_dir))
    if script is None or any(c.status == Status.FAILED for c in checks[1:]):
        return Report("(not connected: fix the revision graph first)", [], [], checks)
    targets = load_targets(fleet, settings)
    seen = [_Seen(t, problem=t.error) for t in targets]
    bounds = bounds or Bounds()
    weigh = partial(_weigh, large_rows=large_table_rows, bounds=bounds)
    _side_by_side(settings, lambda item: _read(item, script, settings, weigh), seen)
    readable = [s for s in seen if not s.problem]
    by_start = _analysed(readable)
    units = max(by_start.values(), key=len, default=[])
    say(f"Reviewing {len(units)} revision(s) pending on {len(targets)} target(s)...")
    checks.append(_reached(seen))
    checks.append(offline_check(units))
    checksums: list[tuple[str, CheckResult]] = []
    impacts: list[tuple[str, CheckResult]] = []
    counts: list[tuple[str, CheckResult]] = []
    data_findings: list[Finding] = []

    def per_target(item: _Seen) -> _Read:
        return _per_target(item, by_start[item.start], settings, weigh)

    for item, read in zip(readable, _side_by_side(settings, per_target, readable), strict=True):
        name = item.target.name
        checksums.append((name, read.checksum))
        impacts.append((name, read.impact))
        counts.append((name, read.preflight))
        data_findings += [replace(f, message=f"{name}: {f.message}") for f in read.findings]
    checks.append(_folded(CHECKSUMS, checksums))
    checks.append(_folded(IMPACT, impacts))
    checks.append(_folded(PREFLIGHT, counts, lambda row: bool(row.get("rows"))))
    furthest = _furthest(seen)
    old = None
    if running is not None and furthest is not None:
        old = old_code(running, furthest.start, furthest.pending)
    checks += _round_trip(furthest, script, settings, round_trip, old)
    findings = _findings(by_start) + data_findings
    manual = MANUAL_ITEMS
    if old is not None:
        old_findings, result, manual = outcome(old, by_start[furthest.start], round_trip)
        findings += old_findings
        checks.append(result)
    description = f"fleet {fleet} ({len(targets)} targets)"
    labels = [unit.label for unit in units]
    suppressed = unused_suppressions(units)
    return Report(description, labels, findings, checks, suppressed, manual)


def _side_by_side(settings: Settings, work: Callable[[_Seen], Any], items: list[_Seen]) -> list:
    """``work`` on every item, ``fleet_parallel`` targets at a time, results in order.

    Threads, as ``status --fleet`` reads: each target has its own connection, and while
    one waits on its server (the pre-flight's scans above all) the others go on. The
    shared inputs (the script directory, the analysed units) are only read."""
    with ThreadPoolExecutor(max(1, min(settings.fleet_parallel, len(items) or 1))) as pool:
        return list(pool.map(work, items))


def _read(item: _Seen, script: ScriptDirectory, settings: Settings, weigh: Callable) -> None:
    """Where the target stands, and its checksums, on one connection; on a target with
    nothing pending, the impact and the pre-flight too (nothing to weigh or count), so
    a fleet at head is connected to once per target, not twice."""
    if item.problem:
        return
    target = item.target
    try:
        own = target.settings(settings)
        with connect(DatabaseTarget(target.url, embedded=False), own) as connection:
            state = database_state(connection, script)
            if not state.unknown:
                item.read = _Read(checksum_check(connection, state.applied))
                if not state.pending:
                    weigh(connection, item.read, [])
    except WorkbenchError as exc:
        item.problem = for_target(exc.one_line().removeprefix("error: "))
        return
    if state.unknown:
        item.problem = f"ahead of the code: at {', '.join(state.unknown)}"
        return
    item.start = state.current[0] if state.current else None
    item.pending = state.pending


def _weigh(
    connection: Connection, read: _Read, units: list[RevisionUnit], large_rows: int, bounds: Bounds
) -> None:
    """The impact and the data pre-flight of ``units`` on one target, into ``read``."""
    read.impact = impact_check(connection, units, large_rows)
    read.findings, read.preflight = preflight(connection, units, bounds)


def _per_target(
    item: _Seen, units: list[RevisionUnit], settings: Settings, weigh: Callable
) -> _Read:
    """The impact and the pre-flight of the target's pending revisions, on a second
    connection (the revisions are analysed in between, once per starting point)."""
    read = item.read
    if read.preflight is not None:
        return read
    target = item.target
    with connect(DatabaseTarget(target.url, embedded=False), target.settings(settings)) as conn:
        weigh(conn, read, units)
    return read


def _analysed(readable: list[_Seen]) -> dict[str | None, list[RevisionUnit]]:
    """The pending revisions analysed once per revision the targets start from.

    Not once for the union: what a rule sees depends on where a target starts (a column
    added to a table the same pending set creates is harmless; on a target that already
    has that table it may rewrite it). Fleets usually have one or two starting points.
    """
    by_start: dict[str | None, list[RevisionUnit]] = {}
    for item in readable:
        if item.start not in by_start:
            by_start[item.start] = analyse(item.pending)
    return by_start


def _findings(by_start: dict[str | None, list[RevisionUnit]]) -> list:
    """Each finding once, however many starting points raise it."""
    unique = {}
    for units in by_start.values():
        for finding in review_units(units):
            unique.setdefault((finding.rule, finding.revision, finding.line), finding)
    return list(unique.values())


def _reached(seen: list[_Seen]) -> CheckResult:
    problems = [f"{s.target.name}: {s.problem}" for s in seen if s.problem]
    if problems:
        summary = f"{len(problems)} of {len(seen)} target(s) not reviewed"
        return CheckResult(REACHED, Status.FAILED, summary, problems)
    return CheckResult(REACHED, Status.PASSED, f"{len(seen)} target(s) read")


def _folded(
    name: str, results: list[tuple[str, CheckResult]], worth=lambda row: row.get("flagged")
) -> CheckResult:
    """One item for a per-target check: the worst status, a line per target not passed,
    and the data rows ``worth`` a look, each with its target."""
    if not results:
        return CheckResult(name, Status.SKIPPED, "no target could be read")
    worst = min((r.status for _, r in results), key=_ORDER.index)
    details = [f"{target}: {r.summary}" for target, r in results if r.status != Status.PASSED]
    clean = sum(1 for _, r in results if r.status == Status.PASSED)
    summary = f"{clean} of {len(results)} target(s) passed"
    if worst != Status.PASSED:
        summary += f"; first: {details[0]}"
    # by default the impact's rows worth a look: a large table locked while scanned or rewritten
    data = [{"target": target, **row} for target, r in results for row in r.data if worth(row)]
    return CheckResult(name, worst, summary, details, data)


def _furthest(seen: list[_Seen]) -> _Seen | None:
    """The readable target with the most pending: the round trip and the old code's
    probe upgrade a scratch copy of its server from where it stands. On one line of
    revisions every other target passes through a part of the same schemas."""
    readable = [s for s in seen if not s.problem and s.pending]
    return max(readable, key=lambda s: len(s.pending)) if readable else None


def _round_trip(
    furthest: _Seen | None,
    script: ScriptDirectory,
    settings: Settings,
    round_trip: bool,
    old: OldCode | None,
) -> list[CheckResult]:
    """Once, from the target with the most pending (its server hosts the scratch copy)."""
    if not round_trip or furthest is None:
        reason = "--no-round-trip: no scratch database" if not round_trip else "nothing pending"
        return [
            CheckResult(DRIFT, Status.SKIPPED, reason),
            CheckResult(ROUND_TRIP, Status.SKIPPED, reason),
        ]
    plain = settings.model_copy(update={"tenant_schema": ""})  # the scratch copy has public
    observe = old.observe if old is not None else None
    try:
        return scratch_checks(
            furthest.target.url, script, furthest.start, furthest.pending, plain, observe
        )
    except WorkbenchError as exc:
        return [
            CheckResult(DRIFT, Status.SKIPPED, "no scratch database to upgrade"),
            CheckResult(ROUND_TRIP, Status.FAILED, exc.one_line()),
        ]
