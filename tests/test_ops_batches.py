"""Batched UPDATE / DELETE / copy as plain functions, on every database kind.

Each test compares the batched result with what one plain statement gives, on integer,
composite and UUID keys, with batch sizes that leave a partial last batch. Tests that
count batches pass ``max_batch_ms=None`` (fixed sizes): with the default, a batch slowed
by the machine's load would shrink the next one (tests/test_ops_batch_sizing.py).
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from common import ops
from common.ops.batches._checkpoint import TABLE_NAME as CHECKPOINTS


def _table(engine, ddl: str, rows: list[dict], insert: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(ddl))
        conn.execute(sa.text(insert), rows)


def _all(engine, query: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(query))]


def _checkpoints_left(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {CHECKPOINTS}")).scalar_one()


def test_batch_update_integer_key_matches_a_single_update(any_url, engine_for):
    engine = engine_for(any_url)
    rows = [{"id": i * 3, "v": i} for i in range(1, 2_501)]  # gaps in the key
    _table(
        engine,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, w INTEGER)",
        rows,
        "INSERT INTO item (id, v) VALUES (:id, :v)",
    )
    with engine.connect() as conn:
        result = ops.batch_update(
            conn,
            "item",
            {"w": sa.text("v * 2 + 1")},
            where="v % 3 = 0",
            batch_size=700,
            max_batch_ms=None,
        )
    expected = [(r["id"], r["v"] * 2 + 1 if r["v"] % 3 == 0 else None) for r in rows]
    assert _all(engine, "SELECT id, w FROM item ORDER BY id") == expected
    assert result.rows == sum(1 for r in rows if r["v"] % 3 == 0)
    assert result.batches == 4
    assert _checkpoints_left(engine) == 0


def test_batch_update_composite_key(any_url, engine_for):
    engine = engine_for(any_url)
    rows = [{"a": i % 5, "b": f"k{i:05d}", "v": i} for i in range(1_203)]
    _table(
        engine,
        "CREATE TABLE pair (a INTEGER NOT NULL, b VARCHAR(20) NOT NULL, v INTEGER NOT NULL,"
        " PRIMARY KEY (a, b))",
        rows,
        "INSERT INTO pair (a, b, v) VALUES (:a, :b, :v)",
    )
    with engine.connect() as conn:
        result = ops.batch_update(
            conn, "pair", {"v": sa.column("v") + 1000}, batch_size=100, max_batch_ms=None
        )
    assert result.rows == len(rows) and result.batches == 13
    assert sorted(_all(engine, "SELECT a, b, v FROM pair")) == sorted(
        (r["a"], r["b"], r["v"] + 1000) for r in rows
    )


def test_batch_update_uuid_key(any_url, engine_for):
    engine = engine_for(any_url)
    key_type = "UUID" if any_url.get_backend_name() == "postgresql" else "CHAR(36)"
    ids = [str(uuid.uuid4()) for _ in range(950)]
    _table(
        engine,
        f"CREATE TABLE doc (id {key_type} PRIMARY KEY, title VARCHAR(20))",
        [{"id": i, "t": "old"} for i in ids],
        "INSERT INTO doc (id, title) VALUES (:id, :t)",
    )
    with engine.connect() as conn:
        result = ops.batch_update(conn, "doc", {"title": "new"}, batch_size=64)
    assert result.rows == 950
    assert _all(engine, "SELECT title, count(*) FROM doc GROUP BY title") == [("new", 950)]


def test_batch_delete_and_dry_run(any_url, engine_for):
    engine = engine_for(any_url)
    _table(
        engine,
        "CREATE TABLE event (id INTEGER PRIMARY KEY, kind VARCHAR(10) NOT NULL)",
        [{"id": i, "k": "old" if i % 4 else "keep"} for i in range(1, 1_001)],
        "INSERT INTO event (id, kind) VALUES (:id, :k)",
    )
    with engine.connect() as conn:
        preview = ops.batch_delete(conn, "event", "kind = 'old'", batch_size=300, dry_run=True)
        assert (preview.rows, preview.batches, preview.dry_run) == (750, 4, True)
        assert _all(engine, "SELECT count(*) FROM event") == [(1000,)]
        result = ops.batch_delete(conn, "event", sa.text("kind = 'old'"), batch_size=300)
    assert result.rows == 750
    assert _all(engine, "SELECT DISTINCT kind FROM event") == [("keep",)]


def test_batch_copy_column_through_an_expression(any_url, engine_for):
    engine = engine_for(any_url)
    _table(
        engine,
        "CREATE TABLE price (id INTEGER PRIMARY KEY, cents INTEGER NOT NULL,"
        " amount NUMERIC(12, 2))",
        [{"id": i, "c": i * 101} for i in range(1, 401)],
        "INSERT INTO price (id, cents) VALUES (:id, :c)",
    )
    with engine.connect() as conn:
        ops.batch_copy_column(
            conn, "price", "cents", "amount", using="cents / 100.0", batch_size=90
        )
    rows = _all(engine, "SELECT id, amount FROM price ORDER BY id")
    assert [(i, round(float(a), 2)) for i, a in rows] == [
        (i, round(i * 101 / 100, 2)) for i in range(1, 401)
    ]


def test_progress_log_lines_and_summary(any_url, engine_for, capsys):
    engine = engine_for(any_url)
    _table(
        engine,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER)",
        [{"id": i} for i in range(1, 301)],
        "INSERT INTO item (id) VALUES (:id)",
    )
    with engine.connect() as conn:
        ops.batch_update(conn, "item", {"v": 1}, batch_size=100, max_batch_ms=0)
    err = capsys.readouterr().err
    assert "batch_update item: 300 rows changed in 3 batches of 100 rows, " in err
    assert "longest batch" in err and "rows/s" in err


def test_progress_line_has_rate_and_eta():
    from common.ops.batches._progress import Progress

    report = Progress("batch_update big", 1_000, tty=False)
    report.started -= 2.0
    report.batch(250, 200, 0.01)
    line = report.status_line()
    assert "200 rows changed, 250 scanned of ~1,000" in line
    assert "rows/s" in line and "ETA 0:0" in line


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: ops.batch_update(c, "missing", {"v": 1}),
            "error: table 'missing' does not exist.",
        ),
        (
            lambda c: ops.batch_update(c, "nokey", {"v": 1}),
            "error: table 'nokey' has no primary key",
        ),
        (
            lambda c: ops.batch_update(c, "item", {"nope": 1}),
            "error: table 'item' has no column 'nope'.",
        ),
        (
            lambda c: ops.batch_update(c, "item", {"v": 1}, batch_size=0),
            "error: batch_size must be a positive integer, not 0.",
        ),
        (
            lambda c: ops.batch_update(c, "item", {"v": 1}, max_batch_ms=-5),
            "error: max_batch_ms must be a number of milliseconds >= 0, not -5.",
        ),
        (
            lambda c: ops.batch_delete(c, "item", None),
            "error: batch_delete on 'item' has no where condition.",
        ),
    ],
)
def test_bad_input_is_one_line(sqlite_url, engine_for, call, message):
    engine = engine_for(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER)"))
        conn.execute(sa.text("CREATE TABLE nokey (v INTEGER)"))
    with engine.connect() as conn, pytest.raises(ops.OperationError) as raised:
        call(conn)
    assert raised.value.one_line().startswith(message)
    assert "Fix: " in raised.value.one_line()


def test_refuses_a_connection_inside_a_transaction(sqlite_url, engine_for):
    engine = engine_for(sqlite_url)
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER)"))
        with pytest.raises(ops.OperationError, match="inside a transaction"):
            ops.batch_update(conn, "item", {"v": 1})


def test_progress_bar_on_a_terminal_and_pause_between_batches(sqlite_url, engine_for, capsys):
    import time

    from common.ops.batches._progress import Progress

    report = Progress("batch_update big", 300, tty=True)
    assert report._bar is not None
    report.batch(100, 100, 0.01)
    line = report.summary()
    assert report._bar is None
    assert line.startswith("  batch_update big: 100 rows changed in 1 batches, ")

    engine = engine_for(sqlite_url)
    _table(
        engine,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER)",
        [{"id": i} for i in range(1, 301)],
        "INSERT INTO item (id) VALUES (:id)",
    )
    started = time.perf_counter()
    with engine.connect() as conn:
        ops.batch_update(conn, "item", {"v": 1}, batch_size=100, pause=0.2, max_batch_ms=None)
    assert time.perf_counter() - started >= 0.6  # three pauses: the throttle is applied


def test_a_batch_blocked_by_a_row_lock_gives_up_fast_and_resumes(pg_url, engine_for):
    """The short lock_timeout is real: a held row lock makes the batch fail and retry,
    never wait; after the retries, one line; the rerun resumes after the last batch."""
    engine = engine_for(pg_url)
    _table(
        engine,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
        [{"id": i, "v": i} for i in range(1, 1_001)],
        "INSERT INTO item (id, v) VALUES (:id, :v)",
    )
    holder = engine.connect()
    holder.execute(sa.text("UPDATE item SET v = v WHERE id = 550"))  # row lock, kept open
    try:
        with engine.connect() as conn, pytest.raises(ops.OperationError) as raised:
            ops.batch_update(
                conn, "item", {"v": sa.text("v + 1000")}, batch_size=100, lock_timeout_ms=100
            )
    finally:
        holder.rollback()
        holder.close()
    assert raised.value.one_line() == (
        "error: a batch on 'item' waited for locks longer than 100 ms, 6 times in a row. "
        "Fix: run update-db again when the table is quieter (it resumes), or pass a "
        "smaller batch_size."
    )
    assert _all(engine, "SELECT count(*) FROM item WHERE v > 1000") == [(500,)]
    with engine.connect() as conn:
        result = ops.batch_update(
            conn, "item", {"v": sa.text("v + 1000")}, batch_size=100, lock_timeout_ms=100
        )
    assert result.rows == 1_000  # 500 before the stop + 500 after resuming
    assert _all(engine, "SELECT min(v - id), max(v - id) FROM item") == [(1000, 1000)]


def test_the_last_batch_has_no_upper_bound_and_a_crash_after_it_walks_nothing_again(
    sqlite_url, engine_for, monkeypatch, capsys
):
    """The batch that finds fewer keys than it asked for is the last: it covers every key
    after the previous batch (the one statement offline SQL writes, plus that lower bound)
    and is marked finished with its rows, so a rerun after a crash right there (before
    the job's end is recorded) applies ``v = v + 1`` to no row twice."""
    from common.ops.batches import _checkpoint as checkpoint

    engine = engine_for(sqlite_url)
    _table(
        engine,
        "CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)",
        [{"id": i, "v": i} for i in range(1, 251)],
        "INSERT INTO item (id, v) VALUES (:id, :v)",
    )
    updates: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE item"):
            updates.append(" ".join(statement.split()))

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint, "finish", crash)
    values = {"v": sa.text("v + 1")}
    with engine.connect() as conn, pytest.raises(KeyboardInterrupt):
        ops.batch_update(conn, "item", values, batch_size=100, max_batch_ms=None)
    assert updates == [
        "UPDATE item SET v=v + 1 WHERE item.id <= ?",
        "UPDATE item SET v=v + 1 WHERE item.id > ? AND item.id <= ?",
        "UPDATE item SET v=v + 1 WHERE item.id > ?",
    ]
    monkeypatch.undo()
    with engine.connect() as conn:
        result = ops.batch_update(conn, "item", values, batch_size=100, max_batch_ms=None)
    assert "item: already done (250 rows)" in capsys.readouterr().err
    assert (result.rows, result.batches) == (250, 0)
    assert _all(engine, "SELECT count(*) FROM item WHERE v = id + 1") == [(250,)]
    assert _checkpoints_left(engine) == 0
