"""status, history, current, heads and db-url: reading where things stand."""

from __future__ import annotations

from common.config import Settings, load_settings
from common.database import resolve_target
from common.output import emit
from common.revisions import (
    CONTRACT,
    CONTRACT_FLAG,
    build_config,
    database_state,
    load_scripts,
    phase,
    refuse_unknown,
    script_label,
)
from common.runner import history as run_history
from common.runner.checksums import compare, edited_error
from common.session import open_session

APPLIED, PENDING, EDITED = "✓", "·", "✗"


def status(settings: Settings | None = None) -> int:
    """Where the database stands; exit 1 when an applied revision's file was edited since."""
    with open_session(settings, announce=False) as session:
        state = database_state(session.connection, session.script)
        last = run_history.last_applied(session.connection)
        running = run_history.running_rows(session.connection) if last else []
        edited = compare(session.connection, state.applied).edited if last else []
    head = session.script.get_revision(state.head) if state.head else None
    emit(f"Database: {session.target.description}")
    emit(f"Head:     {script_label(head) if head else '(no revisions)'}")
    refuse_unknown(state)
    for revision in state.applied:
        if revision in edited:
            emit(f"{EDITED} {script_label(revision)}  (edited after it was applied)")
        else:
            emit(f"{APPLIED} {script_label(revision)}")
    if state.pending:
        emit(f"Pending ({len(state.pending)}):")
        for revision in state.pending:
            waits = phase(revision) == CONTRACT
            note = f"  (contract: waits for {CONTRACT_FLAG})" if waits else ""
            emit(f"{PENDING} {script_label(revision)}{note}")
    else:
        emit("Up to date: nothing pending.")
    if last is not None:
        emit(f"Last run: {run_history.describe(last)}")
    for row in running:
        emit(
            "Running (or its runner died; the next update-db reports it): "
            + run_history.describe(row)
        )
    if edited:
        raise edited_error(edited)
    return 0


def history(limit: int = 50, settings: Settings | None = None) -> int:
    """Every revision with its applied mark, then the runs recorded in alembic_history."""
    with open_session(settings) as session:
        state = database_state(session.connection, session.script)
        rows = run_history.read(session.connection, limit)
    refuse_unknown(state)
    applied = {r.revision for r in state.applied}
    for revision in reversed(state.applied + state.pending):
        mark = APPLIED if revision.revision in applied else PENDING
        emit(f"{mark} {script_label(revision):<48} {revision.doc}")
    if rows:
        emit(f"Runs recorded in alembic_history (newest first, at most {limit}):")
        emit(
            f"{'started (UTC)':<20} {'revision':<10} {'dir':<4} {'status':<11} {'duration':>9}  by"
        )
        for row in rows:
            emit(run_history.describe(row))
    return 0


def current(settings: Settings | None = None) -> int:
    with open_session(settings) as session:
        state = database_state(session.connection, session.script)
    refuse_unknown(state)
    if not state.current:
        emit("(base: no revision applied)")
    for rev in state.current:
        emit(script_label(session.script.get_revision(rev)))
    return 0


def heads(settings: Settings | None = None) -> int:
    script = load_scripts(build_config(settings or load_settings()))
    for rev in script.get_heads():
        emit(script_label(script.get_revision(rev)))
    return 0


def db_url(settings: Settings | None = None) -> int:
    """The URL itself (masked), usable by SQLAlchemy and psql; embedded gets a note."""
    target = resolve_target(settings or load_settings())
    emit(f"{target.masked}{'  (embedded PostgreSQL)' if target.embedded else ''}")
    return 0


def embedded_stop(settings: Settings | None = None) -> int:
    from common import embedded

    stopped = embedded.stop((settings or load_settings()).pgdata)
    emit(
        "Stopped the embedded PostgreSQL."
        if stopped
        else "The embedded PostgreSQL was not running."
    )
    return 0
