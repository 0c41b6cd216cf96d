"""One test's database: moved along the revisions with the workbench's own commands.

``migrate_to`` runs ``update-db`` or ``downgrade`` (whichever way the revision lies) with
a Settings object pointing at the test's database, so a user's test goes through the same
runner as a deploy: the migration lock, the history table, the timeouts and the
checksum refusal. Rows go in and come out through SQLAlchemy Core on reflected tables,
so a test can speak of the schema as it is at that revision, not as the models say.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, MetaData, Table, create_engine, select
from sqlalchemy.pool import NullPool

from common.config import Settings, load_settings
from common.revisions import build_config, load_scripts, resolve_revision

Rows = Mapping[str, Iterable[Mapping[str, Any]]]


def project_settings(project_dir: Path, url: URL) -> Settings:
    """The project's settings (its ``.env`` too) with the database replaced by ``url``."""
    return load_settings(
        project_dir / ".env",
        project_dir=project_dir,
        database_url=url.render_as_string(hide_password=False),
    )


@dataclass
class WorkbenchDatabase:
    """A fresh, empty database for one test, and the project whose revisions it runs."""

    url: URL
    settings: Settings

    def engine(self):
        return create_engine(self.url, poolclass=NullPool)

    def scripts(self) -> ScriptDirectory:
        return load_scripts(build_config(self.settings))

    def current(self) -> tuple[str, ...]:
        engine = self.engine()
        try:
            with engine.connect() as connection:
                return tuple(MigrationContext.configure(connection).get_current_heads())
        finally:
            engine.dispose()

    def migrate_to(self, revision: str = "head") -> None:
        """Upgrade or downgrade to ``revision`` (an id, ``head`` or ``base``)."""
        from common.commands.apply import downgrade, update_db

        script = self.scripts()
        target = resolve_revision(script, revision)
        current = self.current()
        if target == "base":
            if current:
                _succeed(downgrade(revision="base", settings=self.settings), revision)
            return
        if target in current:
            return
        below = {r.revision for head in current for r in script.iterate_revisions(head, "base")}
        if target in below:
            _succeed(downgrade(revision=target, settings=self.settings), revision)
        else:
            _succeed(update_db(revision=target, contract=True, settings=self.settings), revision)

    def table(self, name: str, connection) -> Table:
        return Table(name, MetaData(), autoload_with=connection)

    def insert(self, rows: Rows) -> None:
        """Insert ``{table: [row, ...]}``, tables in the order given, in one transaction."""
        engine = self.engine()
        try:
            with engine.begin() as connection:
                for name, values in rows.items():
                    values = [dict(row) for row in values]
                    if values:
                        connection.execute(self.table(name, connection).insert(), values)
        finally:
            engine.dispose()

    def rows(self, name: str, *columns: str) -> list[dict[str, Any]]:
        """The rows of ``name`` (only ``columns`` if given), in primary-key order."""
        engine = self.engine()
        try:
            with engine.connect() as connection:
                table = self.table(name, connection)
                chosen = [table.c[c] for c in columns] if columns else list(table.c)
                order = list(table.primary_key.columns) or chosen
                result = connection.execute(select(*chosen).order_by(*order))
                return [dict(row._mapping) for row in result]
        finally:
            engine.dispose()

    def check_data_migration(
        self,
        *,
        at: str,
        insert: Rows,
        upgrade_to: str,
        expect: Rows,
        expect_after_downgrade: Rows | None = None,
    ) -> None:
        """Rows inserted at ``at``, checked at ``upgrade_to``, then back at ``at``.

        Each expectation lists, per table, the rows in primary-key order, compared on the
        columns the expected rows name. After the downgrade the default expectation is
        the inserted rows themselves: a reversible data migration gives them back.
        """
        self.migrate_to(at)
        self.insert(insert)
        self.migrate_to(upgrade_to)
        self._expect(expect, f"after upgrading to {upgrade_to}")
        self.migrate_to(at)
        self._expect(
            insert if expect_after_downgrade is None else expect_after_downgrade,
            f"after downgrading back to {at}",
        )

    def _expect(self, expected: Rows, when: str) -> None:
        for name, wanted in expected.items():
            wanted = [dict(row) for row in wanted]
            columns = sorted({column for row in wanted for column in row})
            found = self.rows(name, *columns)
            assert found == wanted, f"{name} {when}: expected {wanted}, found {found}"


def _succeed(code: int, revision: str) -> None:
    assert code == 0, f"migrating to {revision} exited {code}"
