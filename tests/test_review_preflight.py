"""The data pre-flight: every kind of pending step counted on one small fixture per
database, each count and its sample keys asserted exactly.

One revision file (analysed once, no database) holds a step of every kind; one table
``item`` per database (module-scoped) holds rows that break each of them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import URL, cast, create_engine, event, literal, select, text
from sqlalchemy import types as sa_types
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from common.review.analysis import analyse
from common.review.examples import revision_source
from common.review.model import Status
from common.review.preflight.bounds import Bounds, TimedOut, read_only
from common.review.preflight.changes import CAST, Change, pending_changes
from common.review.preflight.predicates import cast_test
from common.review.preflight.run import preflight
from common.review.preflight.unique import PROVED
from common.testing import servers

UPGRADE = """
op.create_unique_constraint("uq_item_code", "item", ["code"])
op.create_check_constraint("ck_item_amount", "item", "amount > 0")
op.create_foreign_key_not_valid("fk_item_parent", "item", "parent", ["parent_id"], ["id"])
op.set_not_null_safely("item", "label")
op.alter_column("item", "label", existing_type=sa.String(30), type_=sa.String(10))
op.alter_column("item", "qty_text", existing_type=sa.String(20), type_=sa.Integer())
op.swap_enum_type("item_state", ["new"], ["new", "old"])
op.alter_column(
    "item", "state", existing_type=sa.Enum("new", "old", name="item_state"),
    type_=sa.Enum("new", name="item_state"),
)
op.add_column("item", sa.Column("must", sa.Integer(), nullable=False))
op.add_column("item", sa.Column("fresh", sa.Integer()))
op.batch_update("item", {"fresh": 1})
op.alter_column("item", "fresh", existing_nullable=True, nullable=False)
op.create_table("brand_new", sa.Column("id", sa.Integer(), primary_key=True))
op.create_unique_constraint("uq_brand_new_id", "brand_new", ["id"])
"""

ROWS = [  # id, code, qty_text, parent_id, label, state, amount
    (1, "a", "1", 1, "short", "new", 5),
    (2, "a", "abc", 9, None, "old", -1),
    (3, "b", " 42 ", None, "x" * 25, "new", 0),
    (4, "a", "99999999999", 7, None, "old", None),
    (5, "b", None, 2, "é" * 8, "new", 10),  # 16 bytes, 8 characters: not too long
    (6, None, "-5", 1, "ok", "new", -3),
]
ALL = ["id=1", "id=2", "id=3", "id=4", "id=5"]
EXPECTED = {  # kind, what -> (count, sample keys)
    ("unique", "item(code)"): (3, ALL),
    ("check", "item"): (3, ["id=2", "id=3", "id=6"]),
    ("foreign key", "item(parent_id)"): (2, ["id=2", "id=4"]),
    ("not null", "item(label)"): (2, ["id=2", "id=4"]),
    ("length", "item(label)"): (1, ["id=3"]),
    ("cast", "item(qty_text)"): (2, ["id=2", "id=4"]),
    ("enum", "item(state)"): (2, ["id=2", "id=4"]),
    ("not null", "item"): (6, ALL),
}


def _analysed(directory, name: str, upgrade: str) -> list:
    """The review's units of one revision file holding ``upgrade`` (no database)."""
    path = directory / f"0002_{name}.py"
    path.write_text(revision_source(upgrade))
    spec = importlib.util.spec_from_file_location(f"preflight_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = analyse([SimpleNamespace(revision="0002", path=str(path), module=module)])
    assert found[0].render_error is None, found[0].render_error
    return found


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    return _analysed(tmp_path_factory.mktemp("preflight"), "steps", UPGRADE)


def test_the_steps_are_read_from_the_captured_ops(units):
    """Backfilled NOT NULL and steps on new tables are left out; lines point at the call."""
    changes = pending_changes(units)
    kinds = [(c.kind, c.what) for c in changes]
    assert kinds == [
        ("unique", "item(code)"),
        ("check", "item"),
        ("foreign key", "item(parent_id)"),
        ("not null", "item(label)"),
        ("length", "item(label)"),
        ("cast", "item(qty_text)"),
        ("enum", "enum type item_state"),
        ("enum", "item(state)"),
        ("not null", "item"),
    ]
    assert changes[0].line == 14 and changes[0].revision == "0002_steps"


def _schema(dialect: str) -> list[str]:
    state = "item_state" if dialect == "postgresql" else "varchar(10)"
    if dialect == "mysql":
        state = "enum('new', 'old')"
    enum = ["CREATE TYPE item_state AS ENUM ('new', 'old')"] if dialect == "postgresql" else []
    # a partial unique index proves nothing of the whole table: item(code) stays counted
    partial = (
        [] if dialect == "mysql" else ["CREATE UNIQUE INDEX ix_some ON item (code) WHERE id < 0"]
    )
    return [
        *enum,
        "CREATE TABLE parent (id integer PRIMARY KEY)",
        "INSERT INTO parent VALUES (1), (2)",
        "CREATE TABLE item (id integer PRIMARY KEY, code varchar(20), qty_text varchar(20), "
        f"parent_id integer, label varchar(30), state {state}, amount integer)",
        *partial,
    ]


def _databases() -> list[str]:
    return [*servers.postgres_server_names(), "sqlite", "mysql"]


@pytest.fixture(scope="module", params=_databases())
def target(request, tmp_path_factory):
    name = request.param
    server = None
    if name == "sqlite":
        url = URL.create("sqlite", database=str(tmp_path_factory.mktemp("pf") / "t.db"))
    elif name == "mysql":
        server = servers.mysql_server()
        if server is None:
            pytest.skip("no MariaDB/MySQL: set TEST_MYSQL_URL")
        url = server.create_database()
    else:
        server = servers.postgres(name)
        url = server.create_database()
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        for statement in _schema(engine.dialect.name):
            connection.execute(text(statement))
        connection.execute(
            text("INSERT INTO item VALUES (:i, :c, :q, :p, :l, :s, :a)"),
            [dict(zip("icqplsa", row, strict=True)) for row in ROWS],
        )
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":  # the statistics that choose the exact count
            connection.execute(text("ANALYZE TABLE item" if name == "mysql" else "ANALYZE item"))
            connection.commit()
        yield connection
    engine.dispose()
    if server is not None:
        server.drop_database(url)


def test_every_step_is_counted_with_its_sample_keys(target, units):
    findings, check = preflight(target, units)
    got = {(row["kind"], row["what"]): (row["rows"], row["sample_keys"]) for row in check.data}
    swapped = got.pop(("enum", "enum type item_state"), None) or got.get(("enum", "item(state)"))
    assert got == EXPECTED
    assert swapped == EXPECTED[("enum", "item(state)")]  # PostgreSQL: the type's columns
    assert check.status == Status.FAILED
    assert len(findings) == len(check.data)
    assert all(f.rule == "data-preflight" and f.severity == "error" and f.help for f in findings)
    assert findings[0].message.startswith("3 duplicate row(s) in item(code) would fail")
    assert "sample keys: id=1, id=2, id=3, id=4, id=5; exact count (~" in findings[0].message
    assert all(row["method"].startswith("exact count") for row in check.data)
    cast = next(row["method"] for row in check.data if row["kind"] == "cast")
    if target.dialect.name == "postgresql":
        version = target.dialect.server_version_info[0]
        assert ("pg_input_is_valid" if version >= 16 else "regular expression") in cast


def test_a_large_table_is_scanned_under_a_time_box(target, units):
    """Above ``exact_rows`` the same count runs with the server's statement time limit."""
    findings, check = preflight(target, units, Bounds(exact_rows=0, timeout=5))
    assert len(findings) >= 8
    assert all("time-boxed scan" in line for line in check.details if "not counted" not in line)


SLEEPY = {  # a row test that takes 0.1 s per row
    "postgresql": "pg_sleep(0.1) IS NOT NULL",
    "mysql": "SLEEP(0.1) = 0",
}


def test_the_time_box_holds_for_all_of_a_steps_queries(target, tmp_path):
    """The count (6 rows, 0.6 s) fits in the 1 s box, and so would the sample-key query
    (another 0.6 s) on its own: but together they do not, so the step is not counted.
    Before, each statement had the whole box: both ran, and the step took 1.2 s."""
    name = target.dialect.name
    if name == "sqlite":
        pytest.skip(
            "SQLite looks at its deadline every 10,000 VM steps, which 6 rows never take; "
            "its progress handler always held one deadline for the whole block"
        )
    upgrade = f'op.create_check_constraint("ck_slow", "item", "{SLEEPY[name]} AND amount > 0")'
    units = _analysed(tmp_path, "slow", upgrade)
    with _statements(target) as seen:
        _, check = preflight(target, units, Bounds(exact_rows=0, timeout=1.0))
    [row] = check.data
    assert row["rows"] is None and row["sample_keys"] == []
    assert row["method"].startswith("not counted: time-boxed scan (")
    assert row["method"].endswith("; limit 1 s) did not finish")
    assert sum(" LIMIT " in s for s in seen) == 1  # the count finished, the samples did not
    assert check.status == Status.WARNING


SLOW = {  # a statement that runs well past 10 ms
    "postgresql": "SELECT pg_sleep(0.5)",
    "mysql": "SELECT count(*) FROM information_schema.columns a, information_schema.columns b",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) "
    "SELECT count(*) FROM n",
}


def test_the_time_box_stops_a_long_scan_and_the_transaction_is_read_only(target):
    with pytest.raises(TimedOut), read_only(target, 0.01) as connection:
        connection.execute(text(SLOW[target.dialect.name])).all()
    read_only_refused = pytest.raises(DBAPIError, match=r"(?i)read.only|readonly")
    with read_only_refused, read_only(target, None) as connection:
        connection.execute(text("INSERT INTO parent VALUES (3)"))
    assert target.execute(text("SELECT count(*) FROM parent")).scalar() == 2


@contextmanager
def _statements(connection) -> Iterator[list[str]]:
    """Every statement ``connection`` runs inside the block."""
    seen: list[str] = []

    def heard(conn, cursor, statement, *rest) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", heard)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", heard)


def test_the_row_tests_of_a_table_are_counted_in_one_read(target, units):
    """CHECK, NOT NULL (twice), shorter VARCHAR, cast and enum, and on PostgreSQL the
    foreign key against its referred keys: one SELECT of ``item`` counts them all."""
    with _statements(target) as seen:
        _, check = preflight(target, units)
    apart = ("unique",) if target.dialect.name == "postgresql" else ("unique", "foreign key")
    row_tests = [r for r in check.data if r["kind"] not in apart]
    together = [s for s in seen if "count(CASE WHEN" in s]
    assert len(together) == 1
    assert together[0].count("count(CASE WHEN") == len(row_tests) >= 6
    assert "FROM item" in together[0] and " WHERE " not in together[0].split("FROM item")[1]


@pytest.fixture(scope="module")
def unique_units(tmp_path_factory):
    upgrade = """
op.create_unique_constraint("uq_item_qty_text", "item", ["qty_text"])
op.create_unique_constraint("uq_item_amount", "item", ["amount"])
op.create_unique_constraint("uq_item_code_state", "item", ["code", "state"])
op.create_unique_constraint("uq_item_code_id", "item", ["code", "id"])
"""
    return _analysed(tmp_path_factory.mktemp("unique"), "unique", upgrade)


def test_a_unique_key_without_duplicates_is_proved_by_hashing(target, unique_units):
    """PostgreSQL: distinct 64-bit hashes prove no duplicate (a string key by
    ``hashtextextended``, any other by ``hash_record_extended``); where hashes repeat,
    the keys are grouped for the exact count. Elsewhere the keys are always grouped. A
    key that contains the primary key is unique without a row read, everywhere."""
    _, check = preflight(target, unique_units)
    got = {row["what"]: (row["rows"], row["sample_keys"], row["method"]) for row in check.data}
    assert [(what, rows, keys) for what, (rows, keys, _) in got.items()] == [
        ("item(qty_text)", 0, []),
        ("item(amount)", 0, []),
        ("item(code, state)", 2, ["id=2", "id=3", "id=4", "id=5"]),
        ("item(code, id)", 0, []),
    ]
    primary = {"postgresql": "item_pkey"}.get(target.dialect.name)
    assert got["item(code, id)"][2] == (
        f"no row read: {primary or 'primary key'} (id) already keeps these keys unique"
    )
    hashed = target.dialect.name == "postgresql"
    assert got["item(qty_text)"][2].endswith(PROVED) == hashed
    assert got["item(amount)"][2].endswith(PROVED) == hashed
    assert got["item(code, state)"][2].endswith("; 2 duplicate key(s)")


CAST_VALUES = [
    "0", "-5", "+7", " 42 ", " 123456789 ", "2147483647", "-2147483648", "2147483648",
    "-2147483649", "32767", "32768", "-32769", "9223372036854775807", "9223372036854775808",
    "00000000000000000000001", "1.5", "abc", "", "  ", "1e3", "--1", "١٢",
]  # fmt: skip
NEVER = {"1.5", "abc", "", "  ", "1e3", "--1", "١٢"}  # not an integer of any size
OVER = {  # what PostgreSQL's own cast refuses beyond those
    "smallint": {"2147483647", "-2147483648", "2147483648", "-2147483649", "32768", "-32769",
                 "9223372036854775807", "9223372036854775808", " 123456789 "},
    "integer": {"2147483648", "-2147483649", "9223372036854775807", "9223372036854775808"},
    "bigint": {"9223372036854775808"},
}  # fmt: skip
KINDS = {
    "smallint": sa_types.SmallInteger(),
    "integer": sa_types.Integer(),
    "bigint": sa_types.BigInteger(),
}


def _fails(connection, expression) -> bool:
    with connection.begin_nested() if connection.in_transaction() else connection.begin():
        return bool(connection.execute(select(expression)).scalar())


def _cast_refused(connection, value: str, kind) -> bool:
    try:
        _fails(connection, cast(literal(value, sa_types.String), kind))
    except DBAPIError:
        return True
    return False


def test_the_integer_fallback_agrees_with_the_cast_itself(target):
    """The regular expression and range test used before PostgreSQL 16 and on MySQL and
    SQLite refuses, value by value, what PostgreSQL's own cast refuses (checked against
    that cast on PostgreSQL): leading zeros, blanks, signs and each type's bounds."""
    for name, kind in KINDS.items():
        change = Change(CAST, "item", ("qty_text",), "0002", "x.py", 1, target=kind)
        refused = NEVER | OVER[name]
        predicted = set()
        for value in CAST_VALUES:
            condition, _ = cast_test(change, literal(value, sa_types.String), target.dialect, 0)
            predicted |= {value} if _fails(target, condition) else set()
        if target.dialect.name == "postgresql":
            assert refused == {v for v in CAST_VALUES if _cast_refused(target, v, kind)}
        assert (name, predicted) == (name, refused)


def test_past_the_limit_of_shared_hashes_every_key_is_grouped(target, units, monkeypatch):
    """Two duplicated keys (``a``, ``b``): within a limit of two shared hashes only their
    rows are grouped (PostgreSQL); past a limit of one, all keys are. Same count."""
    from common.review.preflight import unique

    for limit, restricted in ((1, False), (2, target.dialect.name == "postgresql")):
        monkeypatch.setattr(unique, "SHARED_LIMIT", limit)
        with _statements(target) as seen:
            _, check = preflight(target, units)
        [row] = [row for row in check.data if row["kind"] == "unique"]
        assert (row["rows"], row["sample_keys"]) == EXPECTED[("unique", "item(code)")]
        assert row["method"].endswith("; 2 duplicate key(s)")
        [grouping] = [s for s in seen if "HAVING count(*) > " in s and "GROUP BY item.code" in s]
        assert ("= ANY (" in grouping) == restricted, grouping


def test_orphans_are_counted_against_the_referred_keys_or_by_not_exists(target, units, monkeypatch):
    """PostgreSQL reads a small referred table's keys and passes them as one array;
    past ``REFERENT_KEYS`` (and on MySQL, SQLite) it is NOT EXISTS. Same orphans."""
    from common.review.preflight import orphans

    postgres = target.dialect.name == "postgresql"
    for limit, arrayed in ((2, postgres), (1, False)):
        monkeypatch.setattr(orphans, "REFERENT_KEYS", limit)
        _, check = preflight(target, units)
        [row] = [row for row in check.data if row["kind"] == "foreign key"]
        assert (row["rows"], row["sample_keys"]) == EXPECTED[("foreign key", "item(parent_id)")]
        how = "none of the 2 key(s) of parent" if arrayed else "NOT EXISTS on the referred table"
        assert row["method"].endswith(f"; {how}"), row["method"]


def test_a_step_on_a_table_the_target_lacks_is_a_warning_not_a_crash(target, tmp_path):
    """A target that drifted from its revisions (a table dropped by hand): the step and a
    foreign key to the missing table are reported as not counted, and why."""
    upgrade = """
op.alter_column("ghost", "x", existing_type=sa.Integer(), existing_nullable=True, nullable=False)
op.create_foreign_key("fk_item_ghost", "item", "ghost", ["parent_id"], ["id"])
"""
    findings, check = preflight(target, _analysed(tmp_path, "ghost", upgrade))
    why = "not counted: the target has no table ghost (unless an earlier step creates it, "
    assert findings == [] and check.status == Status.WARNING
    assert [row["method"] for row in check.data] == [why + "update-db fails on this step)"] * 2


def test_a_key_type_without_a_64_bit_hash_is_grouped(pg_url, tmp_path):
    """PostgreSQL's ``money`` has a btree (a UNIQUE can be built on it) but no extended
    hash: the proof fails, and the grouping counts instead."""
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE wallet (id integer PRIMARY KEY, amount money)"))
        connection.execute(text("INSERT INTO wallet VALUES (1, 5), (2, 5), (3, 7)"))
    upgrade = 'op.create_unique_constraint("uq_wallet_amount", "wallet", ["amount"])'
    with engine.connect() as connection:
        _, check = preflight(connection, _analysed(tmp_path, "money", upgrade))
    engine.dispose()
    [row] = check.data
    assert (row["rows"], row["sample_keys"]) == (1, ["id=1", "id=2"])
    assert row["method"].endswith("; 1 duplicate key(s)")
