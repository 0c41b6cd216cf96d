"""One target of a fleet ``update-db``: what a single ``update-db`` does, told as an Outcome.

The same steps and the same runner as ``common.commands.apply`` (state, ahead-of-code and
edited-file refusals, then ``locked_run`` + ``Runner.migrate``: the target's own migration
lock, its timeouts, retries and history), with two differences a fleet needs: the lock is only
tried (``migration_lock_wait = 0``: a target another runner holds is reported ``busy``
and tried again later, see ``common.fleet.claim``), and nothing is raised or printed:
the runner's own lines are kept, the result is one ``Outcome`` with one line for a failure.

The revision scripts are loaded once by the caller and shared (``Job``): a worker
process forked from it inherits them, so no target pays for importing them again.
"""

from __future__ import annotations

import io
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, func, select

from common.config import Settings
from common.database import Target as DatabaseTarget
from common.database import connect, driver_message
from common.errors import InvalidInputError, WorkbenchError
from common.fleet.targets import Target, for_target
from common.revisions import (
    DatabaseState,
    Gate,
    build_config,
    contract_gate,
    database_state,
    refuse_unknown,
    script_label,
)
from common.runner.checksums import refuse_edited
from common.runner.lock import MigrationLockBusyError
from common.runner.run import locked_run
from common.session import Session

APPLIED, UP_TO_DATE, FAILED, AHEAD, BUSY = "applied", "up to date", "failed", "ahead", "busy"


@dataclass
class Outcome:
    """What happened to one target; plain data, so it crosses a process boundary."""

    target: str
    before: str = "-"
    after: str = "-"
    seconds: float = 0.0
    result: str = FAILED
    applied: int = 0
    message: str = ""  # one line, for a failure; a note otherwise
    waiting: str = ""  # the contract revision it stopped before (update-db --contract)

    @property
    def ok(self) -> bool:
        return self.result in (APPLIED, UP_TO_DATE)

    @property
    def shown(self) -> str:
        if self.result == APPLIED:
            return f"applied {self.applied}"
        return "ahead of the code" if self.result == AHEAD else self.result

    def line(self) -> str:
        """The progress line of a finished target."""
        moved = f"{self.before} -> {self.after}" if self.before != self.after else self.after
        text = f"{self.target}: {self.shown}, {moved} ({self.seconds:.2f} s)"
        return f"{text}; {self.message}" if self.message else text


@dataclass
class Job:
    """What every target of one run shares: the command's settings and the scripts."""

    settings: Settings
    script: ScriptDirectory
    targets: list[Target]
    contract: bool = False  # update-db --contract: apply contract revisions too


_job: Job | None = None  # set before the worker processes fork, read in them


def set_job(job: Job) -> None:
    global _job
    _job = job


def apply_target(index: int) -> Outcome:
    """Bring target ``index`` of the current job to head; never raises."""
    assert _job is not None
    target = _job.targets[index]
    outcome = Outcome(target.name)
    started = time.perf_counter()
    log = io.StringIO()  # the runner's per-revision lines: the summary says it all
    with redirect_stdout(log), redirect_stderr(log):
        try:
            _apply(_job, target, outcome)
        except MigrationLockBusyError:
            outcome.result = BUSY
        except WorkbenchError as exc:
            outcome.result = AHEAD if outcome.result == AHEAD else FAILED
            outcome.message = for_target(exc.one_line())
        except Exception as exc:  # a driver or Alembic error the runner did not expect
            outcome.result = FAILED
            outcome.message = f"error: {type(exc).__name__}: {driver_message(exc, target.url)}"
    outcome.seconds = time.perf_counter() - started
    return outcome


def _apply(job: Job, target: Target, outcome: Outcome) -> None:
    settings = target.settings(job.settings, migration_lock_wait=0)
    config = build_config(settings)
    database = DatabaseTarget(target.url, embedded=False)
    with connect(database, settings) as connection:
        config.attributes["connection"] = connection
        if target.schema:
            _require_schema(connection, target)
        state = database_state(connection, job.script)
        outcome.before = outcome.after = at(state)
        if state.unknown:
            outcome.result = AHEAD
        refuse_unknown(state)
        refuse_edited(connection, state.applied)
        if not state.pending:
            outcome.result = UP_TO_DATE
            return
        session = Session(settings, config, job.script, database, connection)
        _migrate(session, outcome, job.contract)


def _migrate(session: Session, outcome: Outcome, contract: bool) -> None:
    """Under the lock: read again what is pending (another runner may have applied it
    meanwhile), apply it up to a waiting contract revision, count what this run applied."""
    script = session.script
    locked = None
    gate = Gate("head")
    try:
        with locked_run(session) as runner:
            locked = database_state(session.connection, script)
            outcome.before = at(locked)
            refuse_unknown(locked)
            if not contract:
                gate = contract_gate(script, locked.pending, "head")
            if locked.pending and gate.target is not None:
                runner.migrate("up", gate.target)
    finally:
        now = _state_after(session.connection, script)
        if now is not None and locked is not None:
            outcome.after = at(now)
            outcome.applied = len(locked.pending) - len(now.pending)
    outcome.result = APPLIED if outcome.applied else UP_TO_DATE
    if gate.waiting is not None:
        outcome.waiting = script_label(gate.waiting)
        outcome.message = f"{outcome.waiting} waits for update-db --contract"
    elif not outcome.applied:
        outcome.message = "another runner applied the pending revisions"


def at(state: DatabaseState) -> str:
    """Where a database stands, as the summary shows it: a revision id, or base."""
    return ", ".join(state.current) or "base"


def _state_after(connection: Connection, script: ScriptDirectory) -> DatabaseState | None:
    """Where the target stands after the run, failed or not (best effort)."""
    try:
        if connection.in_transaction():
            connection.rollback()
        return database_state(connection, script)
    except Exception:
        return None


def _require_schema(connection: Connection, target: Target) -> None:
    """A search_path naming a missing schema leaves current_schema() NULL: say so."""
    found = connection.scalar(select(func.current_schema()))
    connection.commit()
    if found is None:
        raise InvalidInputError(
            f"the schema {target.schema} does not exist (any more).",
            "create it, or take it out of the fleet file.",
        )
