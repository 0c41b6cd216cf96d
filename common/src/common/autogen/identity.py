"""Identity option changes keep the column's current identity as ``existing_server_default``.

Alembic detects a changed ``Identity(start=..., increment=...)`` but leaves
``existing_server_default`` unset. Its PostgreSQL DDL then believes the column has no
identity yet and emits ``ADD GENERATED ... AS IDENTITY``, which fails on a column that
is already one. With the reflected identity recorded, the DDL becomes
``ALTER COLUMN ... SET START / SET INCREMENT``, and the downgrade (Alembic swaps
``existing_`` and ``modify_`` values) sets the old options back.
``common.render.identity`` writes the recorded value into the script.
"""

from __future__ import annotations

from typing import Any

from alembic.operations import ops
from alembic.util import DispatchPriority, PriorityDispatchResult
from sqlalchemy import Identity

from common.autogen.aspects import compares, proves
from common.autogen.signatures import Maybe

_OPTIONS = (
    "start",
    "increment",
    "minvalue",
    "maxvalue",
    "nominvalue",
    "nomaxvalue",
    "cycle",
    "cache",
)


def options(identity: Identity) -> dict[str, Any]:
    """The sequence options an ``Identity`` sets (``always`` is not one of them)."""
    values = ((key, getattr(identity, key, None)) for key in _OPTIONS)
    return {key: value for key, value in values if value is not None}


def _old_options(old: Identity, new: Identity) -> Identity:
    """The reflected identity, reduced to the options the model sets.

    The reflected one spells out every option (maxvalue, cache, cycle...); keeping only
    those the model names writes ``SET START 1`` in the downgrade, not six SETs.
    """
    old_values = options(old)
    kept = {key: old_values[key] for key in options(new) if key in old_values}
    return Identity(always=bool(old.always), **kept)


@compares("column.identity")
def _record_existing_identity(
    autogen_context: Any,
    alter_column_op: ops.AlterColumnOp,
    schema: str | None,
    tname: str,
    cname: str,
    conn_col: Any,
    metadata_col: Any,
) -> PriorityDispatchResult:
    new = alter_column_op.modify_server_default
    old = conn_col.server_default
    if isinstance(new, Identity) and isinstance(old, Identity):
        alter_column_op.existing_server_default = _old_options(old, new)
    return PriorityDispatchResult.CONTINUE


def _reads(comparer: Any, info: dict, column: Any, table: Any) -> tuple:
    return (bool(info.get("identity")), column.identity is not None)


@proves("column.identity", reads=_reads)
def _no_identity(comparer: Any, info: dict, column: Any, table: Any) -> bool:
    """The shortcut's proof: neither side an identity column (any other is compared in
    full: the options are spelled apart on the two sides)."""
    if info.get("identity") or column.identity is not None:
        raise Maybe("identity column")
    return True


def setup(plugin: Any) -> None:
    plugin.add_autogenerate_comparator(
        _record_existing_identity,
        "column",
        "existing_identity",
        priority=DispatchPriority.LAST,
    )
