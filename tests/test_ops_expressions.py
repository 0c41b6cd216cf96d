"""The batch ops' script text from SQLAlchemy objects, with no database.

Rewriters hand the ops SQLAlchemy objects (``sa.func.now()``, ``sa.literal(...)``,
``sa.column(...).is_(None)``), never Python source in strings; the renderers write them
back as the calls a reviewer knows, and anything else as ``sa.text`` of its SQL for the
script's dialect. The rendered text, evaluated as a script would, gives back an op that
renders the same text and writes the same SQL offline.
"""

from __future__ import annotations

import datetime
import decimal
from functools import partial
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from alembic.autogenerate.api import AutogenContext
from alembic.autogenerate.render import render_op_text
from alembic.migration import MigrationContext

from common.ops import BatchCopyColumnOp, BatchDeleteOp, BatchUpdateOp
from common.ops._expressions import python_source


def _context(dialect: str = "postgresql") -> AutogenContext:
    return AutogenContext(
        MigrationContext.configure(dialect_name=dialect),
        opts={"sqlalchemy_module_prefix": "sa.", "alembic_module_prefix": "op."},
    )


def _render(op, dialect: str = "postgresql") -> str:
    return render_op_text(_context(dialect), op)


def _offline_sql(op, dialect: str = "postgresql") -> str:
    statement = op.offline_statement()
    return str(
        statement.compile(
            dialect=sa.create_engine(f"{dialect}://").dialect,
            compile_kwargs={"literal_binds": True},
        )
    )


def _flat(sql: str) -> str:
    return "".join(c for c in sql if c not in " \n()")


def _evaluate(text: str):
    """Run the rendered call as a script would: ``op.<name>(...)`` builds and invokes."""
    operations = SimpleNamespace(invoke=lambda op: op)
    classes = (BatchUpdateOp, BatchDeleteOp, BatchCopyColumnOp)
    calls = {cls.op_name: partial(getattr(cls, cls.op_name), operations) for cls in classes}
    return eval(text, {"sa": sa, "op": SimpleNamespace(**calls)})


CASES = {
    "now() for a date column": (
        BatchUpdateOp("ticket", {"created": sa.func.now()}, where=sa.column("created").is_(None)),
        "op.batch_update('ticket', {'created': sa.func.now()}, "
        "where=sa.column('created').is_(None))",
        "UPDATE ticket SET created=now() WHERE created IS NULL",
    ),
    "a typed literal": (
        BatchUpdateOp("item", {"price": sa.literal("1.50", sa.Numeric())}),
        "op.batch_update('item', {'price': sa.literal('1.50', sa.Numeric())})",
        "UPDATE item SET price=1.50",
    ),
    "SQL text and plain values": (
        BatchUpdateOp("item", {"day": sa.text("'2024-01-01'"), "n": 0, "note": "none"}),
        "op.batch_update('item', {'day': sa.text(\"'2024-01-01'\"), 'n': 0, 'note': 'none'})",
        "UPDATE item SET day='2024-01-01', n=0, note='none'",
    ),
    "a function of literals, is not null, options": (
        BatchUpdateOp(
            "item",
            {"code": sa.func.coalesce(None, "x")},
            where=sa.column("code").is_not(None),
            batch_size=500,
            schema="billing",
        ),
        "op.batch_update('item', {'code': sa.func.coalesce(None, 'x')}, "
        "where=sa.column('code').is_not(None), batch_size=500, schema='billing')",
        "UPDATE billing.item SET code=coalesce(NULL, 'x') WHERE code IS NOT NULL",
    ),
    "any other expression is its SQL": (
        BatchUpdateOp("item", {"n": sa.column("n") + 1}, where=sa.column("n") < 5),
        "op.batch_update('item', {'n': sa.text('n + 1')}, where=sa.text('n < 5'))",
        "UPDATE item SET n=(n + 1) WHERE n < 5",
    ),
    "a str where is raw SQL and stays a str": (
        BatchDeleteOp("item", "n > 3", max_batch_ms=None),
        "op.batch_delete('item', where='n > 3', max_batch_ms=None)",
        "DELETE FROM item WHERE n > 3",
    ),
    "a copy keeps its where and schema offline": (
        BatchCopyColumnOp("item", "a", "b", where=sa.column("a").is_not(None), schema="s"),
        "op.batch_copy_column('item', 'a', 'b', where=sa.column('a').is_not(None), schema='s')",
        "UPDATE s.item SET b=s.item.a WHERE a IS NOT NULL",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rendered_from_sqlalchemy_objects_and_back(case):
    op, text, sql = CASES[case]
    assert _render(op) == text
    assert " ".join(_offline_sql(op).split()) == sql
    again = _evaluate(text)
    assert type(again) is type(op)
    assert _render(again) == text
    # the same SQL, but for the parentheses SQLAlchemy puts around an expression in SET
    assert _flat(_offline_sql(again)) == _flat(sql)


def test_the_fallback_is_the_sql_of_the_scripts_dialect():
    op = BatchUpdateOp("item", {"label": sa.column("a").concat("x")})
    assert _render(op, "postgresql") == "op.batch_update('item', {'label': sa.text(\"a || 'x'\")})"
    assert _render(op, "mysql") == "op.batch_update('item', {'label': sa.text(\"concat(a, 'x')\")})"


def test_bound_text_and_untyped_literals():
    bound = sa.text("email = :e").bindparams(e="x")
    assert python_source(bound) == "sa.text(\"email = 'x'\")"
    assert python_source(sa.literal(5)) == "sa.literal(5)"
    assert python_source(sa.func.lower(sa.column("a"))) == "sa.text('lower(a)')"


def test_python_values_without_a_plain_repr_are_written_as_their_sql():
    """``Decimal('1.5')`` or ``datetime.date(...)`` would need imports the script lacks."""
    assert python_source(decimal.Decimal("1.50")) == "sa.text('1.50')"
    assert python_source(datetime.date(2024, 1, 2)) == "sa.text(\"'2024-01-02'\")"
    assert python_source(sa.literal(decimal.Decimal("2"))) == "sa.text('2')"
