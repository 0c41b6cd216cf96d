"""update-db, downgrade and stamp: moving a database along the revisions."""

from __future__ import annotations

import time
from typing import Any

from alembic import command

from common.commands.session import Session, open_session
from common.config import load_settings
from common.output import emit, say
from common.revisions import (
    build_config,
    database_state,
    load_scripts,
    refuse_unknown,
    resolve_revision,
    script_label,
    single_head,
)


class _StepReporter:
    """Prints one line per applied revision with its duration (Alembic's on_version_apply)."""

    def __init__(self, session: Session, verb: str) -> None:
        self.session = session
        self.verb = verb
        self.started = time.perf_counter()

    def __call__(self, *, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        now = time.perf_counter()
        revision = self.session.script.get_revision(step.up_revision_id)
        label = script_label(revision) if revision else step.up_revision_id
        say(f"  {self.verb} {label} ({(now - self.started) * 1000:.0f} ms)")
        self.started = now


def upgrade_to(session: Session, revision: str = "head") -> None:
    """Apply revisions up to ``revision`` on the session's connection."""
    session.config.attributes["on_version_apply"] = _StepReporter(session, "applied")
    command.upgrade(session.config, revision)


def update_db(revision: str = "head", sql: bool = False) -> int:
    if sql:
        config = build_config()
        script = load_scripts(config)
        single_head(script)
        resolve_revision(script, revision.split(":")[-1])
        command.upgrade(config, revision, sql=True)
        return 0
    with open_session() as session:
        single_head(session.script)
        target_rev = resolve_revision(session.script, revision)
        state = database_state(session.connection, session.script)
        refuse_unknown(state)
        if target_rev == "head" and not state.pending:
            say(f"Already at head {state.head or '(no revisions)'}; nothing to apply.")
            return 0
        say(f"Upgrading to {target_rev}:")
        upgrade_to(session, target_rev)
        now = database_state(session.connection, session.script)
        emit(f"Database is at {', '.join(now.current) or 'base'}.")
    return 0


def downgrade(revision: str = "-1") -> int:
    with open_session() as session:
        target_rev = resolve_revision(session.script, revision)
        state = database_state(session.connection, session.script)
        refuse_unknown(state)
        if not state.current:
            say("The database has no revision applied; nothing to downgrade.")
            return 0
        session.config.attributes["on_version_apply"] = _StepReporter(session, "reverted")
        say(f"Downgrading to {target_rev}:")
        command.downgrade(session.config, target_rev)
        now = database_state(session.connection, session.script)
        emit(f"Database is at {', '.join(now.current) or 'base'}.")
    return 0


def stamp(revision: str) -> int:
    settings = load_settings()
    with open_session(settings) as session:
        target_rev = resolve_revision(session.script, revision)
        command.stamp(session.config, target_rev)
        if session.connection.in_transaction():
            session.connection.commit()
        emit(f"Stamped the database at {target_rev} (no migration was run).")
    return 0
