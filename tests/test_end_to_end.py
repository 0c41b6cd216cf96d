"""The main flow, on every database kind, and the commands that report on it.

empty database -> create-migration -> update-db -> change a model -> create-migration
-> update-db -> check is clean -> downgrade -> the schema and the rows are back.

The flow runs in-process on every database (what differs by dialect is the database's
behaviour, and ``ScratchProject.run`` calls the same ``common.cli.main``), and once through
the real ``python -m common`` on the first PostgreSQL server: the wiring (``__main__``,
exit codes, the environment, ``.env``) is the same for every database, so one subprocess
run proves it (13-16 s each, where the in-process run takes a few seconds).
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.scenario import snapshot

MODELS_V1 = """
    import enum
    from sqlmodel import Field, SQLModel

    class Status(enum.Enum):
        open = "open"
        closed = "closed"

    class Owner(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        email: str = Field(max_length=200, unique=True)

    class Ticket(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        title: str = Field(max_length=200)
        status: Status = Field(default=Status.open, index=True)
        owner_id: int = Field(foreign_key="owner.id")
"""

MODELS_V2 = (
    MODELS_V1
    + """
    class Comment(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        ticket_id: int = Field(foreign_key="ticket.id", index=True)
        body: str = Field(max_length=2000)

    Ticket.__table__.append_column(
        __import__("sqlalchemy").Column("priority", __import__("sqlalchemy").Integer, nullable=True)
    )
"""
)


def _rows(url) -> list[tuple]:
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, title, owner_id FROM ticket ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def _seed(url) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO owner (id, email) VALUES (1, 'a@example.com')"))
        status = "'open'"
        conn.execute(
            text(
                f"INSERT INTO ticket (id, title, status, owner_id) VALUES "
                f"(1, 'first', {status}, 1), (2, 'second', {status}, 1)"
            )
        )
    engine.dispose()


def test_create_apply_change_check_downgrade(project, any_url):
    _main_flow(project, any_url)


@pytest.mark.e2e
def test_main_flow_through_the_command_line(project, first_pg_url):
    _main_flow(project, first_pg_url)


def _main_flow(project, any_url) -> None:
    project.use_database(any_url)
    project.write_models(MODELS_V1)

    first = project.ok("create-migration", "Create owners and tickets")
    [path] = project.revision_files()
    assert path.name == "0001_create_owners_and_tickets.py"
    assert first.stdout.strip() == str(path)
    project.ok("update-db")
    v1_schema = snapshot(any_url)
    assert {key for key in v1_schema if not key.startswith("(")} == {"owner", "ticket"}
    _seed(any_url)
    rows = _rows(any_url)

    project.write_models(MODELS_V2)
    project.ok("create-migration", "Add comments and priority")
    second = project.revision_files()[-1]
    assert second.name == "0002_add_comments_and_priority.py"
    script = second.read_text()
    assert 'op.create_table(\n        "comment"' in script or '"comment"' in script
    assert "priority" in script
    project.ok("update-db")
    v2_schema = snapshot(any_url)
    assert "priority" in [column[0] for column in v2_schema["ticket"]["columns"]]
    assert "comment" in v2_schema
    assert _rows(any_url) == rows

    check = project.run("check")
    assert check.returncode == 0, check.output
    assert "match" in check.stdout

    again = project.run("create-migration", "Nothing changed")
    assert again.returncode == 0
    assert "No changes" in again.stderr
    assert len(project.revision_files()) == 2

    project.ok("downgrade")
    assert snapshot(any_url) == v1_schema
    assert _rows(any_url) == rows

    project.ok("downgrade", "--revision", "base")
    assert snapshot(any_url) == {}
    project.ok("update-db")  # the enum type was dropped with its table: upgrade works again
    assert snapshot(any_url) == v2_schema


def test_check_lists_differences_and_fails(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    project.ok("create-migration", "Create owners and tickets")
    project.ok("update-db")
    project.write_models(MODELS_V2)
    result = project.run("check")
    assert result.returncode == 1
    assert "add table comment" in result.stdout
    assert "add column ticket.priority" in result.stdout


def test_status_history_current_heads_stamp(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    project.ok("create-migration", "Create owners and tickets")
    project.ok("create-migration", "Backfill things", "--empty")
    status = project.ok("status").stdout
    assert "Pending (2):" in status
    assert "· 0001_create_owners_and_tickets" in status
    assert "sqlite:///" in status

    project.ok("update-db", "--revision", "0001")
    status = project.ok("status").stdout
    assert "✓ 0001_create_owners_and_tickets" in status
    assert "· 0002_backfill_things" in status
    assert project.ok("current").stdout.strip() == "0001_create_owners_and_tickets"
    assert project.ok("heads").stdout.strip() == "0002_backfill_things"
    history = project.ok("history").stdout.splitlines()
    assert history[0].startswith("· 0002_backfill_things")
    assert history[1].startswith("✓ 0001_create_owners_and_tickets")

    project.ok("stamp", "0002")
    assert project.ok("current").stdout.strip() == "0002_backfill_things"
    assert "Up to date" in project.ok("status").stdout


def test_empty_revision_is_blank(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    result = project.ok("create-migration", "Move data by hand", "--empty")
    [path] = project.revision_files()
    assert result.stdout.strip() == str(path)
    source = path.read_text()
    assert "def upgrade() -> None:\n    pass" in source
    assert "def downgrade() -> None:\n    pass" in source


def test_update_db_sql_prints_sql_without_touching_the_database(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    project.ok("create-migration", "Create owners and tickets")
    before = sqlite_url.database
    result = project.ok("update-db", "--sql")
    assert "CREATE TABLE owner" in result.stdout
    assert "CREATE TABLE ticket" in result.stdout
    from pathlib import Path

    assert not Path(before).exists() or snapshot(sqlite_url) == {}


@pytest.mark.e2e
def test_database_url_from_dot_env(project, tmp_path):
    """DATABASE_URL in .env at the project root is used when the environment has none."""
    project.write_models(MODELS_V1)
    database = tmp_path / "from_dotenv.db"
    (project.root / ".env").write_text(f"DATABASE_URL=sqlite:///{database}\n")
    project.ok("create-migration", "Create owners and tickets")
    project.ok("update-db")
    assert f"sqlite:///{database}" in project.ok("status").stdout
    assert set(snapshot(f"sqlite:///{database}")) == {"owner", "ticket"}
