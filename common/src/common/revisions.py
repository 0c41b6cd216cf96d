"""The revision scripts and where a database stands among them.

Every command checks the same preconditions here: the scripts import, there is one head,
the database's revision is known to the scripts, and it is (or is not) behind head.
"""

from __future__ import annotations

import re
from argparse import Namespace
from dataclasses import dataclass, field
from pathlib import Path

from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from common.config import SETTINGS_ATTRIBUTE, Settings
from common.errors import InvalidInputError, RevisionStateError, describe_exception
from common.paths import alembic_ini, script_location
from common.revision_sources import declarations, missing_parents, reused_ids

# config.attributes keys of the Config handed to env.py (read by common.migration_env):
# built by a workbench command (no logging set-up from alembic.ini), and the Connection
# to run on (Alembic's cookbook convention, also used by pytest-alembic)
WORKBENCH_ATTRIBUTE = "workbench"
CONNECTION_ATTRIBUTE = "connection"

MERGE_HINT = "merge them with `uvx invoke merge` (one revision with the next sequential id)."

# A revision's ``phase``, a module-level assignment next to ``depends_on`` that
# ``create-migration --expand-contract`` writes. An expand revision is applied as any
# other; a contract revision drops what the old code still uses, so update-db stops
# before it until it is told (``--contract``) that the new code is fully deployed.
EXPAND, CONTRACT = "expand", "contract"
PHASES = (EXPAND, CONTRACT)
CONTRACT_FLAG = "uvx invoke update-db --contract"


def build_config(settings: Settings, connection: Connection | None = None) -> Config:
    """Alembic's Config for the settings' project, with ``connection`` handed to env.py.

    The Settings travel in ``config.attributes`` so that env.py and the operations use the
    caller's, not whatever the environment of the process says.
    """
    root = settings.project_dir
    # quiet: Alembic's own "Generating ... done" chatter would mix with our stdout
    config = Config(str(alembic_ini(root)), cmd_opts=Namespace(quiet=True, x=None))
    config.set_main_option("script_location", str(script_location(root)))
    config.attributes[WORKBENCH_ATTRIBUTE] = True
    config.attributes[SETTINGS_ATTRIBUTE] = settings
    if connection is not None:
        config.attributes[CONNECTION_ATTRIBUTE] = connection
    return config


def load_scripts(config: Config) -> ScriptDirectory:
    """The revision scripts, every file imported now so a broken one stops us up front."""
    script = ScriptDirectory.from_config(config)
    check_declarations(Path(script.versions))
    try:
        for revision in script.walk_revisions():
            check_revision_id(revision)
            check_phase(revision)
    except RevisionStateError:
        raise
    except CommandError as exc:
        raise RevisionStateError(
            f"the revision history is broken: {exc}.",
            "fix down_revision in the named revision file.",
        ) from None
    except Exception as exc:
        raise RevisionStateError(
            f"a revision file fails to import: {describe_exception(exc)}.",
            "fix that file; nothing was run.",
        ) from None
    return script


def check_declarations(versions: Path) -> None:
    """Two files with one id, or a down_revision no file declares: named, before import."""
    found = declarations(versions)
    reused = reused_ids(found)
    if reused:
        rev, names = next(iter(reused.items()))
        raise RevisionStateError(
            f"the revision id {rev} is declared by {' and '.join(names)}.",
            "give one of them a new id (and update the down_revision that names it).",
        )
    missing = missing_parents(found)
    if missing:
        name, parent = missing[0]
        raise RevisionStateError(
            f"{name} has down_revision {parent!r}, which no revision file declares.",
            "point it at an existing revision (uvx invoke history lists them), or restore "
            "the missing file.",
        )


# alembic_version.version_num is VARCHAR(32); ids travel into offline SQL as literals.
REVISION_ID = re.compile(r"[A-Za-z0-9_]{1,32}")


def check_revision_id(revision: Script) -> None:
    """Letters, digits and _ only, at most 32: an id is stored, compared and written into
    ``--sql`` output, where a quote in it would end the literal and run what follows."""
    if not REVISION_ID.fullmatch(revision.revision):
        raise RevisionStateError(
            f"{Path(revision.path).name} has the revision id {revision.revision[:40]!r}, "
            "which is not 1 to 32 letters, digits or _.",
            "give it an id like 0002 (and update the down_revision that names it).",
        )


def phase(revision: Script) -> str | None:
    """``expand``, ``contract`` or None: what the revision file declares."""
    return getattr(revision.module, "phase", None)


def check_phase(revision: Script) -> None:
    """A misspelt phase would let a contract revision through unnoticed: refuse it."""
    declared = phase(revision)
    if declared is not None and declared not in PHASES:
        raise RevisionStateError(
            f"{Path(revision.path).name} declares phase = {declared!r}, which is neither "
            f"{EXPAND!r} nor {CONTRACT!r}.",
            'write phase = "expand" or phase = "contract", or remove the line.',
        )


def single_head(script: ScriptDirectory) -> str | None:
    heads = script.get_heads()
    if len(heads) > 1:
        raise RevisionStateError(
            f"the revisions have {len(heads)} heads ({', '.join(sorted(heads))}).", MERGE_HINT
        )
    return heads[0] if heads else None


def script_label(revision: Script) -> str:
    """``0001_create_tables``: the file name without ``.py``."""
    return Path(revision.path).stem


def next_revision_id(script: ScriptDirectory) -> str:
    """Sequential ids (0001, 0002, ...) keep file order readable and clashes visible."""
    ids = (revision.revision for revision in script.walk_revisions())
    numbers = [int(rev) for rev in ids if re.fullmatch(r"\d+", rev)]
    return f"{max(numbers, default=0) + 1:04d}"


def resolve_revision(script: ScriptDirectory, revision: str) -> str:
    """Check that ``revision`` names a script (or a relative step like -1)."""
    if revision in ("head", "heads", "base") or re.fullmatch(r"[+-]\d+", revision):
        return revision
    try:
        found = script.get_revision(revision)
    except CommandError:
        found = None
    if found is None:
        raise InvalidInputError(
            f"unknown revision {revision!r}.",
            "run `uvx invoke history` to list revisions; use an id like 0001, head or base.",
        )
    return found.revision


@dataclass
class DatabaseState:
    """Where the database stands relative to the scripts."""

    current: tuple[str, ...]
    head: str | None
    applied: list[Script] = field(default_factory=list)
    pending: list[Script] = field(default_factory=list)
    unknown: tuple[str, ...] = ()
    # unknown revisions a squashed revision replaced (its ``squashes``): {old id: script}
    squashed: dict[str, Script] = field(default_factory=dict)

    @property
    def behind(self) -> bool:
        return bool(self.pending)


def database_state(connection: Connection, script: ScriptDirectory) -> DatabaseState:
    """Applied and pending revisions, oldest first; ends the read-only transaction."""
    current = tuple(MigrationContext.configure(connection).get_current_heads())
    if connection.in_transaction():
        connection.commit()
    head = single_head(script)
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = tuple(rev for rev in current if rev not in known)
    if unknown:
        return DatabaseState(current, head, unknown=unknown, squashed=_squashed(script, unknown))
    applied_ids: set[str] = set()
    for rev in current:
        applied_ids.update(r.revision for r in script.iterate_revisions(rev, "base"))
    ordered = list(reversed(list(script.walk_revisions())))
    applied = [r for r in ordered if r.revision in applied_ids]
    pending = [r for r in ordered if r.revision not in applied_ids]
    return DatabaseState(current, head, applied, pending)


def _squashed(script: ScriptDirectory, unknown: tuple[str, ...]) -> dict[str, Script]:
    """Which revision's ``squashes`` (``common.commands.squash``) lists each unknown id."""
    found = {}
    for revision in script.walk_revisions():
        for rev in getattr(revision.module, "squashes", None) or {}:
            if rev in unknown:
                found[rev] = revision
    return found


def refuse_unknown(state: DatabaseState) -> None:
    if state.squashed:
        rev, squash = next(iter(state.squashed.items()))
        into, name = squash.revision, Path(squash.path).name
        raise RevisionStateError(
            f"the database is at revision {rev}, which {name} squashed together with the "
            f"revisions up to {into}: this database had not applied them all.",
            f"in a checkout from before the squash, run uvx invoke update-db --revision {into} "
            "on it; from then on this code upgrades it.",
        )
    if state.unknown:
        raise RevisionStateError(
            f"the database is at revision {', '.join(state.unknown)}, which no script here "
            "defines (the database is ahead of this code).",
            "check out the code that created it, or record a revision this code has in its "
            "place: uvx invoke stamp head (or a revision id, or base).",
        )


@dataclass(frozen=True)
class Gate:
    """How far update-db may go: ``target`` (None: nowhere), and the contract revision it
    stops before (``waiting``), if any."""

    target: str | None
    waiting: Script | None = None

    def waiting_line(self) -> str:
        assert self.waiting is not None
        return (
            f"Waiting: {script_label(self.waiting)} is a contract revision (it removes what "
            f"the old code still uses); run `{CONTRACT_FLAG}` once the new code is fully "
            "deployed."
        )


def contract_gate(script: ScriptDirectory, pending: list[Script], target: str) -> Gate:
    """Stop before the first contract revision among ``pending`` (oldest first) on the
    way to ``target``; a target at or past it becomes the revision just before it."""
    in_range = _pending_up_to(script, pending, target)
    for index, revision in enumerate(in_range):
        if phase(revision) == CONTRACT:
            return Gate(in_range[index - 1].revision if index else None, revision)
    return Gate(target)


def revisions_between(script: ScriptDirectory, start: str | None, target: str) -> list[Script]:
    """The revisions an upgrade from ``start`` (None: base) to ``target`` applies, oldest
    first: what ``update-db --sql START:TARGET`` renders."""
    return list(reversed(list(script.iterate_revisions(target, start or "base"))))


def _pending_up_to(script: ScriptDirectory, pending: list[Script], target: str) -> list[Script]:
    if target in ("head", "heads"):
        return pending
    if re.fullmatch(r"\+\d+", target):
        return pending[: int(target)]
    if target == "base" or target.startswith("-"):
        return []
    below = {r.revision for r in script.iterate_revisions(target, "base")}
    return [r for r in pending if r.revision in below]
