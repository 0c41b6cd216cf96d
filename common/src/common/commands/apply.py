"""update-db, downgrade and stamp: moving a database along the revisions.

Online runs go through ``common.runner``: the migration lock for the whole run, one
``alembic_history`` row per revision, per-revision timeouts with retries, progress.
With nothing pending, ``update-db`` returns before taking the lock (reading
``alembic_version`` is enough). ``--sql`` renders the same steps offline: no lock, no
history, but the timeouts are part of the script.

Both stop before a pending contract revision (``common.revisions.contract_gate``) unless
``--contract`` says the new code is fully deployed: the expand half of an
expand/contract change ships with the new code, the contract half after it.
"""

from __future__ import annotations

from alembic import command
from alembic.util import CommandError

from common.config import Settings, load_settings
from common.errors import InvalidInputError
from common.output import emit, say
from common.revisions import (
    Gate,
    build_config,
    contract_gate,
    database_state,
    load_scripts,
    refuse_unknown,
    resolve_revision,
    revisions_between,
    single_head,
)
from common.runner import history
from common.runner.checksums import accept_edited, refuse_edited, revision_checksum
from common.runner.run import RUNNER_ATTRIBUTE, Runner, locked_run
from common.session import Session, open_session

STAMP_NOTE = "stamped: recorded without running the revision"


def upgrade_to(session: Session, revision: str = "head") -> None:
    """Apply revisions up to ``revision`` under the lock (also used by create-migration)."""
    with locked_run(session) as runner:
        state = database_state(session.connection, session.script)
        refuse_unknown(state)
        if revision == "head" and not state.pending:
            say("Another runner applied the pending revisions meanwhile; nothing left to do.")
            return
        runner.migrate("up", revision)


def update_db(
    revision: str = "head",
    sql: bool = False,
    accept_edited: str = "",
    contract: bool = False,
    settings: Settings | None = None,
) -> int:
    settings = settings or load_settings()
    accepted = [rev.strip() for rev in accept_edited.split(",") if rev.strip()]
    if sql:
        if accepted:
            raise InvalidInputError(
                "--accept-edited records checksums in the database; --sql has none.",
                "run uvx invoke update-db --accept-edited ... against the database first.",
            )
        return _update_db_offline(revision, contract, settings)
    with open_session(settings) as session:
        single_head(session.script)
        target_rev = resolve_revision(session.script, revision)
        state = database_state(session.connection, session.script)
        refuse_unknown(state)
        if accepted:
            _accept(session, state.applied, accepted)
        refuse_edited(session.connection, state.applied)
        if target_rev == "head" and not state.pending:
            say(f"Already at head {state.head or '(no revisions)'}; nothing to apply.")
            return 0
        gate = Gate(target_rev)
        if not contract:
            gate = contract_gate(session.script, state.pending, target_rev)
        if gate.target is not None:
            say(f"Upgrading to {gate.target}:")
            upgrade_to(session, gate.target)
        now = database_state(session.connection, session.script)
        emit(f"Database is at {', '.join(now.current) or 'base'}.")
        if gate.waiting is not None:
            say(gate.waiting_line())
    return 0


def _accept(session: Session, applied: list, revisions: list[str]) -> None:
    """Record the new checksums of edited applied revisions, under the migration lock."""
    with locked_run(session) as runner:
        files = accept_edited(runner.control, applied, revisions)
    say(f"Accepted the edited {', '.join(files)}: new checksum recorded, nothing run.")


def _update_db_offline(revision: str, contract: bool, settings: Settings) -> int:
    """``--sql``: the SQL of the pending steps, with their timeouts, on stdout."""
    config = build_config(settings)
    script = load_scripts(config)
    single_head(script)
    starting_rev, _, target = revision.rpartition(":")
    target = resolve_revision(script, target)
    gate = Gate(target)
    if not contract:
        steps = revisions_between(script, starting_rev or None, target)
        gate = contract_gate(script, steps, "head")
        gate = Gate(target if gate.waiting is None else gate.target, gate.waiting)
    if gate.target is not None:
        session = Session(settings, config, script, target=None, connection=None)  # type: ignore[arg-type]
        Runner(session, control=None, offline=True).migrate("up", gate.target, starting_rev or None)
    if gate.waiting is not None:
        say(gate.waiting_line())
    return 0


def downgrade(revision: str = "-1", settings: Settings | None = None) -> int:
    with open_session(settings) as session:
        target_rev = resolve_revision(session.script, revision)
        state = database_state(session.connection, session.script)
        refuse_unknown(state)
        if not state.current:
            say("The database has no revision applied; nothing to downgrade.")
            return 0
        say(f"Downgrading to {target_rev}:")
        with locked_run(session) as runner:
            state = database_state(session.connection, session.script)
            if not state.current:
                say("Another runner reverted everything meanwhile; nothing left to do.")
                return 0
            runner.migrate("down", target_rev)
        now = database_state(session.connection, session.script)
        emit(f"Database is at {', '.join(now.current) or 'base'}.")
    return 0


def stamp(revision: str, settings: Settings | None = None) -> int:
    with open_session(settings) as session:
        target_rev = resolve_revision(session.script, revision)
        with locked_run(session) as runner:
            before = database_state(session.connection, session.script)
            session.config.attributes[RUNNER_ATTRIBUTE] = runner
            try:
                # a database ahead of the code: its revision is unknown here, so Alembic
                # cannot move from it; purge replaces it (what the error's advice asks)
                command.stamp(session.config, target_rev, purge=bool(before.unknown))
            except CommandError as exc:
                raise InvalidInputError(
                    f"cannot stamp {revision!r}: {exc}.", "use a revision id, head or base."
                ) from None
            if session.connection.in_transaction():
                session.connection.commit()
            _record_stamp(session, runner, before.current)
        emit(f"Stamped the database at {target_rev} (no migration was run).")
    return 0


def _record_stamp(session: Session, runner: Runner, before: tuple[str, ...]) -> None:
    """One history row: the revision stamped, 'down' when it moved the database back.

    A database ahead of the code (its revision unknown here) always moves back.
    """
    after = database_state(session.connection, session.script)
    known = {r.revision for r in session.script.walk_revisions()}
    moved_back = bool(before) and (
        not after.current
        or any(rev not in known for rev in before)
        or any(
            rev in before and rev not in after.current
            for rev in {r.revision for r in after.pending}
        )
    )
    # stamped base: the revisions it moved back from (an unknown one has no file here)
    stamped = after.current or before
    for rev in stamped:
        path = session.script.get_revision(rev).path if rev in known else None
        history.record(
            runner.control,
            rev,
            "down" if moved_back else "up",
            revision_checksum(path) if path else None,
            STAMP_NOTE if after.current else f"{STAMP_NOTE} (stamped base)",
        )
