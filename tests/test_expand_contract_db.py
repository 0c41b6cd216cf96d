"""Expand/contract on PostgreSQL, in-process: generated from the models, applied phase by
phase with rows in the tables and written by both code versions, one expand under a
concurrent writer; the other databases refuse the flag before writing anything."""

from __future__ import annotations

import random
import threading

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from tests.scenario import Scenario, execute, rows

OLD = """
    from sqlmodel import Field, SQLModel

    class Person(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(max_length=100)

    class Ticket(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=200, index=True)
        qty: int = Field(index=True)
        code: str = Field(max_length=20, unique=True)
        amount: str
        note: str | None = Field(default=None, max_length=50)
"""

NEW = (
    OLD.replace("class Person", "class Member")
    .replace("title: str", "name: str")
    .replace("qty: int = Field(index=True)", "qty: int = Field(sa_type=sa.BigInteger, index=True)")
    .replace(
        "code: str = Field(max_length=20, unique=True)",
        "code: str = Field(sa_type=sa.Text, unique=True)",
    )
    .replace("amount: str", "amount: int")
    .replace(
        "note: str | None = Field(default=None, max_length=50)",
        'note: str = Field(default="-", max_length=50)',
    )
    .replace("from sqlmodel", "import sqlalchemy as sa\n    from sqlmodel")
)

SEED = [
    "INSERT INTO person (email) VALUES ('a@example.com'), ('b@example.com')",
    "INSERT INTO ticket (title, qty, code, amount, note) VALUES "
    "('first', 1, 'A-1', '10', NULL), ('second', 2, 'A-2', '20', 'n')",
]

BOTH = "SELECT id, title, name, qty, _qty_new, code, _code_new, amount, _amount_new, note "
OLD_ROWS = "SELECT id, title, qty, code, amount, note FROM ticket ORDER BY id"
NEW_ROWS = "SELECT id, name, qty, code, amount, note FROM ticket ORDER BY id"


def indexes(url) -> dict[str, str]:
    query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'ticket'"
    return dict(rows(url, query))


RENAMES = ("--rename", "ticket.title=name", "--rename", "person=member")


def test_each_phase_upgrades_and_downgrades_with_rows_from_both_code_versions(
    project, first_pg_url
):
    """On the first server only (the test budget); the ops' SQL runs on every server in
    tests/test_ops_shared.py."""
    url = first_pg_url
    Scenario(OLD, NEW, SEED).prepare(project, (url, None))
    project.write_models(NEW)
    project.ok("create-migration", "Rename and retype", *RENAMES, "--expand-contract")
    expand, contract = (path.read_text() for path in project.revision_files()[-2:])
    assert '\nphase = "expand"\n' in expand and '\nphase = "contract"\n' in contract
    assert 'down_revision: str | Sequence[str] | None = "0002"' in contract

    before = indexes(url)
    deploy = project.ok("update-db")  # the deploy: stops before the contract by itself
    assert "Waiting: 0003_" in deploy.stderr and "update-db --contract" in deploy.stderr
    during = indexes(url)
    assert {"ix_ticket_name", "_ix_ticket_qty_new", "_uq_ticket_code_new"} <= set(during)
    execute(
        url,  # the old code, through the old names; the new code, through the new ones
        "INSERT INTO ticket (title, qty, code, amount) VALUES ('old', 3, 'A-3', '30')",
        "INSERT INTO ticket (name, qty, code, amount, note) VALUES ('new', 4, 'A-4', '40', 'x')",
        "UPDATE ticket SET title = 'first!', amount = '11' WHERE id = 1",
        "UPDATE ticket SET name = 'second!' WHERE id = 2",
        "INSERT INTO person (email) VALUES ('c@example.com')",
        "UPDATE person SET email = 'b@example.org' WHERE id = 2",
    )
    expected = [
        (1, "first!", "first!", 1, 1, "A-1", "A-1", "11", 11, "-"),
        (2, "second!", "second!", 2, 2, "A-2", "A-2", "20", 20, "n"),
        (3, "old", "old", 3, 3, "A-3", "A-3", "30", 30, "-"),
        (4, "new", "new", 4, 4, "A-4", "A-4", "40", 40, "x"),
    ]
    assert rows(url, BOTH + "FROM ticket ORDER BY id") == expected
    assert rows(url, "SELECT email FROM member ORDER BY id")[1:] == [
        ("b@example.org",),
        ("c@example.com",),
    ]
    old_rows = rows(url, OLD_ROWS)

    project.ok("downgrade")
    assert rows(url, OLD_ROWS) == old_rows
    assert indexes(url) == before
    project.ok("update-db")
    project.ok("update-db", "--contract")
    assert project.run("check").returncode == 0
    new_rows = [(i, t, q, c, int(a), n) for i, t, q, c, a, n in old_rows]
    assert rows(url, NEW_ROWS) == new_rows
    project.ok("downgrade")
    assert rows(url, BOTH + "FROM ticket ORDER BY id") == expected
    assert indexes(url) == during


WRITER_OLD = """
    from sqlmodel import Field, SQLModel

    class Ticket(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=200)
"""


def _write(url, stop: threading.Event, counts: dict) -> None:
    """Old and new code at once: updates and inserts through either column name."""
    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    pick = random.Random(7)
    with engine.connect() as conn:
        while not stop.is_set():
            column = pick.choice(("title", "name"))
            key = pick.randint(1, 3000)
            statement = pick.choice(
                (
                    f"UPDATE ticket SET {column} = 'w' || :k WHERE id = :k",
                    f"INSERT INTO ticket ({column}) VALUES ('i' || :k)",
                )
            )
            try:
                conn.execute(text(statement), {"k": key})
                counts[column] += 1
            except DBAPIError:  # "name" before the expand added it
                counts["refused"] += 1
    engine.dispose()


def test_no_row_written_during_the_backfill_is_missed(project, first_pg_url):
    """On one server only: the trigger and the batches are the point, not the version."""
    url = first_pg_url
    seed = ["INSERT INTO ticket (title) SELECT 't' || g FROM generate_series(1, 3000) g"]
    Scenario(WRITER_OLD, "", seed).prepare(project, (url, None))
    project.env.update({"WORKBENCH_BATCH_SIZE": "50", "WORKBENCH_MAX_BATCH_MS": "0"})
    project.write_models(WRITER_OLD.replace("title: str", "name: str"))
    project.ok("create-migration", "Rename", "--rename", "ticket.title=name", "--expand-contract")
    stop, counts = threading.Event(), {"title": 0, "name": 0, "refused": 0}
    writer = threading.Thread(target=_write, args=(url, stop, counts))
    writer.start()
    try:
        project.ok("update-db", "--revision", "0002")
        after = dict(counts)
    finally:
        stop.set()
        writer.join()
    assert after["title"] > 20 and after["name"] > 0, counts
    assert rows(url, "SELECT count(*) FROM ticket WHERE name IS DISTINCT FROM title") == [(0,)]
    assert rows(url, "SELECT count(*) FROM ticket WHERE name IS NULL") == [(0,)]


def test_sqlite_and_mariadb_refuse_in_one_line_and_write_nothing(project, sqlite_url, mysql_url):
    project.write_models(WRITER_OLD)
    for url, name in ((sqlite_url, "SQLite"), (mysql_url, "MySQL/MariaDB")):
        project.use_database(url)
        result = project.run("create-migration", "Rename", "--expand-contract")
        assert result.returncode != 0
        errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
        assert errors[0].startswith("error: --expand-contract is supported on PostgreSQL only")
        assert name in errors[0]
        assert project.revision_files() == []
