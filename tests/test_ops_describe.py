"""The review header's line and lock come from the op itself (``describe``, ``lock``).

These are the texts the header printed from its own string table before the ops carried
them; the header now asks each op, so a new op brings its entry with it. No database.
"""

from __future__ import annotations

import pytest

from common import ops

BRIEF_PG = "SHARE UPDATE EXCLUSIVE (reads and writes go on), outside the transaction"
SQLITE = "the table is copied (batch mode); the database is locked while it runs"
MYSQL = "metadata lock; InnoDB rebuilds online where it can"
NOTHING = "none (the step does nothing on this database)"

CASES = [
    (
        ops.CreateIndexConcurrentlyOp("ix_x", "ticket", ["title"]),
        "create index ix_x on ticket CONCURRENTLY",
        (BRIEF_PG, SQLITE, MYSQL),
    ),
    (
        ops.DropIndexConcurrentlyOp("ix_x", "ticket"),
        "drop index ix_x on ticket CONCURRENTLY",
        (BRIEF_PG, SQLITE, MYSQL),
    ),
    (
        ops.ReindexConcurrentlyOp("ix_x"),
        "reindex ix_x CONCURRENTLY",
        (
            BRIEF_PG,
            "the database is locked while the index is rebuilt",
            "none: refused, MySQL/MariaDB have no REINDEX",
        ),
    ),
    (
        ops.SetNotNullSafelyOp("ticket", "priority"),
        "set priority NOT NULL on ticket (CHECK NOT VALID, VALIDATE, SET NOT NULL)",
        (
            "SHARE UPDATE EXCLUSIVE while validating (reads and writes go on), then brief",
            SQLITE,
            MYSQL,
        ),
    ),
    (
        ops.CreateForeignKeyNotValidOp("fk_x", "ticket", "person", ["owner_id"], ["id"]),
        "add foreign key fk_x on ticket NOT VALID",
        ("SHARE ROW EXCLUSIVE on both tables, brief (no scan)", SQLITE, MYSQL),
    ),
    (
        ops.CreateCheckConstraintNotValidOp("ck_x", "ticket", "priority > 0"),
        "add check constraint ck_x on ticket NOT VALID",
        ("ACCESS EXCLUSIVE, brief (no scan)", SQLITE, MYSQL),
    ),
    (
        ops.ValidateConstraintOp("ck_x", "ticket"),
        "validate constraint ck_x on ticket",
        ("SHARE UPDATE EXCLUSIVE (reads and writes go on) while it scans", NOTHING, NOTHING),
    ),
    (
        ops.AddUniqueConstraintConcurrentlyOp("uq_x", "ticket", ["title"]),
        "add unique constraint uq_x on ticket (index built CONCURRENTLY first)",
        ("SHARE UPDATE EXCLUSIVE for the build, then brief ACCESS EXCLUSIVE", SQLITE, MYSQL),
    ),
    (
        ops.DropForeignKeyIndexOp("ticket", "fk_x"),
        "drop index fk_x on ticket left by its foreign key",
        (NOTHING, NOTHING, MYSQL),
    ),
    (
        ops.RenameIndexOp("ix_a", "ix_b", "ticket", schema="app"),
        "rename index ix_a to ix_b on app.ticket",
        ("SHARE UPDATE EXCLUSIVE, brief", SQLITE, MYSQL),
    ),
    (
        ops.RenameConstraintOp("ticket", "ck_a", "ck_b"),
        "rename constraint ck_a to ck_b on ticket",
        ("SHARE UPDATE EXCLUSIVE, brief", SQLITE, MYSQL),
    ),
    (
        ops.RenameSequenceOp("a_seq", "b_seq"),
        "rename sequence a_seq to b_seq",
        ("SHARE UPDATE EXCLUSIVE, brief", NOTHING, NOTHING),
    ),
]


@pytest.mark.parametrize(("op", "line", "locks"), CASES, ids=lambda v: getattr(v, "op_name", ""))
def test_each_op_gives_its_header_line_and_lock(op, line, locks):
    assert op.describe() == line
    assert op.to_diff_tuple() == (op.op_name, line)
    assert (op.lock("postgresql"), op.lock("sqlite"), op.lock("mysql")) == locks
    assert op.destroys() is None
