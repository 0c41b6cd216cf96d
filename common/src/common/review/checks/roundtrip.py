"""Drift and round trip, on a scratch database so the target is never touched.

Upgrade the scratch database from empty to head, snapshotting the schema after every
revision (Alembic's ``on_version_apply``, inside each revision's transaction). At head:
compare the models (drift). Then seed a row per table, downgrade each pending revision
(the schema must equal the snapshot before that revision; seeded rows in surviving tables
must survive) and upgrade again (the schema must equal the first pass's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.runtime.environment import EnvironmentContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import URL, Connection, text

from common.alembic_private import downgrade_steps, upgrade_steps
from common.autogen import compare_metadata
from common.autogen.describe import describe_diff
from common.config import Settings
from common.database import driver_message, make_engine
from common.errors import WorkbenchError
from common.migration_env import ON_VERSION_APPLY_ATTRIBUTE
from common.models import load_metadata
from common.review.checks.compared import ComparedSchemas
from common.review.checks.scratch import scratch_database
from common.review.checks.snapshot import differences, row_counts, seed, snapshot, tables_of
from common.review.model import CheckResult, Status
from common.revisions import build_config

ROUND_TRIP = "Round trip on a scratch database (down and up again)"
DRIFT = "Models match the database at head (no missing migration)"


@dataclass
class _Pass:
    """Collects what one upgrade or downgrade run shows after each revision step."""

    connection: Connection
    script: ScriptDirectory
    snapshots: dict[str | None, dict]
    verb: str
    schemas: ComparedSchemas
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    #: also called after each revision of the recording pass (the old-code probe)
    observe: Callable[[Connection, str | None], None] | None = None

    def parent(self, revision: str) -> str | None:
        down = self.script.get_revision(revision).down_revision
        return down if isinstance(down, str) or down is None else down[0]

    def __call__(self, *, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        revision = step.up_revision_id
        label = Path(self.script.get_revision(revision).path).stem
        shot = snapshot(self.connection, self.schemas)
        if self.verb == "record":
            self.snapshots[revision] = shot
            if self.observe is not None:
                self.observe(self.connection, revision)
            return
        expected_key = revision if self.verb == "upgrade" else self.parent(revision)
        diffs = differences(self.snapshots.get(expected_key, {}), shot)
        if diffs:
            action = "re-applying" if self.verb == "upgrade" else "downgrading"
            self.problems.append(f"{action} {label}: " + "; ".join(diffs))
        if self.verb == "downgrade" and self.counts:
            self._compare_rows(label, shot)

    def _compare_rows(self, label: str, shot: dict) -> None:
        present = tables_of(shot) & set(self.counts)
        now = row_counts(self.connection, present)
        for name, count in now.items():
            if count < self.counts[name]:
                self.problems.append(
                    f"downgrading {label} lost rows of {name} ({self.counts[name]} -> {count})"
                )
        self.counts = now


def _upgrade(config, script: ScriptDirectory, destination: str) -> None:
    """``alembic upgrade`` on the scripts already loaded (_upgrade reloads them)."""
    with EnvironmentContext(
        config,
        script,
        fn=lambda rev, context: upgrade_steps(script, destination, rev),
        destination_rev=destination,
    ):
        script.run_env()


def _downgrade(config, script: ScriptDirectory, destination: str) -> None:
    with EnvironmentContext(
        config,
        script,
        fn=lambda rev, context: downgrade_steps(script, destination, rev),
        destination_rev=destination,
    ):
        script.run_env()


def _run(config, connection: Connection, action, target: str, observer: _Pass) -> str | None:
    config.attributes[ON_VERSION_APPLY_ATTRIBUTE] = observer
    try:
        action(config, observer.script, target)
    except WorkbenchError as exc:
        return exc.one_line()
    except Exception as exc:  # the migration itself failed: that is the finding
        return driver_message(exc)
    finally:
        if connection.in_transaction():
            connection.rollback()
    return None


def _drift(connection: Connection, settings: Settings) -> CheckResult:
    try:
        diffs = compare_metadata(connection, load_metadata(settings.models_module), settings)
    except WorkbenchError as exc:
        return CheckResult(DRIFT, Status.FAILED, exc.one_line())
    finally:
        if connection.in_transaction():
            connection.rollback()
    if not diffs:
        return CheckResult(DRIFT, Status.PASSED, "the models match the schema at head")
    details = [describe_diff(diff) for diff in diffs]
    summary = f"{len(diffs)} difference(s): run create-migration for them"
    return CheckResult(DRIFT, Status.FAILED, summary, details)


def scratch_checks(
    url: URL,
    script: ScriptDirectory,
    start: str | None,
    pending: list[Script],
    settings: Settings,
    observe: Callable[[Connection, str | None], None] | None = None,
) -> list[CheckResult]:
    """The drift and round-trip checks, run on a scratch copy of ``url``'s server;
    ``observe(connection, revision)`` runs at each step of the first upgrade."""
    with scratch_database(url) as scratch_url:
        engine = make_engine(scratch_url)
        try:
            with engine.connect() as connection:
                return _checks(connection, script, start, pending, settings, observe)
        finally:
            engine.dispose()


def _checks(connection, script, start, pending, settings: Settings, observe) -> list[CheckResult]:
    config = build_config(settings, connection)
    if connection.dialect.name == "postgresql":
        # a scratch database need not survive a crash: skip the WAL flush at each commit
        connection.execute(text("SET synchronous_commit = off"))
        connection.commit()
    schemas = ComparedSchemas.from_settings(settings)
    snapshots: dict[str | None, dict] = {None: snapshot(connection, schemas)}
    if observe is not None:
        observe(connection, None)
    connection.rollback()
    record = _Pass(connection, script, snapshots, "record", schemas, observe=observe)
    failure = _run(config, connection, _upgrade, "head", record)
    if failure:
        message = f"upgrade to head fails on a scratch database: {failure}"
        return [
            CheckResult(DRIFT, Status.SKIPPED, "the upgrade to head failed"),
            CheckResult(ROUND_TRIP, Status.FAILED, message),
        ]
    results = [_drift(connection, settings)]
    if not pending:
        results.append(CheckResult(ROUND_TRIP, Status.SKIPPED, "no pending revisions"))
        return results
    seeded = seed(connection, schemas.present(connection))
    connection.commit()
    counts = row_counts(connection, set(seeded))
    down = _Pass(connection, script, snapshots, "downgrade", schemas, counts=counts)
    connection.rollback()
    problems = []
    failure = _run(config, connection, _downgrade, start or "base", down)
    problems += down.problems
    if failure:
        problems.append(f"downgrade fails: {failure}")
    else:
        up = _Pass(connection, script, snapshots, "upgrade", schemas)
        failure = _run(config, connection, _upgrade, "head", up)
        problems += up.problems + ([f"upgrade again fails: {failure}"] if failure else [])
    if problems:
        results.append(CheckResult(ROUND_TRIP, Status.FAILED, problems[0], problems))
    else:
        summary = (
            f"{len(pending)} revision(s) downgraded and re-applied; schema identical at each "
            f"step, rows kept ({len(seeded)} table(s) seeded)"
        )
        results.append(CheckResult(ROUND_TRIP, Status.PASSED, summary))
    return results
