"""The review covers every compared schema, not only the default one.

The models put ``event`` and its enum type ``level`` in the ``audit`` schema. A pending
revision changes both there and its downgrade undoes neither: the round trip (its
snapshots), the impact check (its table statistics) and drift (the models) must each
see it. One deployed project, one review, in-process.
"""

from __future__ import annotations

import json
import textwrap

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

MODELS = """
    import sqlalchemy as sa
    from sqlmodel import Field, SQLModel

    class Event(SQLModel, table=True):
        __table_args__ = {"schema": "audit"}
        id: int | None = Field(default=None, primary_key=True)
        level: str = Field(
            sa_column=sa.Column(
                sa.Enum("low", "high", name="level", schema="audit"), nullable=False
            )
        )
"""

PENDING = """
    import sqlalchemy as sa
    from alembic import op

    revision = "0002"
    down_revision = "0001"


    def upgrade() -> None:
        op.execute("ALTER TYPE audit.level ADD VALUE IF NOT EXISTS 'mid'")
        op.add_column("event", sa.Column("note", sa.Text(), nullable=True), schema="audit")
        op.alter_column("event", "id", type_=sa.BigInteger(), schema="audit")


    def downgrade() -> None:
        op.execute("SELECT 1")
"""


def _check(report: dict, prefix: str) -> dict:
    [check] = [c for c in report["checks"] if c["name"].startswith(prefix)]
    return check


def test_review_covers_tables_and_enums_of_another_schema(project, pg_url):
    project.use_database(pg_url)
    project.write_models(MODELS)
    project.ok("create-migration", "Create events")
    project.ok("update-db")
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.begin() as conn:
        rows = "INSERT INTO audit.event (level) SELECT 'low' FROM generate_series(1, 300)"
        conn.execute(text(rows))
        conn.execute(text("ANALYZE audit.event"))
    engine.dispose()
    (project.versions / "0002_change_audit.py").write_text(textwrap.dedent(PENDING).lstrip())

    result = project.run("review", "--json", "--large-table-rows", "100")
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)

    round_trip = _check(report, "Round trip")
    assert round_trip["status"] == "failed"
    first = round_trip["details"][0]
    assert first.startswith("downgrading 0002_change_audit: ")
    assert "column audit.event.note is left over" in first
    assert "column audit.event.id differs: integer not null" in first
    assert "enum audit.level differs: low,high -> low,high,mid" in first

    impact = _check(report, "Impact")
    rows = {(row["table"], row["work"]): row["rows"] for row in impact["data"]}
    assert rows[("audit.event", "rewrite")] == 300
    assert impact["status"] == "failed"
    assert "holds ACCESS EXCLUSIVE on audit.event (~300 rows" in impact["summary"]

    drift = _check(report, "Models match")
    assert drift["status"] == "failed"
    assert "remove column audit.event.note" in drift["details"]
    assert "change type of audit.event.id: BIGINT() -> Integer()" in drift["details"]
