"""Database objects beyond tables, declared in Python beside the models.

Tables come from SQLModel classes; extensions, views, materialized views, functions,
triggers and policies are declared here, as plain values registered on the metadata::

    from common.models.db_objects import Function, Policy, Trigger, View, declare

    declare(
        Function("touch_updated_at", "", "RETURNS trigger LANGUAGE plpgsql AS $$ "
                 "BEGIN NEW.updated_at := now(); RETURN NEW; END $$"),
        Trigger("tasks_touch", "tasks",
                "BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch_updated_at()"),
        View("open_tasks", "SELECT id, title FROM tasks WHERE status <> 'done'"),
        Policy("own_tasks", "tasks", "FOR SELECT TO PUBLIC USING (assignee_id = 1)"),
    )

Each object's ``definition`` is the SQL text that follows its name in the CREATE
statement, so it reads like the SQL a person would write (and like what PostgreSQL hands
back: the comparison runs the definition through PostgreSQL and compares what the server
makes of it, never the text itself). Declare objects in the order they can be created:
a view after the views and functions it reads.

Why ``declare`` registers on the metadata: the models module is imported by name and its
metadata is what every comparison receives, so the declarations travel with it (and a
test's fresh MetaData carries its own). Once a metadata declares any object, the
workbench owns the views, materialized views, functions, triggers and policies of the
schemas it compares: one the declarations no longer name is dropped (functions and
objects that belong to an extension are never touched; extensions themselves are never
dropped by autogenerate).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import MetaData

INFO_KEY = "workbench_db_objects"


@dataclass(frozen=True)
class Extension:
    """``CREATE EXTENSION IF NOT EXISTS name [SCHEMA schema]`` (PostgreSQL only)."""

    name: str
    schema: str | None = None
    kind = "extension"


@dataclass(frozen=True)
class View:
    """``CREATE VIEW schema.name AS definition``: ``definition`` is the SELECT."""

    name: str
    definition: str
    schema: str | None = None
    kind = "view"


@dataclass(frozen=True)
class MaterializedViewIndex:
    """An index on a materialized view: ``columns`` follows ``ON view``, e.g. ``(id)`` or
    ``USING gin (title gin_trgm_ops)``."""

    name: str
    columns: str
    unique: bool = False


@dataclass(frozen=True)
class MaterializedView:
    """``CREATE MATERIALIZED VIEW schema.name AS definition WITH [NO] DATA`` and its
    indexes (PostgreSQL only). ``with_data`` is how it is created; a populated or
    unpopulated live view is not a difference (a refresh populates it)."""

    name: str
    definition: str
    schema: str | None = None
    with_data: bool = True
    indexes: tuple[MaterializedViewIndex, ...] = ()
    kind = "materialized_view"


@dataclass(frozen=True)
class Function:
    """``CREATE FUNCTION schema.name(arguments) definition`` (PostgreSQL only):
    ``definition`` holds RETURNS, LANGUAGE, options and the body, in any order."""

    name: str
    arguments: str
    definition: str
    schema: str | None = None
    kind = "function"


@dataclass(frozen=True)
class Trigger:
    """``CREATE TRIGGER name definition``: ``definition`` starts with the timing and
    names ``table`` after ON, e.g. ``BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE
    FUNCTION touch_updated_at()`` (on MySQL/SQLite the body follows instead)."""

    name: str
    table: str
    definition: str
    schema: str | None = None
    kind = "trigger"


@dataclass(frozen=True)
class Policy:
    """``CREATE POLICY name ON table definition`` (PostgreSQL only), e.g. ``FOR SELECT TO
    PUBLIC USING (owner = current_user)``; the table gets ENABLE ROW LEVEL SECURITY."""

    name: str
    table: str
    definition: str
    schema: str | None = None
    kind = "policy"


DbObject = Extension | View | MaterializedView | Function | Trigger | Policy


def declare(*objects: DbObject, metadata: MetaData | None = None) -> None:
    """Register ``objects`` on ``metadata`` (default: the models' ``SQLModel.metadata``)."""
    if metadata is None:
        from sqlmodel import SQLModel

        metadata = SQLModel.metadata
    declared = metadata.info.setdefault(INFO_KEY, [])
    declared.extend(objects)


def declared(metadata: MetaData | None) -> list[DbObject]:
    """The objects declared on ``metadata``, in declaration order."""
    if metadata is None:
        return []
    return list(metadata.info.get(INFO_KEY, ()))
