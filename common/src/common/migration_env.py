"""What ``common/alembic/env.py`` runs: the one place the migration context is configured.

A caller may hand over an Engine or a Connection in ``config.attributes[CONNECTION_ATTRIBUTE]``
(Alembic's cookbook convention, used by the workbench commands and by pytest-alembic);
otherwise the database comes from the settings, as for plain ``alembic`` commands. The
settings are the command's own (``common.config.settings_of``), read from the
environment only when plain ``alembic`` runs env.py.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from sqlalchemy import Connection, Engine, MetaData

from common import ops as _register_operations  # noqa: F401  (op.<workbench ops>)
from common.autogen import compare_options
from common.autogen.scope import Scope
from common.config import Settings, settings_of
from common.database import make_engine, offline_url, resolve_target
from common.models import load_metadata
from common.render import process_revision_directives, render_item
from common.revisions import CONNECTION_ATTRIBUTE, WORKBENCH_ATTRIBUTE
from common.runner.run import RUNNER_ATTRIBUTE
from common.runner.timeouts import Timeouts, timeout_statement

# config.attributes key: a callable given to context.configure as ``on_version_apply``
# (the review's round trip watches each step with it)
ON_VERSION_APPLY_ATTRIBUTE = "on_version_apply"


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any):
    """Leave the workbench's own bookkeeping tables out of every comparison."""
    return Scope().include_object(obj, name, type_, reflected, compare_to)


def context_options(
    dialect_name: str, settings: Settings, metadata: MetaData | None = None
) -> dict[str, Any]:
    """Options for ``context.configure`` of migrations and autogenerate: the comparison's
    (``common.autogen.compare_options``) plus running and rendering.

    ``metadata`` replaces the models module's.
    """
    if metadata is None:
        metadata = load_metadata(settings.models_module)
    return {
        **compare_options(settings, metadata),
        "transaction_per_migration": True,
        "render_as_batch": dialect_name == "sqlite",
        "render_item": render_item,
        "process_revision_directives": process_revision_directives,
        "user_module_prefix": None,
    }


def apply_timeouts(connection: Connection, settings: Settings) -> None:
    """Session-level lock and statement timeouts, so no revision queues behind a long lock.

    A revision that waits for a lock longer than ``lock_timeout`` fails instead of
    blocking every query queued behind its ACCESS EXCLUSIVE request. Plain ``alembic``
    runs get the settings' values; the workbench runner (``common.runner``) sets them per
    revision instead, honouring each revision's own overrides.
    """
    timeouts = Timeouts(settings.lock_timeout_ms, settings.statement_timeout_ms)
    statement = timeout_statement(connection.dialect.name, timeouts)
    if statement is None:
        return
    connection.execute(statement)
    connection.commit()


def run_environment(context: Any) -> None:
    """Entry point of env.py: run migrations offline (``--sql``) or online."""
    config = context.config
    if config.config_file_name and not config.attributes.get(WORKBENCH_ATTRIBUTE):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    if context.is_offline_mode():
        _run_offline(context)
    else:
        _run_online(context, config.attributes.get(CONNECTION_ATTRIBUTE))


def _run_offline(context: Any) -> None:
    settings = settings_of(context.config)
    url = offline_url(settings)
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **context_options(url.get_backend_name(), settings),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online(context: Any, connectable: Engine | Connection | None) -> None:
    if isinstance(connectable, Connection):
        _run_on_connection(context, connectable)
        return
    engine = connectable
    if engine is None:
        settings = settings_of(context.config)
        engine = make_engine(resolve_target(settings).url, settings)
    with engine.connect() as connection:
        _run_on_connection(context, connection)


def _run_on_connection(context: Any, connection: Connection) -> None:
    settings = settings_of(context.config)
    options = context_options(connection.dialect.name, settings)
    reporter = context.config.attributes.get(ON_VERSION_APPLY_ATTRIBUTE)
    if reporter is not None:
        options["on_version_apply"] = reporter
    context.configure(connection=connection, **options)
    if not context.config.attributes.get(RUNNER_ATTRIBUTE):
        apply_timeouts(connection, settings)
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()
