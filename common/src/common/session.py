"""The setup every database command shares: settings, scripts, the target, a connection.

Below ``commands`` and ``runner`` alike: the runner applies revisions on a session that a
command opened, so the session cannot belong to the commands layer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from common.config import Settings, load_settings
from common.database import Target, connect, resolve_target
from common.output import say
from common.revisions import CONNECTION_ATTRIBUTE, build_config, load_scripts


@dataclass
class Session:
    settings: Settings
    config: Config
    script: ScriptDirectory
    target: Target
    connection: Connection


@contextmanager
def open_session(settings: Settings | None = None, announce: bool = True) -> Iterator[Session]:
    """Load the scripts first (a broken file stops us before any connection), then connect."""
    settings = settings or load_settings()
    config = build_config(settings)
    script = load_scripts(config)
    target = resolve_target(settings)
    if announce:
        say(f"Database: {target.description}")
    with connect(target, settings) as connection:
        config.attributes[CONNECTION_ATTRIBUTE] = connection
        yield Session(settings, config, script, target, connection)
