"""Concurrent index helpers: PostgreSQL behaviour, INVALID leftovers, other databases."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from common import ops
from common.ops.indexes import index_state


def _items(engine, rows: int = 1_000, duplicates: bool = False) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v INTEGER, w INTEGER)"))
        values = [{"id": i, "v": 1 if duplicates and i < 3 else i} for i in range(1, rows + 1)]
        conn.execute(sa.text("INSERT INTO item (id, v, w) VALUES (:id, :v, 0)"), values)


def _state(engine, name: str) -> str | None:
    with engine.connect() as conn:
        return index_state(conn, name)


def _definition(engine, name: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT pg_get_indexdef(to_regclass(:n))"), {"n": name}
        ).scalar_one()


def test_create_is_idempotent_and_keeps_postgresql_options(pg_url, engine_for):
    engine = engine_for(pg_url)
    _items(engine)
    with engine.connect() as conn:
        created = ops.create_index_concurrently(
            conn, "ix_item_v", "item", ["v"], postgresql_where=sa.text("v > 10"),
            postgresql_include=["w"],
        )  # fmt: skip
        again = ops.create_index_concurrently(conn, "ix_item_v", "item", ["v"])
        with pytest.raises(ops.OperationError, match="already exists"):
            ops.create_index_concurrently(conn, "ix_item_v", "item", ["v"], if_not_exists=False)
    assert (created, again) == ("created", "exists")
    assert _definition(engine, "ix_item_v") == (
        "CREATE INDEX ix_item_v ON public.item USING btree (v) INCLUDE (w) WHERE (v > 10)"
    )


def test_invalid_leftover_is_detected_and_rebuilt(pg_url, engine_for):
    engine = engine_for(pg_url)
    _items(engine, duplicates=True)
    raw = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with raw, pytest.raises(sa.exc.IntegrityError):
        raw.execute(sa.text("CREATE UNIQUE INDEX CONCURRENTLY ix_item_v ON item (v)"))
    assert _state(engine, "ix_item_v") == "invalid"  # what a failed build leaves behind
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM item WHERE id = 1"))
    with engine.connect() as conn:
        outcome = ops.create_index_concurrently(conn, "ix_item_v", "item", ["v"], unique=True)
    assert outcome == "rebuilt"
    assert _state(engine, "ix_item_v") == "valid"


def test_failed_build_leaves_nothing_and_says_why(pg_url, engine_for):
    engine = engine_for(pg_url)
    _items(engine, duplicates=True)
    with engine.connect() as conn, pytest.raises(ops.OperationError) as raised:
        ops.create_index_concurrently(conn, "uq_item_v", "item", ["v"], unique=True)
    line = raised.value.one_line()
    assert line.startswith("error: building index 'uq_item_v' on 'item' failed: could not create")
    assert "Fix: fix the cause" in line
    assert _state(engine, "uq_item_v") is None


def test_drop_and_reindex_concurrently(pg_url, engine_for):
    engine = engine_for(pg_url)
    _items(engine, duplicates=True)
    raw = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    with raw, pytest.raises(sa.exc.IntegrityError):
        raw.execute(sa.text("CREATE UNIQUE INDEX CONCURRENTLY ix_item_w_ccnew ON item (v)"))
    with engine.connect() as conn:
        ops.create_index_concurrently(conn, "ix_item_w", "item", ["w"])
        ops.reindex_concurrently(conn, "ix_item_w")
        assert _state(engine, "ix_item_w_ccnew") is None  # interrupted REINDEX leftover
        assert _state(engine, "ix_item_w") == "valid"
        assert ops.drop_index_concurrently(conn, "ix_item_w") == "dropped"
        assert ops.drop_index_concurrently(conn, "ix_item_w") == "absent"
        with pytest.raises(ops.OperationError, match="does not exist"):
            ops.reindex_concurrently(conn, "ix_item_w")
    assert _state(engine, "ix_item_w") is None


def _writer(engine, stop: threading.Event, outcome: dict) -> None:
    """Single-row updates with a 200 ms lock_timeout: a blocked write raises."""
    with engine.connect() as conn:
        conn.execute(sa.text("SET lock_timeout = '200ms'"))
        conn.commit()
        i = 0
        while not stop.is_set():
            i += 1
            try:
                conn.execute(sa.text("UPDATE item SET w = w + 1 WHERE id = :id"), {"id": i % 500})
                conn.commit()
                outcome["writes"] += 1
            except OperationalError:
                conn.rollback()
                outcome["blocked"] += 1


def _with_writer(engine, build) -> dict:
    stop, outcome = threading.Event(), {"writes": 0, "blocked": 0}
    thread = threading.Thread(target=_writer, args=(engine, stop, outcome))
    thread.start()
    try:
        while outcome["writes"] < 5:
            time.sleep(0.01)
        before = outcome["writes"]
        build()
        outcome["during"] = outcome["writes"] - before
    finally:
        stop.set()
        thread.join()
    return outcome


def test_writer_is_never_blocked_by_a_concurrent_build(pg_url, engine_for):
    engine = engine_for(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE item (id INTEGER PRIMARY KEY, v TEXT, w INTEGER)"))
        conn.execute(
            sa.text("INSERT INTO item SELECT g, md5(g::text), 0 FROM generate_series(1, 300000) g")
        )

    def concurrent() -> None:
        with engine.connect() as conn:
            ops.create_index_concurrently(conn, "ix_item_v", "item", ["v"])

    def plain() -> None:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE INDEX ix_item_v2 ON item (v, id)"))
            conn.execute(sa.text("SELECT pg_sleep(0.5)"))  # the SHARE lock is held to commit

    safe = _with_writer(engine, concurrent)
    assert safe["blocked"] == 0 and safe["during"] > 0, safe
    blocking = _with_writer(engine, plain)
    assert blocking["blocked"] > 0, blocking  # the baseline: a plain build blocks writes


@pytest.mark.parametrize("kind", ["sqlite", "mysql"])
def test_plain_equivalents_on_sqlite_and_mariadb(kind, request, engine_for):
    engine = engine_for(request.getfixturevalue(f"{kind}_url"))
    _items(engine)
    with engine.connect() as conn:
        assert ops.create_index_concurrently(conn, "ix_item_v", "item", ["v"]) == "created"
        assert ops.create_index_concurrently(conn, "ix_item_v", "item", ["v"]) == "exists"
    names = {i["name"] for i in sa.inspect(engine).get_indexes("item")}
    assert "ix_item_v" in names
    with engine.connect() as conn:
        assert ops.drop_index_concurrently(conn, "ix_item_v", "item") == "dropped"
        assert ops.drop_index_concurrently(conn, "ix_item_v", "item") == "absent"
    assert "ix_item_v" not in {i["name"] for i in sa.inspect(engine).get_indexes("item")}


def test_sqlite_partial_index_and_reindex(sqlite_url, engine_for):
    engine = engine_for(sqlite_url)
    _items(engine)
    with engine.connect() as conn:
        ops.create_index_concurrently(
            conn, "ix_item_v", "item", ["v"], postgresql_where=sa.text("v > 10")
        )
        ops.reindex_concurrently(conn, "ix_item_v")
        sql = conn.execute(sa.text("SELECT sql FROM sqlite_master WHERE name = 'ix_item_v'"))
        assert sql.scalar_one() == "CREATE INDEX ix_item_v ON item (v) WHERE v > 10"


def test_mariadb_refuses_what_it_cannot_do(mysql_url, engine_for):
    engine = engine_for(mysql_url)
    _items(engine)
    with engine.connect() as conn:
        with pytest.raises(ops.OperationError) as partial:
            ops.create_index_concurrently(
                conn, "ix_item_v", "item", ["v"], postgresql_where=sa.text("v > 10")
            )
        assert partial.value.one_line().startswith(
            "error: index 'ix_item_v' is partial (postgresql_where), which MySQL/MariaDB"
        )
        with pytest.raises(ops.OperationError) as reindex:
            ops.reindex_concurrently(conn, "ix_item_v")
        assert "MySQL/MariaDB have no REINDEX. Fix:" in reindex.value.one_line()
        with pytest.raises(ops.OperationError) as no_table:
            ops.drop_index_concurrently(conn, "ix_item_v")
        assert no_table.value.one_line() == (
            "error: drop_index_concurrently needs the table name on this database. "
            "Fix: pass table_name=... to the operation."
        )
