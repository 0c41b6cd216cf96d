"""Declaratively partitioned tables (PostgreSQL): partitions, their indexes, impact.

The models declare a parent and its partitions (``common.models.partitioned``);
autogenerate creates and detaches partitions, an index on the parent is built without
blocking writes (ON ONLY, CONCURRENTLY per partition, ATTACH), a type change goes
through the parent, and the review's impact check adds the partitions up. On SQLite and
MariaDB the declaration is ignored (a plain table), as SQLAlchemy ignores
``postgresql_partition_by`` there.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext
from alembic.operations import Operations, ops
from sqlalchemy.dialects import postgresql

from common.autogen import compare_metadata
from common.config import load_settings
from common.models import NAMING_CONVENTION, partitioned
from common.ops import CreatePartitionedIndexOp
from common.ops.partitions.create_partitioned_index import (
    create_partitioned_index,
    partition_index_name,
)
from common.render.safe_indexes import make_indexes_safe
from common.review.capture import split_statements
from common.review.checks.impact import impact_check
from common.review.model import RevisionUnit, Statement
from tests.scenario import Scenario, execute, rows

BOUNDS = {
    "event_2024": "FROM ('2024-01-01') TO ('2025-01-01')",
    "event_2025": "FROM ('2025-01-01') TO ('2026-01-01')",
}


def _event_metadata() -> sa.MetaData:
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    sa.Table(
        "event",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created", sa.Date, primary_key=True),
        sa.Column("amount", sa.Integer),
        **partitioned("RANGE (created)", BOUNDS),
    )
    return metadata


def test_an_index_on_a_partitioned_table_becomes_the_three_step_build():
    """CREATE INDEX CONCURRENTLY on the parent is refused by PostgreSQL ("cannot create
    index on partitioned table concurrently"): the rewriter writes the op instead, and
    the downgrade's drop stays a plain drop_index (no concurrent drop there either)."""
    upgrade = ops.UpgradeOps(
        [ops.ModifyTableOps("event", [ops.CreateIndexOp("ix_event_amount", "event", ["amount"])])]
    )
    downgrade = ops.DowngradeOps(
        [ops.ModifyTableOps("event", [ops.DropIndexOp("ix_event_amount", "event")])]
    )
    metadata = _event_metadata()
    for container in (upgrade, downgrade):
        make_indexes_safe(container, "postgresql", postgresql.dialect(), metadata)
    [step] = upgrade.ops
    assert isinstance(step, CreatePartitionedIndexOp)
    context = AutogenContext(MigrationContext.configure(dialect_name="postgresql"))
    assert render_op_text(context, step) == (
        "op.create_partitioned_index('ix_event_amount', 'event', ['amount'], "
        "['event_2024', 'event_2025'])"
    )
    assert isinstance(downgrade.ops[0].ops[0], ops.DropIndexOp)

    buffer = io.StringIO()
    offline = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    Operations(offline).invoke(step)
    written = [" ".join(s.split()) for s in buffer.getvalue().split(";\n") if "INDEX" in s]
    assert written == [
        "CREATE INDEX IF NOT EXISTS ix_event_amount ON ONLY event (amount)",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS event_2024_amount_idx ON event_2024 (amount)",
        "ALTER INDEX ix_event_amount ATTACH PARTITION event_2024_amount_idx",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS event_2025_amount_idx ON event_2025 (amount)",
        "ALTER INDEX ix_event_amount ATTACH PARTITION event_2025_amount_idx",
    ]


def test_partition_index_names_are_the_ones_postgresql_chooses():
    assert partition_index_name("event_2024", ["amount", "id"]) == "event_2024_amount_id_idx"
    long = partition_index_name("p" * 40, ["c" * 40])
    assert long == f"{'p' * 29}_{'c' * 29}_idx" and len(long) == 63


OLD = """
    from datetime import date
    from common.models import partitioned
    from sqlmodel import Field, SQLModel

    class Event(SQLModel, table=True):
        __table_args__ = partitioned("RANGE (created)", {
            "event_2024": "FROM ('2024-01-01') TO ('2025-01-01')",
            "event_2025": "FROM ('2025-01-01') TO ('2026-01-01')",
        })
        id: int = Field(primary_key=True)
        created: date = Field(primary_key=True)
        amount: int
"""

NEW = """
    from datetime import date
    from common.models import partitioned
    from sqlalchemy import BigInteger, Column
    from sqlmodel import Field, SQLModel

    class Event(SQLModel, table=True):
        __table_args__ = partitioned("RANGE (created)", {
            "event_2025": "FROM ('2025-01-01') TO ('2026-01-01')",
            "event_2026": "FROM ('2026-01-01') TO ('2027-01-01')",
        })
        id: int = Field(primary_key=True)
        created: date = Field(primary_key=True)
        amount: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
"""

SEED = [
    "INSERT INTO event (id, created, amount) SELECT g, date '2024-06-01' + g, g "
    "FROM generate_series(1, 300) g"
]
KEPT = "SELECT id, created, amount FROM event WHERE created >= '2025-01-01' ORDER BY id"


def test_partitions_are_added_detached_indexed_and_retyped_through_the_parent(project, pg_pair):
    """The whole round trip on a table holding rows in two partitions: the schema after
    update-db equals create_all's (partitions and their indexes by name), check (drift)
    is clean, the rows of the kept partition are untouched, and the downgrade gives the
    old schema back."""
    scenario = Scenario(OLD, NEW, SEED, KEPT)
    scenario.prepare(project, pg_pair)
    first = " ".join(project.revision_files()[0].read_text().split())
    assert 'postgresql_partition_by="RANGE (created)"' in first and "info=" not in first
    assert first.count("op.create_partition(") == 2
    script = scenario.generate()
    upgrade = " ".join(script[: script.index("def downgrade")].split())
    assert "op.create_table" not in upgrade and "drop_table" not in upgrade  # no extra tables
    assert re.search(r"op\.detach_partition\( \"event\", \"event_2024\", .*drop=True", upgrade)
    assert 'op.create_partition("event", "event_2026"' in upgrade
    assert 'op.create_partitioned_index( "ix_event_amount", "event", ["amount"]' in upgrade
    assert re.search(r'op\.alter_column\( "event", "amount",.*type_=sa\.BigInteger\(\)', upgrade)
    assert "event_2025" in script and "ALTER TABLE event_2025" not in script
    scenario.upgrade_converges()
    assert rows(scenario.url, "SELECT count(*) FROM event")[0][0] > 0
    assert rows(
        scenario.url,
        "SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_event_amount'::regclass",
    ) == [(True,)]
    scenario.downgrade_converges()


def test_impact_adds_up_the_partitions_of_a_partitioned_table(pg_url, engine_for):
    engine = engine_for(pg_url)
    metadata = _event_metadata()
    with engine.begin() as conn:
        metadata.create_all(conn)
        conn.execute(
            sa.text(
                "INSERT INTO event SELECT g, date '2024-01-01' + g % 700, g "
                "FROM generate_series(1, 5000) g"
            )
        )
    # autovacuum analyzes the partitions, never a partitioned parent (reltuples stays -1)
    execute(pg_url, "ANALYZE event_2024", "ANALYZE event_2025")
    [(sql, node)] = split_statements("ALTER TABLE event ALTER COLUMN amount TYPE bigint")
    unit = RevisionUnit("r1", "r1", None, "", None, up=[Statement(sql, 1, None, node, True)])
    with engine.connect() as conn:
        result = impact_check(conn, [unit], large_rows=1000)
    [entry] = result.data
    assert entry["rows"] == 5000 and entry["size"] != "0 B", entry
    assert entry["flagged"], entry


def test_an_interrupted_partitioned_index_build_resumes(pg_url, engine_for):
    """A run stopped after the parent's index and one partition's: the rerun builds the
    other partition's index, attaches both, and the parent's index turns valid."""
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        _event_metadata().create_all(conn)
        conn.execute(sa.text("INSERT INTO event VALUES (1, '2024-05-01', 1), (2, '2025-05-01', 2)"))
        conn.execute(sa.text("CREATE INDEX ix_event_amount ON ONLY event (amount)"))
        conn.execute(sa.text("CREATE INDEX event_2024_amount_idx ON event_2024 (amount)"))
    with engine.connect() as conn:
        assert create_partitioned_index(conn, "ix_event_amount", "event", ["amount"]) == "created"
        assert create_partitioned_index(conn, "ix_event_amount", "event", ["amount"]) == "exists"
    assert rows(
        pg_url,
        "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname LIKE '%amount%' ORDER BY 1",
    ) == [
        ("event_2024_amount_idx", True),
        ("event_2025_amount_idx", True),
        ("ix_event_amount", True),
    ]


@pytest.mark.parametrize("kind", ["sqlite", "mysql"])
def test_partitions_are_ignored_off_postgresql(kind, request, engine_for):
    """SQLite and MariaDB get the plain table (SQLAlchemy ignores postgresql_partition_by
    there; the workbench ignores the partitions alike), so one models file serves a
    development database of another kind; autogenerate then finds nothing to do."""
    engine = engine_for(request.getfixturevalue(f"{kind}_url"))
    metadata = _event_metadata()
    metadata.create_all(engine)
    assert sa.inspect(engine).get_table_names() == ["event"]
    with engine.connect() as conn:
        assert compare_metadata(conn, metadata, load_settings()) == []
