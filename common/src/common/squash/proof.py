"""The proof: the chain and the squashed revision, each on a scratch database, compared.

The review's scratch databases (``review.checks.scratch``: a database made on the
configured one's server, or a temporary SQLite file) and its schema snapshots
(``review.checks.snapshot``: columns with type, nullability and default, indexes,
constraints and enum types on PostgreSQL; columns, indexes and foreign keys elsewhere).
The revision is written only into the staged copy of the project; the caller moves it
into the real one once the snapshots are equal.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

from alembic import command
from alembic.script import Script
from sqlalchemy import URL, Connection, text
from sqlalchemy.exc import SAWarning

from common.config import Settings
from common.database import make_engine
from common.errors import RevisionStateError
from common.review.checks.scratch import scratch_database
from common.review.checks.snapshot import differences, snapshot
from common.revisions import build_config
from common.runner.checksums import revision_checksum
from common.squash.build import reflected_schema, write_squashed


@dataclass
class Proven:
    """The squashed revision (in the staged project) and what the proof compared."""

    script: Script
    objects: int


def build_and_prove(
    url: URL, settings: Settings, staged: Settings, chain: list[Script], message: str
) -> Proven:
    rev = chain[-1].revision
    squashes = {r.revision: revision_checksum(r.path) for r in chain}
    with scratch_database(url) as chain_url, scratch_database(url) as squash_url:
        engine = make_engine(chain_url, settings)
        try:
            with engine.connect() as connection:
                command.upgrade(build_config(settings, connection), rev)
                expected = _shot(connection)
                schema = reflected_schema(connection)
        finally:
            engine.dispose()
        engine = make_engine(squash_url, staged)
        try:
            with engine.connect() as connection:
                config = build_config(staged, connection)
                written = write_squashed(config, connection, schema, staged, rev, message, squashes)
                command.upgrade(config, "head")
                found = _shot(connection)
        finally:
            engine.dispose()
    diffs = differences(expected, found)
    if diffs:
        raise RevisionStateError(
            f"the squashed revision does not build the chain's schema: {'; '.join(diffs)}; "
            "nothing was changed.",
            f"squash up to an earlier revision, or report this (the difference is what "
            f"autogenerate cannot render from the reflected schema at {rev}).",
        )
    return Proven(written, sum(len(kind) for kind in expected.values()))


def _shot(connection: Connection) -> dict[str, dict[str, str]]:
    """The review's snapshot; on SQLite also every object ``sqlite_master`` names.

    SQLite's snapshot is made by the same reflection the squash is built from, so what
    reflection skips (an index on an expression, a view, a trigger) would be missing on
    both sides alike; the catalog's list of names does not depend on it.
    """
    with warnings.catch_warnings():  # the skipped index: reported below, by name
        warnings.simplefilter("ignore", SAWarning)
        shot = snapshot(connection)
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text(
                "SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' "
                "ESCAPE '\\' AND tbl_name NOT LIKE 'alembic\\_%' ESCAPE '\\'"
            )
        )
        shot["objects"] = {name: kind for name, kind in rows}
        connection.rollback()
    return shot
