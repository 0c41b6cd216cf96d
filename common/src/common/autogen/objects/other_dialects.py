"""Views and triggers on MySQL/MariaDB and SQLite; the other kinds are PostgreSQL only."""

from __future__ import annotations

from typing import Any

from alembic.operations import ops

from common.ops.objects.ddl import PostgresOnlyError

_POSTGRESQL_ONLY = {
    "extension": "extensions",
    "materialized_view": "materialized views",
    "function": "functions",
    "policy": "row-level security policies",
}


def compare(connection: Any, objects: list, upgrade_ops: ops.UpgradeOps) -> None:
    dialect = connection.dialect.name
    for obj in objects:
        if obj.kind in _POSTGRESQL_ONLY:
            what = _POSTGRESQL_ONLY[obj.kind]
            raise PostgresOnlyError(
                f"{what} are PostgreSQL only; {obj.name} is declared but this database is "
                f"{dialect}.",
                f"remove {obj.name} from the declarations for this database.",
            )
