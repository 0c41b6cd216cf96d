"""Hand-written revision files for the runner tests: small, numbered, one table each."""

from __future__ import annotations

import textwrap
from pathlib import Path

EMPTY_MODELS = "from sqlmodel import SQLModel\n"

_TEMPLATE = '''\
"""Revision {num}."""
import os
import time

import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = {down!r}
branch_labels = None
depends_on = None
{header}

def upgrade():
    delay = os.environ.get("REVISION_SLEEP_{rev}") or os.environ.get("REVISION_SLEEP")
    time.sleep(float(delay or 0))
{upgrade}


def downgrade():
{downgrade}
'''


def rev_id(num: int) -> str:
    return f"{num:04d}"


def write_revision(
    versions: Path,
    num: int,
    upgrade: str | None = None,
    downgrade: str | None = None,
    header: str = "",
) -> Path:
    """Revision ``num`` (down_revision ``num - 1``); by default it creates table ``t<num>``."""
    upgrade = upgrade or f'op.create_table("t{num}", sa.Column("id", sa.Integer, primary_key=True))'
    downgrade = downgrade or f'op.drop_table("t{num}")'
    path = versions / f"{rev_id(num)}_rev_{num}.py"
    path.write_text(
        _TEMPLATE.format(
            num=num,
            rev=rev_id(num),
            down=rev_id(num - 1) if num > 1 else None,
            header=header,
            upgrade=textwrap.indent(textwrap.dedent(upgrade).strip(), "    "),
            downgrade=textwrap.indent(textwrap.dedent(downgrade).strip(), "    "),
        )
    )
    return path


def write_revisions(versions: Path, count: int, start: int = 1) -> None:
    for num in range(start, start + count):
        write_revision(versions, num)


def history_rows(url) -> list[tuple[str, str, str]]:
    """(revision, direction, status) of every alembic_history row, oldest first."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT revision, direction, status FROM alembic_history ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


def spawn(project, *args: str, **env: str):
    """Start ``python -m common ARGS`` in the scratch project without waiting for it."""
    import subprocess
    import sys

    return subprocess.Popen(
        [sys.executable, "-m", "common", *args],
        cwd=project.root,
        env={**project.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
