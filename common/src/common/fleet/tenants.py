"""Tenant schemas: the fleet entries whose ``schemas`` name schemas in one database.

A pattern (shell wildcards: ``tenant_*``) is matched against the database's schemas
(``pg_namespace``, without PostgreSQL's own), read once per entry; a plain name must
exist, or that target gets one line saying so. Each schema found becomes a target of its
own: the same URL with ``tenant_schema`` set, so it keeps its own ``alembic_version``,
``alembic_history`` and migration lock (``common.database.tenant_options``,
``common.runner.lock.pg_lock_class``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from sqlalchemy import URL, column, select, table
from sqlalchemy.exc import SQLAlchemyError

from common.config import Settings
from common.database import Target as DatabaseTarget
from common.database import connect
from common.errors import WorkbenchError
from common.fleet.targets import (
    Entry,
    Target,
    entry_name,
    entry_url,
    for_target,
    mark_duplicates,
    read_fleet,
    schema_name,
)

WILDCARDS = set("*?[")
_namespaces = table("pg_namespace", column("nspname"))


def load_targets(fleet: str, settings: Settings) -> list[Target]:
    """The fleet file's targets, each usable or carrying its one-line error."""
    return resolve(read_fleet(Path(fleet)), settings)


def resolve(entries: list[Entry], settings: Settings) -> list[Target]:
    """Every target of the fleet, in file order; the unusable ones carry their error."""
    targets: list[Target] = []
    for entry in entries:
        targets.extend(_targets_of(entry, settings))
    mark_duplicates(targets)
    return targets


def _targets_of(entry: Entry, settings: Settings) -> list[Target]:
    try:
        url = entry_url(entry)
    except WorkbenchError as exc:
        return [Target(entry_name(entry, None), error=exc.one_line().removeprefix("error: "))]
    name = entry_name(entry, url)
    if not entry.schemas:
        return [Target(name, url, entry=entry)]
    if url.get_backend_name() != "postgresql":
        return [
            Target(
                name,
                error="schemas = ... needs a PostgreSQL url (on MySQL/MariaDB a schema is a "
                "database: list each one as a target of its own).",
            )
        ]
    try:
        found = schemas_in(url, settings)
    except WorkbenchError as exc:
        return [Target(name, error=for_target(exc.one_line().removeprefix("error: ")))]
    return _matches(entry, url, name, found)


def _matches(entry: Entry, url: URL, name: str, found: list[str]) -> list[Target]:
    targets: list[Target] = []
    chosen: set[str] = set()
    for pattern in entry.schemas:
        if not WILDCARDS & set(pattern):
            if pattern in found:
                chosen.add(pattern)
            else:
                targets.append(
                    Target(
                        schema_name(entry, url, pattern),
                        error=f"the schema {pattern} does not exist in database "
                        f"{url.database}. Fix: create it, or correct its name in the fleet "
                        "file.",
                    )
                )
            continue
        matched = [s for s in found if fnmatchcase(s, pattern)]
        if not matched:
            targets.append(
                Target(
                    f"{name} ({pattern})",
                    error=f"schemas = {pattern!r} matches no schema in database "
                    f"{url.database}. Fix: check the pattern (shell wildcards, case "
                    "matters).",
                )
            )
        chosen.update(matched)
    for schema in sorted(chosen):
        targets.append(Target(schema_name(entry, url, schema), url, schema, entry=entry))
    return targets


def schemas_in(url: URL, settings: Settings) -> list[str]:
    """The database's own schemas, sorted (``DatabaseUnavailableError`` if unreachable)."""
    plain = settings.model_copy(update={"tenant_schema": ""})
    query = select(_namespaces.c.nspname).where(
        ~_namespaces.c.nspname.startswith("pg_", autoescape=True),
        _namespaces.c.nspname != "information_schema",
    )
    with connect(DatabaseTarget(url, embedded=False), plain) as connection:
        try:
            return sorted(connection.scalars(query))
        except SQLAlchemyError as exc:
            from common.database import driver_message

            raise WorkbenchError(
                f"cannot list the schemas of {url.database}: {driver_message(exc, url)}.",
                "check that the url's user may read pg_namespace.",
            ) from None
