"""Comparators the workbench adds to Alembic's autogenerate, and ``compare_metadata``.

Each comparator lives in its own module with a ``setup(plugin)`` function, enabled
through ``autogenerate_plugins`` (see ../shared/DESIGN.md).
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata as _alembic_compare_metadata
from alembic.migration import MigrationContext
from alembic.runtime.plugins import Plugin
from sqlalchemy import Connection, MetaData

from common.autogen import (
    adopt,
    check_constraints,
    computed,
    enums,
    identity,
    indexes,
    objects,
    schemas,
    sequences,
    server_defaults,
    tables,
    types,
)
from common.config import Settings, load_settings

# common.autogen.types replaces Alembic's type comparison (it calls the same dialect
# comparison first), so Alembic's own is left out instead of running twice;
# common.autogen.tables replaces Alembic's table loop with one that skips tables the bulk
# reflection proves unchanged.
PLUGINS = [
    "alembic.autogenerate.*",
    "~alembic.autogenerate.types",
    "~alembic.autogenerate.tables",
    "common.autogen.*",
]

for _module in (
    adopt,
    check_constraints,
    computed,
    enums,
    identity,
    indexes,
    objects,
    schemas,
    sequences,
    server_defaults,
    tables,
    types,
):
    Plugin.setup_plugin_from_module(_module, _module.__name__)


def compare_metadata(
    connection: Connection, metadata: MetaData, settings: Settings | None = None
) -> list[Any]:
    """Differences between ``metadata`` and the database, as Alembic's diff list.

    ``settings`` gives the comparison's scope (schemas, include/exclude); default: the
    environment's.
    """
    from common.migration_env import context_options

    options = context_options(connection.dialect.name, settings or load_settings(), metadata)
    options.pop("process_revision_directives")
    context = MigrationContext.configure(connection, opts=options)
    return _alembic_compare_metadata(context, metadata)
