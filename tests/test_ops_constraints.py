"""NOT VALID constraints, VALIDATE, SET NOT NULL and unique constraints, on every database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from common import ops


def _tables(engine, bad_rows: bool = False) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE owner (id INTEGER PRIMARY KEY)"))
        conn.execute(
            sa.text(
                "CREATE TABLE ticket (id INTEGER PRIMARY KEY, owner_id INTEGER, "
                "code VARCHAR(10), qty INTEGER)"
            )
        )
        conn.execute(sa.text("INSERT INTO owner (id) VALUES (1), (2)"))
        conn.execute(
            sa.text("INSERT INTO ticket (id, owner_id, code, qty) VALUES (:i, :o, :c, :q)"),
            [
                {"i": i, "o": 1 + i % 2, "c": f"T{i}", "q": -1 if bad_rows and i == 3 else i}
                for i in range(1, 11)
            ],
        )


def _is_pg(url) -> bool:
    return url.get_backend_name() == "postgresql"


def test_foreign_key_check_unique_and_not_null(any_url, engine_for):
    engine = engine_for(any_url)
    _tables(engine)
    with engine.connect() as conn:
        fk = ops.create_foreign_key_not_valid(
            conn, "fk_ticket_owner", "ticket", "owner", ["owner_id"], ["id"], ondelete="CASCADE"
        )
        check = ops.create_check_constraint_not_valid(conn, "ck_ticket_qty", "ticket", "qty >= 0")
        validated = [
            ops.validate_constraint(conn, "fk_ticket_owner", "ticket"),
            ops.validate_constraint(conn, "ck_ticket_qty", "ticket"),
        ]
        unique = ops.add_unique_constraint_concurrently(conn, "uq_ticket_code", "ticket", ["code"])
        unique_again = ops.add_unique_constraint_concurrently(
            conn, "uq_ticket_code", "ticket", ["code"]
        )
        not_null = ops.set_not_null_safely(conn, "ticket", "owner_id")
        not_null_again = ops.set_not_null_safely(conn, "ticket", "owner_id")
    assert (fk, check, unique, unique_again) == ("added", "added", "added", "exists")
    assert (not_null, not_null_again) == ("set", "already")
    expected = ["validated", "validated"] if _is_pg(any_url) else ["not needed"] * 2
    assert validated == expected

    inspector = sa.inspect(engine)
    assert [f["name"] for f in inspector.get_foreign_keys("ticket")] == ["fk_ticket_owner"]
    assert [u["name"] for u in inspector.get_unique_constraints("ticket")] == ["uq_ticket_code"]
    columns = {c["name"]: c for c in inspector.get_columns("ticket")}
    assert columns["owner_id"]["nullable"] is False
    checks = {c["name"] for c in inspector.get_check_constraints("ticket")}
    assert "ck_ticket_qty" in checks
    assert "ticket_owner_id_not_null" not in checks  # the helper CHECK is dropped
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError):
        conn.execute(sa.text("INSERT INTO ticket (id, owner_id, qty) VALUES (99, 1, -5)"))


def test_violating_rows_give_one_line_and_no_change(any_url, engine_for):
    engine = engine_for(any_url)
    _tables(engine, bad_rows=True)
    with engine.connect() as conn:
        if _is_pg(any_url):
            # NOT VALID accepts the old rows; the separate VALIDATE step reports them
            ops.create_check_constraint_not_valid(conn, "ck_ticket_qty", "ticket", "qty >= 0")
            with pytest.raises(ops.OperationError) as raised:
                ops.validate_constraint(conn, "ck_ticket_qty", "ticket")
        else:
            with pytest.raises(ops.OperationError) as raised:
                ops.create_check_constraint_not_valid(conn, "ck_ticket_qty", "ticket", "qty >= 0")
    line = raised.value.one_line()
    violated = (
        "error: changing table 'ticket' failed, existing rows violate the change:"
        if any_url.get_backend_name() == "sqlite"
        else "error: constraint 'ck_ticket_qty' is violated by existing rows:"
    )
    assert line.startswith(violated)
    assert "_alembic_tmp_ticket" not in sa.inspect(engine).get_table_names()
    assert line.endswith(
        "Fix: fix those rows (e.g. with op.batch_update) before adding the constraint."
    )


def test_set_not_null_refuses_nulls_and_changes_nothing(any_url, engine_for):
    engine = engine_for(any_url)
    _tables(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE ticket SET code = NULL WHERE id IN (2, 5)"))
    with engine.connect() as conn, pytest.raises(ops.OperationError) as raised:
        ops.set_not_null_safely(conn, "ticket", "code")
    assert raised.value.one_line().startswith(
        "error: column ticket.code still has 2 NULL values. Fix: backfill them first"
    )
    inspector = sa.inspect(engine)
    assert {c["name"]: c["nullable"] for c in inspector.get_columns("ticket")}["code"] is True
    assert inspector.get_check_constraints("ticket") == []


def test_validate_unknown_constraint(pg_url, engine_for):
    engine = engine_for(pg_url)
    _tables(engine)
    with engine.connect() as conn, pytest.raises(ops.OperationError) as raised:
        ops.validate_constraint(conn, "ck_nope", "ticket")
    assert raised.value.one_line().startswith("error: table 'ticket' has no constraint 'ck_nope'.")
