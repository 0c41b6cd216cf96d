"""``status --fleet FILE``: one matrix, targets by revisions.

Each cell says where a revision stands on a target: ``✓`` applied, ``·`` pending,
``✗`` its last attempt failed (``alembic_history``), ``✎`` applied but its file edited
since. A target ahead of the code, unreachable or unknown gets one line instead of cells.
Columns are only the revisions not applied everywhere (the rest are counted in a note),
so 150 revisions over 200 tenants still fit a screen.

Tenant schemas of one database are read over one connection in three queries
(``common.fleet.catalog``) rather than connecting once per tenant: that keeps 200
tenants well under a second. Separate databases are read side
by side in threads (reads only, no Alembic proxies involved).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from common.config import Settings, load_settings
from common.database import Target as DatabaseTarget
from common.database import connect, driver_message
from common.errors import WorkbenchError
from common.fleet.catalog import Bookkeeping, read_bookkeeping
from common.fleet.table import print_table
from common.fleet.targets import Target, for_target
from common.fleet.tenants import load_targets
from common.output import emit, say
from common.revisions import build_config, load_scripts, single_head
from common.runner.checksums import ACCEPTED, revision_checksum, squashed_checksum

APPLIED, PENDING, FAILED, EDITED = "✓", "·", "✗", "✎"
LEGEND = f"{APPLIED} applied  {PENDING} pending  {FAILED} failed  {EDITED} edited since applied"


@dataclass
class TargetState:
    name: str
    current: tuple[str, ...] = ()
    cells: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # ahead of the code, unreachable, unknown schema...


def fleet_status(fleet: str, settings: Settings | None = None) -> int:
    """Exit 1 when a target cannot be read, is ahead of the code or has a failed revision."""
    settings = settings or load_settings()
    script = load_scripts(build_config(settings))
    single_head(script)
    targets = load_targets(fleet, settings)
    states = read_states(targets, script, settings)
    print_matrix(states, script)
    return 1 if any(s.problem or FAILED in s.cells.values() for s in states) else 0


def read_states(
    targets: list[Target], script: ScriptDirectory, settings: Settings
) -> list[TargetState]:
    revisions = list(reversed(list(script.walk_revisions())))
    # what each file's recorded checksum may be: its own, or (a squash keeping the id of
    # the last revision it replaces) that revision's old one, as update-db accepts
    checksums = {r.revision: {revision_checksum(r.path), squashed_checksum(r)} for r in revisions}
    reader = _Reader(script, [r.revision for r in revisions], checksums)
    states = {id(t): TargetState(t.name, problem=t.error) for t in targets}
    groups: dict[str, list[Target]] = {}
    for target in targets:
        if not target.error:
            key = target.url.render_as_string(hide_password=False)
            groups.setdefault(key, []).append(target)

    def read_group(group: list[Target]) -> None:
        _read_database(group, settings, reader, lambda t: states[id(t)])

    with ThreadPoolExecutor(max(1, min(settings.fleet_parallel, len(groups) or 1))) as pool:
        list(pool.map(read_group, groups.values()))
    return [states[id(t)] for t in targets]


def _read_database(
    group: list[Target],
    settings: Settings,
    reader: _Reader,
    state_of: Callable[[Target], TargetState],
) -> None:
    plain = settings.model_copy(update={"tenant_schema": ""})
    try:
        with connect(DatabaseTarget(group[0].url, embedded=False), plain) as connection:
            try:
                books = read_bookkeeping(connection, [t.schema or None for t in group])
            except SQLAlchemyError as exc:  # no right to read a schema, and the like
                for target in group:
                    state_of(target).problem = f"cannot read it: {driver_message(exc, target.url)}"
                return
    except WorkbenchError as exc:
        for target in group:
            state_of(target).problem = for_target(exc.one_line().removeprefix("error: "))
        return
    for target in group:
        reader.read(books[target.schema or None], target.schema, state_of(target))


@dataclass
class _Reader:
    script: ScriptDirectory
    order: list[str]
    checksums: dict[str, set[str | None]]
    _below: dict[str, set[str]] = field(default_factory=dict)

    def applied_below(self, rev: str) -> set[str]:
        """``rev`` and its ancestors (asked once per revision, not once per tenant)."""
        if rev not in self._below:
            self._below[rev] = {r.revision for r in self.script.iterate_revisions(rev, "base")}
        return self._below[rev]

    def read(self, book: Bookkeeping, schema: str, state: TargetState) -> None:
        if not book.exists:
            state.problem = f"the schema {schema} does not exist (any more)."
            return
        state.current = tuple(book.versions)
        unknown = [rev for rev in state.current if rev not in self.checksums]
        if unknown:
            state.problem = (
                f"ahead of the code: at {', '.join(unknown)}, which no script here defines"
            )
            return
        applied = set().union(*(self.applied_below(rev) for rev in state.current))
        recorded, last = {}, {}
        for _, revision, direction, status, checksum in book.history:
            if direction != "up":
                continue
            last[revision] = status
            if status in ("applied", ACCEPTED):
                recorded[revision] = checksum
        for rev in self.order:
            if rev in applied:
                edited = rev in recorded and recorded[rev] not in self.checksums[rev]
                state.cells[rev] = EDITED if edited else APPLIED
            else:
                failed = last.get(rev) in ("failed", "rolled_back")
                state.cells[rev] = FAILED if failed else PENDING


def print_matrix(states: list[TargetState], script: ScriptDirectory) -> None:
    order = [r.revision for r in reversed(list(script.walk_revisions()))]
    readable = [s for s in states if not s.problem]
    columns = [rev for rev in order if any(s.cells.get(rev) != APPLIED for s in readable)]
    settled = len(order) - len(columns)
    rows = []
    for state in states:
        at = ", ".join(state.current) or "base"
        if state.problem:
            rows.append([state.name, at if state.current else "-", state.problem])
        else:
            cells = " ".join(state.cells[rev].center(len(rev)) for rev in columns)
            rows.append([state.name, at, cells or "up to date"])
    heading = " ".join(columns) or "revisions"
    print_table(("target", "at", heading), rows, title=f"Fleet status ({len(states)} targets):")
    if settled:
        emit(f"{settled} older revision(s) applied on every readable target are not shown.")
    emit(LEGEND)
    behind = sum(1 for s in readable if {PENDING, FAILED} & set(s.cells.values()))
    say(
        f"{len(readable)} target(s) read, {behind} behind head, {len(states) - len(readable)} "
        "with a problem."
    )
