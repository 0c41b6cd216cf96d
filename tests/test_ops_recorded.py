"""A backfill is never applied twice: its checkpoint outlives a revision that was not recorded.

The batches commit on a connection of their own; the revision is recorded later on its
own connection. When that one dies in between (here: terminated by the server right
after the walk), the rerun must not walk the rows again (``v = v + 1`` would end at
``v + 2``). In-process, on every PostgreSQL server.
"""

from __future__ import annotations

import sqlalchemy as sa

from common.ops import batch_update
from common.ops.batches._checkpoint import TABLE_NAME as CHECKPOINTS
from tests.revision_files import EMPTY_MODELS
from tests.scenario import execute, rows

ROWS = 1_000

BACKFILL = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.batch_update("item", {"v": sa.text("v + 1")}, batch_size=100)
    bind = op.get_bind()
    pid = bind.execute(sa.text("SELECT pg_backend_pid()")).scalar()
    with bind.engine.connect() as other:  # the first run loses its connection here
        if not other.execute(sa.text("SELECT count(*) FROM killed")).scalar():
            other.execute(sa.text("INSERT INTO killed VALUES (1)"))
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            other.commit()


def downgrade() -> None:
    pass
"""


def test_backfill_done_before_the_connection_died_is_not_applied_again(project, pg_url):
    execute(
        pg_url,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
        f"INSERT INTO item SELECT i, i FROM generate_series(1, {ROWS}) AS i",
        "CREATE TABLE killed (n INTEGER)",
    )
    project.use_database(pg_url)
    project.write_models(EMPTY_MODELS)
    (project.versions / "0001_backfill.py").write_text(BACKFILL)

    first = project.run("update-db")
    assert first.returncode == 1, first.output
    assert "Traceback" not in first.output
    assert rows(pg_url, "SELECT count(*) FROM item WHERE v = id + 1") == [(ROWS,)]
    assert rows(pg_url, "SELECT count(*) FROM alembic_version") == [(0,)]

    again = project.ok("update-db")
    assert "already done (1,000 rows)" in again.stderr
    assert rows(pg_url, "SELECT count(*) FROM item WHERE v = id + 1") == [(ROWS,)]
    assert rows(pg_url, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert rows(pg_url, f"SELECT count(*) FROM {CHECKPOINTS}") == [(0,)]


def test_an_ordinary_backfill_leaves_no_checkpoint(project, pg_url):
    """The row is deleted with the revision's record when nothing goes wrong."""
    execute(
        pg_url,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
        f"INSERT INTO item SELECT i, i FROM generate_series(1, {ROWS}) AS i",
        "CREATE TABLE killed (n INTEGER)",
        "INSERT INTO killed VALUES (1)",
    )
    project.use_database(pg_url)
    project.write_models(EMPTY_MODELS)
    (project.versions / "0001_backfill.py").write_text(BACKFILL)
    project.ok("update-db")
    assert rows(pg_url, "SELECT count(*) FROM item WHERE v = id + 1") == [(ROWS,)]
    assert rows(pg_url, f"SELECT count(*) FROM {CHECKPOINTS}") == [(0,)]


def test_a_direct_call_ends_a_job_its_dead_revision_left(project, pg_url, engine_for):
    """Outside a revision nobody records the job later: it is skipped and its row goes."""
    execute(
        pg_url,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
        f"INSERT INTO item SELECT i, i FROM generate_series(1, {ROWS}) AS i",
        "CREATE TABLE killed (n INTEGER)",
    )
    project.use_database(pg_url)
    project.write_models(EMPTY_MODELS)
    (project.versions / "0001_backfill.py").write_text(BACKFILL)
    assert project.run("update-db").returncode == 1
    with engine_for(pg_url).connect() as conn:
        result = batch_update(conn, "item", {"v": sa.text("v + 1")})
    assert (result.rows, result.batches, result.pending_job) == (ROWS, 0, None)
    assert rows(pg_url, "SELECT count(*) FROM item WHERE v = id + 1") == [(ROWS,)]
    assert rows(pg_url, f"SELECT count(*) FROM {CHECKPOINTS}") == [(0,)]
