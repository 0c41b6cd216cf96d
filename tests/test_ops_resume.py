"""A backfill killed midway (SIGKILL of a real update-db) resumes to the exact result.

The revision's values are not idempotent (``v = v * 3 + 1``): a row updated twice or
skipped would show in the final rows, which must equal what one UPDATE gives.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest
import sqlalchemy as sa

from common.ops.batches._checkpoint import TABLE_NAME as CHECKPOINTS

ROWS = 6_000

ADD_COLUMN = '''
"""Add note

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("item", sa.Column("note", sa.String(20), nullable=True))


def downgrade() -> None:
    op.drop_column("item", "note")
'''

# Batched steps commit the revision's earlier steps when they start, so the backfill
# lives in a revision of its own (the README says why).
BACKFILL = '''
"""Backfill v

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.batch_update("item", {"v": sa.text("v * 3 + 1")}, where="v IS NOT NULL",
                    batch_size=200, pause=0.05)
    op.batch_update("item", {"note": "done"})


def downgrade() -> None:
    pass
'''


def _seed(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER)"))
        rows = [{"id": i, "v": None if i % 10 == 0 else i} for i in range(1, ROWS + 1)]
        conn.execute(sa.text("INSERT INTO item (id, v) VALUES (:id, :v)"), rows)


def _rows_done(engine) -> int:
    with engine.connect() as conn:
        try:
            return conn.execute(sa.text(f"SELECT max(rows_done) FROM {CHECKPOINTS}")).scalar() or 0
        except sa.exc.DBAPIError:
            return 0


@pytest.mark.e2e
def test_killed_backfill_resumes_to_the_single_update_result(project, any_url, engine_for):
    engine = engine_for(any_url)
    _seed(engine)
    project.use_database(any_url)
    project.write_models("from sqlmodel import SQLModel\n")
    (project.versions / "0001_add_note.py").write_text(textwrap.dedent(ADD_COLUMN))
    (project.versions / "0002_backfill_v.py").write_text(textwrap.dedent(BACKFILL))

    process = subprocess.Popen(
        [sys.executable, "-m", "common", "update-db"],
        cwd=project.root,
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while _rows_done(engine) < ROWS // 4 and process.poll() is None:
        assert time.monotonic() < deadline, "the backfill made no progress"
        time.sleep(0.05)
    assert process.poll() is None, f"update-db ended before the kill:\n{process.stderr.read()}"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = _rows_done(engine)
    assert 0 < killed_at < ROWS * 0.9

    with engine.connect() as conn:
        half = conn.execute(sa.text("SELECT count(*) FROM item WHERE v = id * 3 + 1")).scalar()
    assert half == killed_at  # committed batches and the checkpoint agree

    resumed = project.ok("update-db")
    assert f"resuming after {killed_at:,} rows done earlier" in resumed.stderr
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, v, note FROM item ORDER BY id")).all()
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        left = conn.execute(sa.text(f"SELECT count(*) FROM {CHECKPOINTS}")).scalar()
    expected = [(i, None if i % 10 == 0 else i * 3 + 1, "done") for i in range(1, ROWS + 1)]
    assert [tuple(r) for r in rows] == expected
    assert version == "0002"
    assert left == 0
