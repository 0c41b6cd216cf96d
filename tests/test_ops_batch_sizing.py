"""Time-aware batch sizes (``max_batch_ms``): slow batches make the next ones smaller.

No assertion here depends on the machine's speed except with huge margins: the slow
batches are made slow on purpose (``max_batch_ms`` of one microsecond, which no batch
can meet; a ``pg_sleep`` trigger whose sleeps are a lower bound on the batch's time),
and the outcome checked is the rows (each updated exactly once) and the batch sizes.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from common import ops
from common.ops.batches import _checkpoint as checkpoint
from common.ops.batches._checkpoint import TABLE_NAME as CHECKPOINTS
from common.ops.batches._progress import Progress
from common.ops.batches._sizing import BatchSizer

NO_BATCH_IS_THAT_FAST = 0.001  # ms: one microsecond, less than any database round trip


def _items(engine, rows: int) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)"))
        conn.execute(
            sa.text("INSERT INTO item (id, v) VALUES (:id, :v)"),
            [{"id": i, "v": i} for i in range(1, rows + 1)],
        )


def _values_once(engine) -> list[tuple]:
    """Rows whose v is not exactly one ``v * 3 + 1`` away from the seed (twice or never)."""
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id, v FROM item WHERE v <> id * 3 + 1")).all()


def _sizes(monkeypatch) -> list[int]:
    """The size each batch asked for, in order, as reported to the progress."""
    sizes: list[int] = []
    original = Progress.batch

    def spy(self, walked, changed, seconds, size=None):
        sizes.append(size)
        original(self, walked, changed, seconds, size)

    monkeypatch.setattr(Progress, "batch", spy)
    return sizes


def test_sizer_shrinks_at_once_grows_gradually_and_stays_in_bounds():
    sizer = BatchSizer(10_000, 50)
    assert sizer.size == 1_000  # the first batch is a probe
    sizer.record(1_000, 0.010)  # 100k rows/s: 5,000 would take 50 ms; growth is capped
    assert sizer.size == 1_500
    sizer.record(1_500, 0.010)
    assert sizer.size == 2_250
    sizer.record(2_250, 0.450)  # 5k rows/s: shrink straight to 50 ms worth
    assert sizer.size == 250
    sizer.record(250, 10.0)  # hopeless: never under the floor
    assert sizer.size == 100
    for _ in range(20):
        sizer.record(sizer.size, 0.001)
    assert sizer.size == 10_000  # back to batch_size, never over it


def test_sizer_disabled_or_small_batch_size():
    fixed = BatchSizer(10_000, None)
    fixed.record(10_000, 5.0)
    assert fixed.size == 10_000
    small = BatchSizer(40, 50)
    assert small.size == 40
    small.record(40, 5.0)
    assert small.size == 40  # the floor is never above batch_size


def test_slow_batches_shrink_to_the_floor_and_every_row_changes_once(
    any_url, engine_for, monkeypatch, capsys
):
    engine = engine_for(any_url)
    _items(engine, 5_000)
    sizes = _sizes(monkeypatch)
    with engine.connect() as conn:
        result = ops.batch_update(
            conn,
            "item",
            {"v": sa.text("v * 3 + 1")},
            batch_size=1_000,
            max_batch_ms=NO_BATCH_IS_THAT_FAST,
        )
    assert _values_once(engine) == []
    assert result.rows == 5_000
    assert sizes == [1_000] + [100] * 40  # the probe, then the floor: all too slow
    assert result.batches == 41 > 5_000 / 1_000
    assert (result.smallest_batch_rows, result.largest_batch_rows) == (100, 1_000)
    assert "5,000 rows changed in 41 batches of 100–1,000 rows, " in capsys.readouterr().err


def test_interrupted_mid_batch_resumes_exactly_with_other_batch_sizes(
    any_url, engine_for, monkeypatch, capsys
):
    """Ctrl-C inside the 5th batch (after its UPDATE, before its commit), then a rerun
    whose batches fall on other keys (it starts again with the 1,000-row probe)."""
    engine = engine_for(any_url)
    _items(engine, 5_000)
    saves, original_save = [], checkpoint.save

    def interrupted(connection, job, last_key, rows):
        saves.append(last_key)
        if len(saves) == 5:
            raise KeyboardInterrupt
        original_save(connection, job, last_key, rows)

    monkeypatch.setattr(checkpoint, "save", interrupted)
    values = {"v": sa.text("v * 3 + 1")}
    with engine.connect() as conn, pytest.raises(KeyboardInterrupt):
        ops.batch_update(conn, "item", values, batch_size=1_000, max_batch_ms=1e-3)
    with engine.connect() as conn:
        done = conn.execute(sa.text("SELECT count(*) FROM item WHERE v = id * 3 + 1")).scalar()
        kept = conn.execute(sa.text(f"SELECT rows_done FROM {CHECKPOINTS}")).scalar()
    assert done == kept == 1_300  # 1,000 + 3 x 100 committed; the 5th batch rolled back

    monkeypatch.setattr(checkpoint, "save", original_save)
    sizes = _sizes(monkeypatch)
    with engine.connect() as conn:
        result = ops.batch_update(conn, "item", values, batch_size=1_000, max_batch_ms=1e-3)
    assert _values_once(engine) == []
    assert result.rows == 5_000
    assert sizes == [1_000] + [100] * 27  # 1,301-2,300, then the rest by 100
    assert "resuming after 1,300 rows done earlier" in capsys.readouterr().err


def test_a_slow_key_range_shrinks_batches_then_they_grow_back(pg_url, engine_for, monkeypatch):
    """A trigger sleeps 10 ms per row on ids 1,001-1,150: the batch that meets them takes
    at least 1.5 s (the sleeps alone), over max_batch_ms=500, so the next batch has at
    most a third of the rows; past the slow range, batches grow back to batch_size."""
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO item SELECT g, 0 FROM generate_series(1, 10000) g"))
        conn.execute(
            sa.text(
                "CREATE FUNCTION slow_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.id BETWEEN 1001 AND 1150 THEN PERFORM pg_sleep(0.01); END IF; "
                "RETURN NEW; END $$"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TRIGGER slow BEFORE UPDATE ON item "
                "FOR EACH ROW EXECUTE FUNCTION slow_rows()"
            )
        )
    sizes = _sizes(monkeypatch)
    with engine.connect() as conn:
        result = ops.batch_update(
            conn, "item", {"n": sa.text("n + 1")}, batch_size=1_000, max_batch_ms=500
        )
    with engine.connect() as conn:
        counts = conn.execute(sa.text("SELECT n, count(*) FROM item GROUP BY n")).all()
    assert [tuple(c) for c in counts] == [(1, 10_000)]  # every row exactly once
    assert result.rows == 10_000
    assert sizes[:2] == [1_000, 1_000]  # the probe (fast rows), then the slow range
    assert sizes[2] <= 1_000 * 0.5 / 1.5  # rows/s of the slow batch x 500 ms
    assert max(sizes[3:]) == 1_000  # grown back once past the slow range
    assert result.batches > 10_000 / 1_000
    assert result.smallest_batch_rows == sizes[2]


def test_settings_are_the_defaults_and_arguments_win(sqlite_url, engine_for, monkeypatch, capsys):
    engine = engine_for(sqlite_url)
    _items(engine, 1_000)
    monkeypatch.setenv("WORKBENCH_BATCH_SIZE", "150")
    monkeypatch.setenv("WORKBENCH_MAX_BATCH_MS", "0")
    values = {"v": sa.text("v * 3 + 1")}
    with engine.connect() as conn:
        fixed = ops.batch_update(conn, "item", values)
        preview = ops.batch_delete(conn, "item", "v < 0", dry_run=True)
    assert (fixed.batches, fixed.smallest_batch_rows, fixed.largest_batch_rows) == (7, 150, 150)
    assert preview.batches == 7
    assert "7 batches of 150; nothing changed" in capsys.readouterr().err
    assert _values_once(engine) == []

    monkeypatch.setenv("WORKBENCH_MAX_BATCH_MS", str(NO_BATCH_IS_THAT_FAST))
    with engine.connect() as conn:
        adaptive = ops.batch_update(conn, "item", {"v": sa.text("(v - 1) / 3")})
        explicit = ops.batch_update(conn, "item", values, batch_size=500, max_batch_ms=None)
        preview = ops.batch_delete(conn, "item", "v < 0", dry_run=True)
    assert adaptive.batches == 1 + 850 // 100 + 1  # a 150 probe, then 100 each
    assert (explicit.batches, explicit.smallest_batch_rows) == (2, 500)
    assert "7 batches of 150 or more (sized to take ~0.001 ms each)" in capsys.readouterr().err
    assert _values_once(engine) == []
