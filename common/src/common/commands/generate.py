"""create-migration and check: comparing the models with the database."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout

from alembic import command
from sqlalchemy import MetaData
from sqlalchemy.engine import Dialect

from common.autogen import compare_metadata
from common.autogen.adopt import ADOPT_NAMES
from common.autogen.describe import describe_diff
from common.autogen.enum_value_renames import VALUE_RENAMES, hint_text, parse_value_renames
from common.autogen.scope import Scope
from common.commands.apply import upgrade_to
from common.config import Settings, load_settings
from common.errors import InvalidInputError, RevisionStateError
from common.identifiers import name_limit, over_long_identifiers
from common.models import load_metadata
from common.output import emit, say
from common.render import RESULT, SKIP_EMPTY
from common.render.expand_contract import EXPAND_CONTRACT
from common.render.questioner import ATTRIBUTE as QUESTIONER
from common.render.questioner import questioner_for
from common.render.renames import RENAMES
from common.revisions import (
    CONTRACT_FLAG,
    contract_gate,
    database_state,
    next_revision_id,
    refuse_unknown,
    script_label,
    single_head,
)
from common.session import Session, open_session

_RENAME = re.compile(r"^(\w+)(?:\.(\w+))?=(\w+)$")


def validate_message(message: str | None) -> str:
    """A message that yields a non-empty, safe file name slug (as Alembic builds it)."""
    text = (message or "").strip()
    if not text:
        raise InvalidInputError(
            "the migration message is empty.",
            'describe the change, e.g. create-migration "Add priority to tasks".',
        )
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidInputError(
            "the migration message contains control characters (newlines, tabs, NUL...).",
            "use one line of plain words.",
        )
    if not re.search(r"\w", text):
        raise InvalidInputError(
            f"the migration message {text!r} has no letters or digits to name the file.",
            'use words, e.g. "Add priority to tasks".',
        )
    return text


def parse_renames(hints: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``task.title=name`` (column) and ``task=todo`` (table) hints, checked for form."""
    renames: dict[str, str] = {}
    for hint in hints:
        match = _RENAME.match(hint.strip())
        if not match:
            raise InvalidInputError(
                f"--rename {hint!r} is not of the form table.column=new_name or table=new_table.",
                "write e.g. --rename task.title=name or --rename task=todo.",
            )
        table, column, new = match.groups()
        renames[f"{table}.{column}" if column else table] = new
    return renames


@contextmanager
def _quiet_hooks() -> Iterator[None]:
    """Alembic's post-write hooks print progress on stdout, which carries only the path."""
    with redirect_stdout(io.StringIO()):
        yield


def refuse_over_long_names(metadata: MetaData, settings: Settings, dialect: Dialect) -> None:
    """Names the database cannot store as written stop generation, before any change.

    PostgreSQL would cut them (the models then never match: ``check`` always differs,
    and the revision meant to fix it fails); MySQL/MariaDB refuse them.
    """
    scope = Scope.from_settings(settings, metadata)
    tables = [
        table
        for table in metadata.tables.values()
        if scope.include_object(table, table.name, "table", False, None)
    ]
    found = over_long_identifiers(tables, dialect)
    if found:
        unit = "bytes" if dialect.name == "postgresql" else "characters"
        raise InvalidInputError(
            f"{len(found)} name(s) in the models exceed the {dialect.name} limit of "
            f"{name_limit(dialect)} {unit}: {'; '.join(found)}.",
            "shorten them in the models (explicit index and constraint names too; names "
            "the naming convention makes are shortened for you), then run it again.",
        )


def _bring_to_head(session: Session) -> None:
    """The embedded database is disposable: catch it up. Any other: refuse."""
    state = database_state(session.connection, session.script)
    refuse_unknown(state)
    if not state.pending:
        return
    if not session.target.embedded:
        waiting = contract_gate(session.script, state.pending, "head").waiting
        command = f"`{CONTRACT_FLAG}`" if waiting else "`uvx invoke update-db`"
        raise RevisionStateError(
            f"the database is behind head ({len(state.pending)} revision(s) pending, "
            f"at {', '.join(state.current) or 'base'}, head {state.head}"
            + (f"; {script_label(waiting)} is a contract revision" if waiting else "")
            + ").",
            f"run {command} first, then create the migration.",
        )
    say(
        f"The embedded development database was behind head; applying "
        f"{len(state.pending)} pending revision(s) first."
    )
    upgrade_to(session, "head")


def create_migration(
    message: str,
    renames: list[str] | None = None,
    value_renames: list[str] | None = None,
    empty: bool = False,
    adopt_names: bool = False,
    expand_contract: bool = False,
    settings: Settings | None = None,
) -> int:
    message = validate_message(message)
    rename_hints = parse_renames(renames or [])
    value_hints = parse_value_renames(value_renames or [])
    settings = settings or load_settings()
    if empty and adopt_names:
        raise InvalidInputError(
            "--empty writes a blank revision, --adopt-names a generated one.",
            "use one of them.",
        )
    if empty and expand_contract:
        raise InvalidInputError(
            "--empty writes a blank revision, --expand-contract two generated ones.",
            "use one of them.",
        )
    if empty:
        return _blank_revision(message, settings)
    metadata = load_metadata(settings.models_module)
    with open_session(settings) as session:
        if adopt_names:
            _refuse_adopting_on(session.connection.dialect.name)
        if expand_contract:
            _refuse_expand_contract_on(session.connection.dialect.name)
        single_head(session.script)
        refuse_over_long_names(metadata, settings, session.connection.dialect)
        _bring_to_head(session)
        rev_id = next_revision_id(session.script)
        session.config.attributes.update(
            {
                EXPAND_CONTRACT: f"{int(rev_id) + 1:04d}" if expand_contract else None,
                ADOPT_NAMES: adopt_names,
                SKIP_EMPTY: True,
                RENAMES: rename_hints,
                VALUE_RENAMES: value_hints,
                QUESTIONER: questioner_for(rename_hints),
            }
        )
        with _quiet_hooks():
            written = command.revision(
                session.config,
                message,
                autogenerate=True,
                rev_id=rev_id,
            )
        if session.config.attributes.get(RESULT) == "empty" or not written:
            if rename_hints or value_hints:  # with changes, unmatched hints are refused
                given = [f"--rename {k}={v}" for k, v in rename_hints.items()]
                given += [
                    hint_text(key, old, new)
                    for key, renames in value_hints.items()
                    for old, new in renames.items()
                ]
                raise InvalidInputError(
                    f"{', '.join(given)} matches nothing: the models match the database.",
                    "leave the hint out, or change the models first.",
                )
            say("No changes: the models match the database. Nothing was written.")
            return 0
        scripts = written if isinstance(written, list) else [written]
        if expand_contract and len(scripts) == 1:
            say(
                "Nothing here breaks the code running now (no rename, type change or NOT "
                "NULL): one revision written."
            )
        for script in scripts:
            emit(str(script.path))
    return 0


def _refuse_adopting_on(dialect: str) -> None:
    """Renames in place are PostgreSQL's; elsewhere a rename re-creates the constraint."""
    if dialect != "postgresql":
        raise InvalidInputError(
            f"--adopt-names renames constraints and indexes in place, which the workbench "
            f"supports on PostgreSQL only (this database is {dialect}).",
            "leave --adopt-names out: constraints that differ from the models in name only "
            "are not reported as differences.",
        )


def _refuse_expand_contract_on(dialect: str) -> None:
    """Expand/contract needs triggers that rewrite the row and transactional DDL.

    SQLite has neither a rolling deploy nor ALTER for most changes (it copies the table);
    MySQL/MariaDB commit every DDL statement at once, so an expand that fails half-way
    (a backfill refused, a lock timeout) would leave its column and trigger behind with
    no transaction to roll them back, and the safe NOT NULL and index steps it builds on
    are PostgreSQL's.
    """
    if dialect == "sqlite":
        reason = "SQLite has no rolling deploys to protect and copies the table for an ALTER"
    elif dialect in ("mysql", "mariadb"):
        reason = (
            "MySQL/MariaDB commit each DDL statement on its own, so a failed expand could "
            "not be rolled back"
        )
    else:
        return
    raise InvalidInputError(
        f"--expand-contract is supported on PostgreSQL only: {reason}.",
        "leave --expand-contract out and deploy the change in one step (the old code "
        "stops working when it lands), or run it against PostgreSQL.",
    )


def _blank_revision(message: str, settings: Settings) -> int:
    """A revision to write by hand; refused, like autogenerate, when the database is at a
    revision this code does not have (its id would be handed out a second time)."""
    with open_session(settings) as session:
        single_head(session.script)
        refuse_unknown(database_state(session.connection, session.script))
        with _quiet_hooks():
            written = command.revision(
                session.config, message, rev_id=next_revision_id(session.script)
            )
    emit(str(written.path))
    return 0


def check(settings: Settings | None = None) -> int:
    """0 when the models match the database at head, 1 with the differences listed."""
    settings = settings or load_settings()
    metadata = load_metadata(settings.models_module)
    with open_session(settings) as session:
        single_head(session.script)
        refuse_over_long_names(metadata, settings, session.connection.dialect)
        _bring_to_head(session)
        diffs = compare_metadata(session.connection, metadata, settings)
        if session.connection.in_transaction():
            session.connection.rollback()
    if not diffs:
        emit("The models match the database at head.")
        return 0
    emit(f"The models differ from the database ({len(diffs)} difference(s)):")
    for diff in diffs:
        emit(f"  - {describe_diff(diff)}")
    emit('Run `uvx invoke create-migration "..."` to write a revision for them.')
    return 1
