"""``swap_enum_type`` around the objects that depend on the type, on tables with rows.

Each case builds a table of type ``userstatus`` with one kind of dependent object, swaps
the type to drop the value ``old``, and checks that the rows, the type's values and every
dependent definition (read back from the catalog) are as before. Before the swap kept
them, these failed: a partial index or CHECK with ``operator does not exist: userstatus
<> userstatus__old``, a generated column or view with ``cannot alter type of a column
used by ...``, a policy or a trigger's WHEN / UPDATE OF with ``cannot alter type of a
column used in a policy (trigger) definition``, a partitioned table with ``cannot alter
inherited column``.

One database per server for the module; each case resets the ``public`` schema.
"""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from common.errors import DataMigrationRequiredError
from common.ops.enums import SwapEnumTypeOp

SWAP = SwapEnumTypeOp("userstatus", ["active", "deleted"], ["active", "deleted", "old"])
TABLE = "CREATE TABLE t (id int PRIMARY KEY, status userstatus NOT NULL)"
ROWS = "INSERT INTO t (id, status) VALUES (1, 'active'), (2, 'deleted'), (3, 'active')"

CASES = {
    "partial_index": [TABLE, "CREATE INDEX ix_t_live ON t (id) WHERE status <> 'deleted'"],
    "expression_index": [
        TABLE,
        "CREATE INDEX ix_t_any ON t ((status = ANY ('{active,deleted}'::userstatus[])))",
    ],
    "check": [
        TABLE,
        "ALTER TABLE t ADD CONSTRAINT ck_t_first CHECK (status <> 'deleted' OR id > 1)",
        "ALTER TABLE t ADD CONSTRAINT ck_t_nv CHECK (status <> 'deleted' OR id <> 4) NOT VALID",
        "COMMENT ON CONSTRAINT ck_t_first ON t IS 'the first row is live'",
    ],
    "default": [TABLE, "ALTER TABLE t ALTER COLUMN status SET DEFAULT 'active'"],
    "generated_column": [
        TABLE,
        "ALTER TABLE t ADD COLUMN gone boolean GENERATED ALWAYS AS (status = 'deleted') STORED",
        "CREATE INDEX ix_t_gone ON t (gone)",
        "COMMENT ON COLUMN t.gone IS 'derived'",
    ],
    "views": [
        TABLE,
        "CREATE VIEW live WITH (security_barrier) AS SELECT id, status FROM t"
        " WHERE status <> 'deleted'",
        "CREATE VIEW live_ids AS SELECT id FROM live",
        "CREATE MATERIALIZED VIEW counts AS SELECT status, count(*) AS n FROM t GROUP BY status",
        "CREATE UNIQUE INDEX ix_counts ON counts (status)",
        "COMMENT ON VIEW live IS 'rows not deleted'",
        "GRANT SELECT ON live TO PUBLIC",
    ],
    "policy": [
        TABLE,
        "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY live_only ON t FOR SELECT TO PUBLIC USING (status <> 'deleted')",
        "CREATE POLICY write_live ON t AS RESTRICTIVE FOR INSERT WITH CHECK (status = 'active')",
        "COMMENT ON POLICY live_only ON t IS 'hide deleted rows'",
    ],
    "trigger": [
        TABLE,
        "CREATE FUNCTION t_touch() RETURNS trigger LANGUAGE plpgsql AS"
        " 'BEGIN NEW.id := NEW.id + 1000; RETURN NEW; END'",
        "CREATE TRIGGER t_on_delete BEFORE UPDATE ON t FOR EACH ROW"
        " WHEN (NEW.status = 'deleted' AND OLD.status IS DISTINCT FROM NEW.status)"
        " EXECUTE FUNCTION t_touch()",
        "CREATE TRIGGER t_status_change BEFORE UPDATE OF status ON t FOR EACH ROW"
        " EXECUTE FUNCTION t_touch()",
        "ALTER TABLE t DISABLE TRIGGER t_status_change",
        "COMMENT ON TRIGGER t_on_delete ON t IS 'renumber deleted rows'",
    ],
    "partitioned": [
        "CREATE TABLE t (id int NOT NULL, status userstatus NOT NULL DEFAULT 'active',"
        " CONSTRAINT ck_t_first CHECK (status <> 'deleted' OR id > 1)) PARTITION BY RANGE (id)",
        "CREATE TABLE t_low PARTITION OF t FOR VALUES FROM (0) TO (2)",
        "CREATE TABLE t_high PARTITION OF t FOR VALUES FROM (2) TO (100)",
        "CREATE INDEX ix_t_live ON t (id) WHERE status <> 'deleted'",
    ],
}

CATALOG = """
SELECT 'index ' || c.relname, pg_get_indexdef(c.oid) || coalesce(' -- ' || obj_description(c.oid,
  'pg_class'), '') FROM pg_class c
  WHERE c.relkind IN ('i', 'I') AND c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'constraint ' || k.conrelid::regclass || '.' || k.conname, pg_get_constraintdef(k.oid)
  || coalesce(' -- ' || obj_description(k.oid, 'pg_constraint'), '')
  FROM pg_constraint k WHERE k.connamespace = 'public'::regnamespace
UNION ALL
SELECT 'view ' || c.relname, pg_get_viewdef(c.oid) || coalesce(c.reloptions::text, '')
  || coalesce(c.relacl::text, '') || coalesce(' -- ' || obj_description(c.oid, 'pg_class'), '')
  FROM pg_class c WHERE c.relkind IN ('v', 'm') AND c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT 'column ' || a.attrelid::regclass || '.' || a.attname, format_type(a.atttypid, a.atttypmod)
  || coalesce(' = ' || pg_get_expr(d.adbin, d.adrelid), '') || a.attgenerated::text
  || coalesce(' -- ' || col_description(a.attrelid, a.attnum), '')
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid AND c.relnamespace = 'public'::regnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
UNION ALL
SELECT 'policy ' || p.polname, p.polpermissive::text || p.polcmd::text || p.polroles::text
  || coalesce(' USING ' || pg_get_expr(p.polqual, p.polrelid), '')
  || coalesce(' CHECK ' || pg_get_expr(p.polwithcheck, p.polrelid), '')
  || coalesce(' -- ' || obj_description(p.oid, 'pg_policy'), '') FROM pg_policy p
UNION ALL
SELECT 'trigger ' || g.tgname, pg_get_triggerdef(g.oid) || ' ' || g.tgenabled::text
  || coalesce(' -- ' || obj_description(g.oid, 'pg_trigger'), '')
  FROM pg_trigger g WHERE NOT g.tgisinternal
ORDER BY 1
"""
LABELS = (
    "SELECT array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum"
    " WHERE enumtypid = 'userstatus'::regtype"
)


@pytest.fixture(scope="module")
def engine(pg_server):
    url = pg_server.create_database()
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()
    pg_server.drop_database(url)


def _build(engine, statements: list[str]) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        conn.execute(sa.text("CREATE TYPE userstatus AS ENUM ('active', 'deleted', 'old')"))
        for statement in statements:
            conn.execute(sa.text(statement))
        conn.execute(sa.text(ROWS))


def _state(engine) -> tuple:
    with engine.connect() as conn:
        catalog = conn.execute(sa.text(CATALOG)).all()
        rows = conn.execute(sa.text("SELECT id, status::text FROM t ORDER BY id")).all()
        return catalog, rows, conn.execute(sa.text(LABELS)).scalar_one()


def _swap(engine, op: SwapEnumTypeOp = SWAP) -> None:
    with engine.begin() as conn:
        Operations(MigrationContext.configure(conn)).invoke(op)


@pytest.mark.parametrize("case", CASES)
def test_swap_keeps_every_dependent_object(engine, case):
    _build(engine, CASES[case])
    catalog, rows, labels = _state(engine)
    assert labels == ["active", "deleted", "old"]
    _swap(engine)
    assert _state(engine) == (catalog, rows, ["active", "deleted"])
    with engine.connect() as conn:  # the recreated objects work on the new type
        if case in ("check", "partitioned"):
            with pytest.raises(sa.exc.IntegrityError, match="ck_t_first"):
                conn.execute(sa.text("INSERT INTO t (id, status) VALUES (0, 'deleted')"))
        if case == "views":
            assert conn.execute(sa.text("SELECT count(*) FROM live_ids")).scalar_one() == 2
        if case == "policy":  # a superuser bypasses RLS: read as a plain role, rolled back
            reader = f"wb_reader_{uuid.uuid4().hex[:8]}"
            conn.execute(sa.text(f"CREATE ROLE {reader}; GRANT USAGE ON SCHEMA public TO {reader}"))
            conn.execute(sa.text(f"GRANT SELECT ON t TO {reader}"))
            conn.execute(sa.text(f"SET LOCAL ROLE {reader}"))
            live = conn.execute(sa.text("SELECT id FROM t ORDER BY id")).scalars().all()
            assert live == [1, 3]
            conn.rollback()
        if case == "trigger":
            conn.execute(sa.text("UPDATE t SET status = 'deleted' WHERE id = 1"))
            ids = conn.execute(sa.text("SELECT id FROM t ORDER BY id")).scalars().all()
            assert ids == [2, 3, 1001]
            conn.rollback()
        if case == "generated_column":
            gone = conn.execute(sa.text("SELECT id FROM t WHERE gone")).scalars().all()
            assert gone == [2]


def test_a_dependent_naming_a_removed_value_stops_the_swap(engine):
    _build(engine, [TABLE, "CREATE INDEX ix_t_old ON t (id) WHERE status <> 'old'"])
    before = _state(engine)
    with pytest.raises(sa.exc.DBAPIError) as raised:
        _swap(engine)
    assert str(raised.value.orig).splitlines()[0] == (
        "the index ix_t_old names a value the enum type userstatus loses in this revision "
        '(invalid input value for enum userstatus: "old"); nothing was changed.'
    )
    assert _state(engine) == before


def _offline_sql(op: SwapEnumTypeOp) -> str:
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    Operations(context).invoke(op)
    return buffer.getvalue()


def test_offline_swap_stops_with_the_count_of_rows_holding_a_removed_value(engine):
    """``update-db --sql`` writes the swap without a database; run on one, it counts."""
    script = _offline_sql(SwapEnumTypeOp("userstatus", ["active"], ["active", "deleted", "old"]))
    _build(engine, CASES["default"])
    before = _state(engine)
    with pytest.raises(sa.exc.IntegrityError) as raised, engine.begin() as conn:
        conn.exec_driver_sql(script.strip().rstrip(";"))
    assert str(raised.value.orig).splitlines()[0] == (
        "t.status still holds 'deleted' (1 row(s)), which the enum type userstatus loses in "
        "this revision; nothing was changed."
    )
    assert _state(engine) == before
    with engine.begin() as conn:  # once the rows are moved, the same script runs
        conn.execute(sa.text("UPDATE t SET status = 'active'"))
        conn.exec_driver_sql(script.strip().rstrip(";"))
    assert _state(engine)[2] == ["active"]


def test_online_swap_refuses_with_the_same_message(engine):
    _build(engine, CASES["partitioned"])
    with pytest.raises(DataMigrationRequiredError) as raised:
        _swap(engine, SwapEnumTypeOp("userstatus", ["active"], ["active", "deleted", "old"]))
    assert str(raised.value).startswith("t.status still holds 'deleted' (1 row(s)), which")
