"""Column scenarios: FK actions, server defaults, comments, computed columns, serials."""

from __future__ import annotations

from tests.scenario import Scenario


def models(
    ondelete: str = "CASCADE",
    flag: str = "false",
    comment: str = "shown to users",
    table_comment: str = "orders",
    computed: str = "qty * 2",
) -> str:
    return f"""
    from datetime import datetime
    from sqlalchemy import BigInteger, Column, Computed, DateTime, Identity, Integer, func, text
    from sqlmodel import Field, SQLModel

    class Customer(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)

    class Purchase(SQLModel, table=True):
        __table_args__ = {{"comment": {table_comment!r}}}
        id: int | None = Field(default=None, primary_key=True)
        number: int | None = Field(
            default=None, sa_column=Column(BigInteger, Identity(), nullable=False)
        )
        customer_id: int | None = Field(
            default=None, foreign_key="customer.id", ondelete={ondelete!r}
        )
        label: str = Field(max_length=20, sa_column_kwargs={{"comment": {comment!r}}})
        flag: bool = Field(default=False, sa_column_kwargs={{"server_default": text({flag!r})}})
        created_at: datetime | None = Field(
            default=None, sa_column=Column(DateTime(timezone=True), server_default=func.now())
        )
        qty: int = 1
        total: int | None = Field(default=None, sa_column=Column(Integer, Computed({computed!r})))
"""


SEED = [
    "INSERT INTO customer (id) VALUES (1)",
    "INSERT INTO purchase (id, customer_id, label, qty) VALUES (1, 1, 'x', 3), (2, NULL, 'y', 4)",
]
QUERY = "SELECT id, customer_id, label, flag, qty, total FROM purchase ORDER BY id"


def test_fk_action_default_comments_computed_change(project, pg_pair):
    new = models("SET NULL", "true", "internal", "all orders", "qty * 3")
    rows = [(1, 1, "x", False, 3, 9), (2, None, "y", False, 4, 12)]
    script = Scenario(models(), new, SEED, QUERY, expected_rows=rows).run(project, pg_pair)
    flat = " ".join(script.replace("(", "( ").split())
    assert 'ondelete="SET NULL"' in flat
    assert 'comment="internal"' in flat
    assert 'op.create_table_comment( "purchase", "all orders"' in flat


def test_fk_action_change_mysql(project, mysql_pair):
    source = models().replace(
        "        total: int | None = Field(default=None, sa_column=Column(Integer, "
        "Computed('qty * 2')))\n",
        "",
    )
    source = source.replace(
        "        number: int | None = Field(\n"
        "            default=None, sa_column=Column(BigInteger, Identity(), nullable=False)\n"
        "        )\n",
        "",
    )
    assert "Identity()," not in source and "Computed('qty" not in source
    new = source.replace("ondelete='CASCADE'", "ondelete='SET NULL'")
    Scenario(source, new, SEED[:1], "SELECT id FROM customer").run(project, mysql_pair)
