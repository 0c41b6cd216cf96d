"""Expand/contract on PostgreSQL, in-process: generated from models, applied phase by
phase with rows in the table, one phase under a concurrent writer."""

from __future__ import annotations

import pytest

from tests.scenario import Scenario, execute, rows

OLD = """
    from sqlmodel import Field, SQLModel

    class Person(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(max_length=100)

    class Ticket(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=200)
        qty: int
        code: str = Field(max_length=20)
        amount: str
        note: str | None = Field(default=None, max_length=50)
"""

NEW = (
    OLD.replace("class Person", "class Member")
    .replace("title: str", "name: str")
    .replace("qty: int", "qty: int = Field(sa_type=sa.BigInteger)")
    .replace("code: str = Field(max_length=20)", "code: str = Field(sa_type=sa.Text)")
    .replace("amount: str", "amount: int")
    .replace("note: str | None = Field(default=None, max_length=50)",
             'note: str = Field(default="-", max_length=50)')
    .replace("from sqlmodel", "import sqlalchemy as sa\n    from sqlmodel")
)

SEED = [
    "INSERT INTO person (email) VALUES ('a@example.com'), ('b@example.com')",
    "INSERT INTO ticket (title, qty, code, amount, note) VALUES "
    "('first', 1, 'A-1', '10', NULL), ('second', 2, 'A-2', '20', 'n')",
]


def test_expand_contract_round_trip_keeps_rows(project, pg_pair):
    pg_url = pg_pair[0]
    scenario = Scenario(OLD, NEW, SEED)
    scenario.prepare(project, pg_pair)
    project.write_models(NEW)
    result = project.ok("create-migration", "Rename and retype", "--rename", "ticket.title=name",
                        "--rename", "person=member", "--expand-contract")
    expand, contract = project.revision_files()[-2:]
    print(expand.read_text())
    print(contract.read_text())
    project.ok("update-db", "--revision", "0002")
    print(rows(pg_url, "SELECT * FROM ticket ORDER BY id"))
    execute(pg_url, "INSERT INTO ticket (title, qty, code, amount) VALUES ('old', 3, 'A-3', '30')",
            "INSERT INTO person (email) VALUES ('c@example.com')")
    print(rows(pg_url, "SELECT * FROM ticket ORDER BY id"))
    project.ok("downgrade")
    project.ok("update-db", "--revision", "0002")
    project.ok("update-db", "--revision", "0003")
    print(rows(pg_url, "SELECT * FROM ticket ORDER BY id"))
    print(project.run("check").output)
    project.ok("downgrade")
    print(rows(pg_url, "SELECT * FROM ticket ORDER BY id"))
    assert 0
