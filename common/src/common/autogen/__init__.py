"""Comparators the workbench adds to Alembic's autogenerate, and ``compare_metadata``.

Each comparator lives in its own module with a ``setup(plugin)`` function, enabled
through ``autogenerate_plugins`` (see ../shared/DESIGN.md).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata as _alembic_compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData


def compare_metadata(connection: Connection, metadata: MetaData) -> list[Any]:
    """Differences between ``metadata`` and the database, as Alembic's diff list."""
    from common.migration_env import context_options

    options = context_options(connection.dialect.name)
    options["target_metadata"] = metadata
    options.pop("process_revision_directives")
    context = MigrationContext.configure(connection, opts=options)
    return _alembic_compare_metadata(context, metadata)
