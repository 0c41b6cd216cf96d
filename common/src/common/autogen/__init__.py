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
    alembic_proofs,
    check_constraints,
    computed,
    enums,
    identity,
    indexes,
    objects,
    partitions,
    schemas,
    sequences,
    server_defaults,
    tables,
    types,
)
from common.autogen.scope import Scope
from common.config import Settings

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
    alembic_proofs,
    check_constraints,
    computed,
    enums,
    identity,
    indexes,
    objects,
    partitions,
    schemas,
    sequences,
    server_defaults,
    tables,
    types,
):
    Plugin.setup_plugin_from_module(_module, _module.__name__)


def compare_options(settings: Settings, metadata: MetaData) -> dict[str, Any]:
    """``context.configure`` options of a comparison: what is compared and by which plugins.

    ``common.migration_env`` adds what running and rendering need; ``compare_metadata``
    uses these alone.
    """
    scope = Scope.from_settings(settings, metadata)
    return {
        "target_metadata": metadata,
        "compare_type": True,
        "compare_server_default": True,
        "autogenerate_plugins": PLUGINS,
        "include_schemas": scope.several_schemas,
        "include_name": scope.include_name,
        "include_object": scope.include_object,
    }


def compare_metadata(connection: Connection, metadata: MetaData, settings: Settings) -> list[Any]:
    """Differences between ``metadata`` and the database, as Alembic's diff list.

    ``settings`` gives the comparison's scope (schemas, include/exclude).
    """
    context = MigrationContext.configure(connection, opts=compare_options(settings, metadata))
    return _alembic_compare_metadata(context, metadata)
