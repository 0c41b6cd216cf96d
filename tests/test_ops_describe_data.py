"""The review header's line, lock and destruction of each batch, enum and stop step
come from the op itself.

These are the texts ``render/header.py`` printed from its own table (``_CALLS``) and
special cases; the ops now carry them, per database.
"""

from __future__ import annotations

import sqlalchemy as sa

from common.ops import (
    AddEnumValueOp,
    BatchCopyColumnOp,
    BatchDeleteOp,
    BatchUpdateOp,
    CreateEnumTypeOp,
    DropEnumTypeOp,
    RequireDataMigrationOp,
    StopMigrationOp,
    SwapEnumTypeOp,
)


def test_batch_steps_hold_row_locks_one_batch_at_a_time():
    backfill = BatchUpdateOp("item", {"rank": 0}, where=sa.column("rank").is_(None))
    assert backfill.describe() == "backfill item in batches"
    assert backfill.lock("postgresql") == "row locks, one batch at a time"
    assert backfill.lock("mysql") == "InnoDB row locks, one batch at a time"
    assert backfill.lock("sqlite") == "the database's write lock, one batch at a time"
    assert backfill.destroys() is None
    purge = BatchDeleteOp("log", where=sa.column("id") < 10, schema="audit")
    assert purge.describe() == "delete rows of audit.log in batches"
    assert purge.destroys() == "the rows of audit.log where id < 10"
    copy = BatchCopyColumnOp("item", "a", "b")
    assert copy.describe() == "copy item.a into item.b in batches"


def test_a_batch_step_reverses_into_a_stop_not_a_silent_no_op():
    reverse = BatchUpdateOp("item", {"rank": 0}).reverse()
    assert isinstance(reverse, StopMigrationOp)
    assert reverse.reason == (
        "batch_update on item cannot be undone: the rows it changed keep no copy of what they held."
    )


def test_enum_steps_name_their_postgresql_locks_and_do_nothing_elsewhere():
    add = AddEnumValueOp("status", "c", after="b")
    assert add.lock("postgresql") == (
        "brief catalog change on the type, outside the transaction (no table rewritten)"
    )
    swap = SwapEnumTypeOp("status", ["a"], ["a", "b"])
    assert swap.lock("postgresql") == (
        "ACCESS EXCLUSIVE on every table with a column of this type, while that column is rewritten"
    )
    for op in (add, swap, CreateEnumTypeOp("status", ["a"]), DropEnumTypeOp("status")):
        assert (
            op.lock("sqlite")
            == op.lock("mysql")
            == ("none (no named enum types on this database: nothing runs)")
        )
    assert DropEnumTypeOp("status", schema="billing").destroys() == (
        "enum type status in schema billing and its list of values"
    )


def test_stops_say_so_before_any_change():
    stop = StopMigrationOp("task.title is NOT NULL without a default", "give it a default")
    assert stop.describe() == "STOP before any change: task.title is NOT NULL without a default"
    assert [stop.lock(d) for d in ("postgresql", "mysql", "sqlite")] == ["none"] * 3
    cast = RequireDataMigrationOp("task", "code", "integer", "uuid")
    assert cast.describe() == (
        "STOP before any change: data migration needed for task.code "
        "(integer -> uuid: no cast converts the values)"
    )
    assert cast.lock("postgresql") == "none"
