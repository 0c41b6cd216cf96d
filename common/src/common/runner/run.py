"""Running revisions under the migration lock, with history, timeouts, retries and progress.

The runner drives Alembic itself (``EnvironmentContext`` + ``run_env``, what
``alembic.command.upgrade`` does) with its own, already loaded ``ScriptDirectory``, so
revision files are imported once, and it wraps each step so that around every revision it
can: write the ``running`` history row (committed first, on the control connection),
set that revision's timeouts, run it, and mark the row ``applied`` inside the revision's
own transaction. Failures are marked after the database rolled back; a lock timeout is
retried with backoff and finally reported with the session that blocked it.

After each revision, before it is recorded, the runner asks whether its control
connection still holds the migration lock. When the server ended that session, the
revision is still recorded as applied (by its own connection, in its own transaction,
which still holds the lock's second key), the next revision's row is not written, and
the run stops before the next revision with one line; the control connection is no
longer needed for any of that.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import SQLAlchemyError

from common.alembic_private import downgrade_steps, upgrade_steps
from common.database import _scrub_userinfo, driver_message, privilege_fix
from common.errors import WorkbenchError
from common.output import say
from common.revisions import script_label
from common.runner import history
from common.runner.checksums import revision_checksum
from common.runner.lock import MigrationLockLostError, migration_lock
from common.runner.progress import Progress
from common.runner.timeouts import (
    Blocker,
    BlockerWatch,
    Timeouts,
    blocker_after,
    is_lock_timeout,
    prepare_session,
    timeout_statement,
)
from common.session import Session

RUNNER_ATTRIBUTE = "workbench_runner"
VERBS = {"up": ("applied", "applying"), "down": ("reverted", "reverting")}


class RevisionFailedError(WorkbenchError):
    """A revision raised; its row in alembic_history says what remains of it."""


class LockTimeoutError(RevisionFailedError):
    """A revision kept hitting lock_timeout; the message names the blocking session."""


@dataclass
class _InFlight:
    row_id: int | None
    revision: str
    label: str
    started: float
    timeouts: Timeouts
    non_transactional: bool = False


class _TrackedStep:
    """An Alembic migration step whose ``migration_fn`` goes through the runner."""

    def __init__(self, step: Any, runner: Runner) -> None:
        self._step = step
        self._runner = runner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._step, name)

    def __str__(self) -> str:
        return str(self._step)

    @property
    def migration_fn(self) -> Callable[..., None]:
        return lambda **kw: self._runner.run_step(self._step, kw)


def transactional(dialect: str) -> bool:
    """Whether a failed revision leaves nothing behind (DDL inside a transaction).

    Alembic runs DDL transactionally on PostgreSQL only: MySQL/MariaDB commit each DDL
    statement, and SQLite's driver commits DDL outside the transaction.
    """
    return dialect == "postgresql"


class Runner:
    """One ``update-db``/``downgrade`` run on a session; ``control`` is None offline."""

    def __init__(self, session: Session, control: Connection | None, offline: bool = False):
        self.session = session
        self.settings = session.settings
        self.control = control
        self.offline = offline
        self.watch: BlockerWatch | None = None
        self.progress: Progress | None = None
        self.inflight: _InFlight | None = None
        self._env: EnvironmentContext | None = None
        self._timeouts: Timeouts | None = None
        self._patched_context: Any = None
        self._following: dict[int, Any] = {}
        self._announced: tuple[Any, int] | None = None
        self.lock: Any = None  # the migration lock (``held()``); None offline
        self.lost_after: str | None = None  # the revision finished after the lock was lost
        self._rerun = ("up", "head")  # what to rerun: direction and target of this run

    # -- one run ---------------------------------------------------------------------

    def migrate(self, direction: str, target: str, starting_rev: str | None = None) -> None:
        """Move the database to ``target``, retrying revisions that hit lock_timeout."""
        attempts = 1 if self.offline else self.settings.lock_retries + 1
        self._rerun = (direction, target)
        try:
            for attempt in range(1, attempts + 1):
                try:
                    self._run_env(direction, target, starting_rev)
                    self.inflight = None
                    if self.lost_after is not None:  # the last one: nothing was left
                        say(f"note: {MigrationLockLostError.LAST.format(self.lost_after)}")
                    return
                except BaseException as exc:
                    failed, self.inflight, self._timeouts = self.inflight, None, None
                    if failed is None or self.offline or isinstance(exc, MigrationLockLostError):
                        raise
                    if not isinstance(exc, Exception):  # Ctrl-C: record it, then stop
                        self._record_failure(failed, "interrupted (Ctrl-C)")
                        raise
                    retry = is_lock_timeout(exc) and attempt < attempts
                    self._handle_failure(failed, exc, direction, attempt, attempts, retry)
        finally:
            if self.progress is not None:
                self.progress.close()

    def _run_env(self, direction: str, target: str, starting_rev: str | None) -> None:
        script = self.session.script

        def steps(rev: Any, context: Any) -> list[_TrackedStep]:
            if direction == "up":
                found = upgrade_steps(script, target, rev)
            else:
                found = downgrade_steps(script, target, rev)
            if self.progress is None:
                verb, doing = ("rendered", "rendering") if self.offline else VERBS[direction]
                self.progress = Progress(verb, doing, len(found))
            self._following = {id(a): b for a, b in itertools.pairwise(found)}
            self._announced = None
            return [_TrackedStep(step, self) for step in found]

        self.session.config.attributes[RUNNER_ATTRIBUTE] = self
        with EnvironmentContext(
            self.session.config,
            script,
            fn=steps,
            as_sql=self.offline,
            starting_rev=starting_rev,
            destination_rev=target,
        ) as env:
            self._env = env
            script.run_env()

    # -- around each revision ----------------------------------------------------------

    def run_step(self, step: Any, kwargs: dict[str, Any]) -> None:
        revision = step.revision
        label = script_label(revision)
        doing = VERBS["up" if step.is_upgrade else "down"][1]
        if self.lost_after is not None:  # stop before the next revision; nothing of it ran
            raise MigrationLockLostError.stopped(self.lost_after, doing, label, *self._rerun)
        context = self._env.get_context()
        timeouts = Timeouts.for_module(revision.module, self.settings)
        row_id = None
        if self.control is not None:
            announced, self._announced = self._announced, None
            if announced is not None and announced[0] is step:
                row_id = announced[1]
            elif self.lock is not None and not self.lock.held():
                raise MigrationLockLostError.stopped(None, doing, label, *self._rerun)
            else:
                row_id = _start_row(self.control, step)
        self.inflight = _InFlight(row_id, revision.revision, label, time.perf_counter(), timeouts)
        self._track_autocommit(context)
        self._set_timeouts(context, timeouts)
        self.progress.started(label)
        if self.watch is not None:
            self.watch.revision_started(timeouts.lock_timeout_ms)
        try:
            step.migration_fn(**kwargs)
        finally:
            if self.watch is not None:
                self.watch.revision_ended()
        elapsed = (time.perf_counter() - self.inflight.started) * 1000
        if self.lock is not None and not self.lock.held():
            self.lost_after = label  # recorded below all the same: it ran under the guard key
        if row_id is not None:
            self._close_row(context.connection, step, row_id, elapsed)
        self.progress.finished(label, elapsed)

    def _close_row(self, connection: Connection, step: Any, row_id: int, elapsed: float) -> None:
        """In the revision's transaction, with the alembic_version update: mark its row
        applied and insert the next revision's ``running`` row, so that row is committed
        before the next revision starts without a commit of its own."""
        history.finish(connection, row_id, "applied", duration_ms=round(elapsed))
        following = self._following.get(id(step))
        if following is not None and self.lost_after is None:
            self._announced = (following, _start_row(connection, following))

    def _set_timeouts(self, context: Any, timeouts: Timeouts) -> None:
        if timeouts == self._timeouts:
            return
        statement = timeout_statement(context.dialect.name, timeouts)
        if statement is not None:
            context.execute(statement)
        self._timeouts = timeouts

    def _track_autocommit(self, context: Any) -> None:
        """Note when a revision leaves its transaction (``autocommit_block``): a failure
        after that may leave part of it applied, and the history must say so."""
        if self._patched_context is context:
            return
        original = context.autocommit_block

        @contextmanager
        def tracked() -> Iterator[None]:
            with original():  # the revision's transaction is committed from here on
                flight = self.inflight
                if flight is not None and not flight.non_transactional:
                    flight.non_transactional = True
                    if flight.row_id is not None and self.control is not None:
                        note = history.NON_TRANSACTIONAL_NOTE
                        if not self._on_control(history.note, flight.row_id, note):
                            # autocommit here: the note is kept even if the revision fails
                            history.note(context.connection, flight.row_id, note)
                yield

        context.autocommit_block = tracked
        self._patched_context = context

    # -- failures --------------------------------------------------------------------

    def _status_for(self, flight: _InFlight) -> str:
        dialect = self.session.connection.dialect.name
        partial = flight.non_transactional or not transactional(dialect)
        return "failed" if partial else "rolled_back"

    def _record_failure(self, flight: _InFlight, message: str) -> str:
        status = self._status_for(flight)
        if flight.row_id is not None and self.control is not None:
            elapsed = round((time.perf_counter() - flight.started) * 1000)
            self._on_control(
                history.finish, flight.row_id, status, duration_ms=elapsed, error=message
            )
        return status

    def _on_control(self, write: Callable[..., None], *args: Any, **kwargs: Any) -> bool:
        """A history write on the control connection; False when that connection ended
        (the row then stays ``running``, and the next run marks it as what it was)."""
        try:
            write(self.control, *args, **kwargs)
        except SQLAlchemyError:
            if self.lock is None or self.lock.held():
                raise
            return False
        return True

    def _blocker(self, exc: BaseException) -> Blocker | None:
        if self.watch is None:
            return None
        if self.watch.last is not None:
            return self.watch.last
        try:
            return blocker_after(self.control, getattr(exc, "statement", None), self.watch.pid)
        except Exception:  # best effort: the error line is what matters
            return None

    def _handle_failure(
        self,
        flight: _InFlight,
        exc: BaseException,
        direction: str,
        attempt: int,
        attempts: int,
        retry: bool,
    ) -> None:
        message = error_text(exc, self.session)
        blocker = self._blocker(exc) if is_lock_timeout(exc) else None
        if is_lock_timeout(exc):
            waited = f"lock_timeout ({flight.timeouts.lock_timeout_ms} ms)"
            seen = blocker.describe() if blocker else "the blocker was not seen"
            message = f"{waited} on attempt {attempt} of {attempts}: {seen}"
        status = self._record_failure(flight, message)
        if retry and self.lock is not None and not self.lock.held():
            raise MigrationLockLostError.stopped(None, "retrying", flight.label, *self._rerun)
        if retry:
            delay = self.settings.lock_retry_backoff_ms * 2 ** (attempt - 1) / 1000
            self.progress.line(f"  {flight.label}: {message}; retrying in {delay:g} s")
            time.sleep(delay)
            return
        if is_lock_timeout(exc):
            raise LockTimeoutError(
                f"revision {flight.label} gave up waiting for a lock after {attempts} "
                f"attempt(s) of {flight.timeouts.lock_timeout_ms} ms: "
                f"{blocker.describe() if blocker else 'the blocker was not seen'}.",
                "let that session finish or end it (pg_terminate_backend(pid)), then rerun "
                "update-db; or raise lock_timeout_ms in the revision or "
                "WORKBENCH_LOCK_TIMEOUT_MS.",
            ) from None
        if isinstance(exc, WorkbenchError):
            raise exc from None  # an operation's own one-line message and fix, as written
        verb = VERBS[direction][1]
        if status == "rolled_back":
            left, todo = "its transaction was rolled back, so nothing of it remains", "fix it"
        else:
            left = "some of its steps ran outside a transaction and may remain"
            todo = "check the schema, make the revision resumable,"
        hint = f"{left}; {privilege_fix(exc) or f'{todo} and rerun.'}"
        raise RevisionFailedError(
            f"{verb} revision {flight.label} failed: {message}.", hint
        ) from None


def _start_row(connection: Connection, step: Any) -> int:
    revision = step.revision
    direction = "up" if step.is_upgrade else "down"
    return history.start(connection, revision.revision, direction, revision_checksum(revision.path))


def error_text(exc: BaseException, session: Session) -> str:
    """A one-line, password-free description of what went wrong."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError):
        return driver_message(exc, session.target.url)
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    password = session.target.url.password
    if password:
        text = text.replace(str(password), "***")
    return _scrub_userinfo(text)


@contextmanager
def locked_run(session: Session) -> Iterator[Runner]:
    """Control connection, migration lock, history table, stale rows: then a Runner."""
    engine = session.connection.engine
    dialect = session.connection.dialect.name
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as control:
        prepare_session(control, control=True)
        wait = session.settings.migration_lock_wait
        schema = session.settings.tenant_schema
        with migration_lock(control, wait, guard=session.connection, schema=schema) as lock:
            history.ensure_table(control)
            _report_stale(control, dialect)
            runner = Runner(session, control)
            runner.lock = lock
            if dialect == "postgresql":
                prepare_session(session.connection)
                pid = session.connection.scalar(select(func.pg_backend_pid()))
                session.connection.commit()
                runner.watch = BlockerWatch(engine, int(pid))
            try:
                yield runner
            finally:
                if runner.watch is not None:
                    runner.watch.close()


def _report_stale(control: Connection, dialect: str) -> None:
    """``running`` rows seen while holding the lock belong to runners that died."""
    for row in history.running_rows(control):
        partial = row.error == history.NON_TRANSACTIONAL_NOTE or not transactional(dialect)
        if partial:
            status = "failed"
            what = "some of its steps ran outside a transaction and may remain"
        else:
            status = "rolled_back"
            what = "the database rolled its transaction back"
        verb = VERBS.get(row.direction, VERBS["up"])[1]
        say(
            f"note: a previous run ({row.applied_by}, started "
            f"{row.started_at:%Y-%m-%d %H:%M:%S}) stopped while {verb} {row.revision}; "
            f"{what}. Marked it {status}."
        )
        history.finish(control, row.id, status, error=f"{history.STALE_NOTE}; {what}")
