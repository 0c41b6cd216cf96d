"""``update-db --fleet FILE``: every target of a fleet to head, then one summary table.

The file is read and every target resolved first (a file that does not parse stops
here, before any database is touched); the scripts are loaded once; then the targets are
claimed and applied (``common.fleet.claim``). A target that fails gets one line naming it
and the others go on; the exit code is 1 if any target failed, was ahead of the code or
could not be resolved. A rerun finds the done targets at head and only applies what is
still pending.
"""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from common.config import Settings, load_settings
from common.errors import InvalidInputError
from common.fleet.apply import UP_TO_DATE, Job, Outcome, set_job
from common.fleet.claim import claim_all
from common.fleet.status import APPLIED, read_states
from common.fleet.table import TargetProgress, print_table
from common.fleet.targets import Target
from common.fleet.tenants import load_targets
from common.output import say
from common.revisions import build_config, load_scripts, single_head


def update_fleet(
    fleet: str,
    revision: str = "head",
    sql: bool = False,
    accept_edited: str = "",
    contract: bool = False,
    parallel: int | None = None,
    settings: Settings | None = None,
) -> int:
    settings = settings or load_settings()
    if revision != "head" or sql or accept_edited:
        option = "--sql" if sql else "--accept-edited" if accept_edited else "--revision"
        raise InvalidInputError(
            f"update-db --fleet applies every target up to head; {option} is for one target.",
            f"drop {option}, or run it on that target (DATABASE_URL, WORKBENCH_TENANT_SCHEMA).",
        )
    parallel = parallel or settings.fleet_parallel
    if parallel < 1:
        raise InvalidInputError("--parallel must be 1 or more.", "e.g. --parallel 4.")
    script = load_scripts(build_config(settings))
    single_head(script)
    _preload(settings)
    targets = load_targets(fleet, settings)
    set_job(Job(settings, script, targets, contract))
    at_head = _at_head(targets, script, settings)
    runnable = [i for i, t in enumerate(targets) if not t.error and i not in at_head]
    say(f"Fleet {Path(fleet).name}: {len(targets)} target(s), {parallel} at a time.")
    progress = TargetProgress(len(targets))
    outcomes: dict[int, Outcome] = {}
    for index, target in enumerate(targets):
        if target.error:
            outcomes[index] = Outcome(target.name, message=_error_line(target.error))
        elif index in at_head:
            outcomes[index] = Outcome(target.name, *[at_head[index]] * 2, result=UP_TO_DATE)
    try:
        names = [t.name for t in targets]
        known = list(outcomes.values())

        def report(outcome: Outcome) -> None:
            progress.finished(outcome.line())

        wait = settings.migration_lock_wait
        outcomes |= claim_all(runnable, names, parallel, wait, report, known)
    finally:
        progress.close()
    ordered = [outcomes[i] for i in range(len(targets))]
    print_summary(ordered)
    return 0 if all(o.ok for o in ordered) else 1


def _at_head(targets: list[Target], script: ScriptDirectory, settings: Settings) -> dict[int, str]:
    """Targets already at head with every file as applied, read the cheap way ``status``
    reads them (one connection per database): a rerun opens no connection for those."""
    states = read_states(targets, script, settings)
    return {
        index: ", ".join(state.current)
        for index, state in enumerate(states)
        if not state.problem and state.cells and set(state.cells.values()) == {APPLIED}
    }


def _preload(settings: Settings) -> None:
    """Import what every target's env.py imports, once, before the workers fork."""
    import common.migration_env  # noqa: F401
    from common.models import load_metadata

    load_metadata(settings.models_module)


def _error_line(error: str) -> str:
    return error if error.startswith("error:") else f"error: {error}"


def print_summary(outcomes: list[Outcome]) -> None:
    rows = [[o.target, o.before, o.after, f"{o.seconds:.2f} s", o.shown] for o in outcomes]
    print_table(("target", "from", "to", "time", "result"), rows, title="Fleet update-db:")
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        say(f"✗ {outcome.target}: {outcome.message or outcome.result}")
    applied = sum(o.applied for o in outcomes)
    waiting = sum(1 for o in outcomes if o.waiting and o.ok)
    counts = f"{len(outcomes) - len(failed) - waiting} of {len(outcomes)} target(s) at head"
    counts += f", {waiting} waiting for update-db --contract" if waiting else ""
    say(
        f"{counts}, {applied} revision(s) applied" + (f", {len(failed)} failed." if failed else ".")
    )
