"""Identifiers over the database's limit (issue 21, items 9 and 10).

A conventional name over PostgreSQL's 63 bytes is shortened by SQLAlchemy (prefix plus
hash) in ``create_all``; every workbench step must use that same name online and
offline, or the database keeps PostgreSQL's own cut and ``check`` never converges.
Names SQLAlchemy does not shorten (columns, tables, enums, explicit names) are refused
at generation. A step that runs outside the revision's transaction can be rerun after
it failed: what was committed before it is guarded with IF NOT EXISTS.
"""

from __future__ import annotations

import re
import textwrap

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.schema import AddConstraint, CreateIndex
from sqlalchemy.sql.elements import conv

from common.identifiers import over_long_identifiers, stored_name
from common.models import NAMING_CONVENTION
from tests.scenario import Scenario, compact, execute, rows

ACCOUNT = "customeraccountpreferencerecord"
INDEX = f"ix_{ACCOUNT}_notification_delivery_channel_code"
UNIQUE = f"uq_{ACCOUNT}_external_reference_identifier"
FOREIGN_KEY = f"fk_{ACCOUNT}_notificationdeliverychannel_id_notificationdeliverychannel"
CHECK = f"ck_{ACCOUNT}_priority_level_value_is_not_negative"
LONG_NAMES = (INDEX, UNIQUE, FOREIGN_KEY, CHECK)


def _create_all_names(dialect) -> dict[str, str]:
    """Each long conventional name -> the name create_all's DDL gives it on ``dialect``."""
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    channel = sa.Table(
        "notificationdeliverychannel", metadata, sa.Column("id", sa.Integer, primary_key=True)
    )
    account = sa.Table(
        ACCOUNT,
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("notification_delivery_channel_code", sa.String(20), index=True),
        sa.Column("external_reference_identifier", sa.String(40), unique=True),
        sa.Column("priority_level_value", sa.Integer),
        sa.Column("notificationdeliverychannel_id", sa.ForeignKey(channel.c.id)),
        sa.CheckConstraint(
            "priority_level_value >= 0", name="priority_level_value_is_not_negative"
        ),
    )
    ddl = [str(CreateIndex(index).compile(dialect=dialect)) for index in account.indexes]
    ddl += [str(AddConstraint(c).compile(dialect=dialect)) for c in account.constraints]
    found = [m for text in ddl for m in re.findall(r"(?:INDEX|CONSTRAINT) (\w+)", text)]
    names = {}
    for long_name in LONG_NAMES:
        (short,) = [name for name in found if name[:20] == long_name[:20]]
        names[long_name] = short
    return names


def test_stored_name_is_the_name_create_all_compiles():
    for dialect, limit in ((postgresql.dialect(), 63), (mysql.dialect(), 64)):
        for long_name, short in _create_all_names(dialect).items():
            kind = "index" if long_name.startswith("ix_") else "constraint"
            assert stored_name(dialect, long_name, kind) == short
            assert len(short) <= limit
            if len(long_name) > limit:  # shortened with a hash, not cut as PostgreSQL cuts
                assert short != long_name[:limit]
    # a name that needs quoting comes back unquoted
    mixed = "Ix_" + INDEX[3:]
    quoted = postgresql.dialect().identifier_preparer.truncate_and_render_index_name(conv(mixed))
    assert quoted.startswith('"Ix_') and stored_name(postgresql.dialect(), mixed) == quoted[1:-1]


# A revision as create-migration wrote it before: long conventional names as plain text.
REVISION = f'''
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index_concurrently({INDEX!r}, "{ACCOUNT}", ["notification_delivery_channel_code"])
    op.add_unique_constraint_concurrently(
        {UNIQUE!r}, "{ACCOUNT}", ["external_reference_identifier"]
    )
    op.create_foreign_key_not_valid(
        {FOREIGN_KEY!r}, "{ACCOUNT}", "notificationdeliverychannel",
        ["notificationdeliverychannel_id"], ["id"],
    )
    op.validate_constraint({FOREIGN_KEY!r}, "{ACCOUNT}")
    op.create_check_constraint_not_valid({CHECK!r}, "{ACCOUNT}", "priority_level_value >= 0")
    op.validate_constraint({CHECK!r}, "{ACCOUNT}")


def downgrade() -> None:
    op.drop_index_concurrently({INDEX!r})
'''


def test_offline_sql_names_what_postgresql_stores(project):
    """``update-db --sql`` needs no database: the URL points at nothing."""
    project.use_database("postgresql://nobody@127.0.0.1:9/nowhere")
    project.write_models("from sqlmodel import SQLModel\n")
    (project.versions / "0001_long_names.py").write_text(REVISION)
    out = project.ok("update-db", "--sql").stdout
    for long_name, short in _create_all_names(postgresql.dialect()).items():
        assert long_name not in out
        assert short in out, short
    short = _create_all_names(postgresql.dialect())
    assert f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {short[INDEX]} ON {ACCOUNT}" in out
    assert f"VALIDATE CONSTRAINT {short[CHECK]};" in out


OLD = """
from sqlmodel import Field, SQLModel

class NotificationDeliveryChannel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)

class CustomerAccountPreferenceRecord(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
"""

NEW = """
from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

class NotificationDeliveryChannel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)

class CustomerAccountPreferenceRecord(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("external_reference_identifier"),
        CheckConstraint("priority_level_value >= 0", name="priority_level_value_is_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    notification_delivery_channel_code: str | None = Field(default=None, index=True, max_length=20)
    external_reference_identifier: str | None = Field(default=None, max_length=40)
    priority_level_value: int | None = None
    notificationdeliverychannel_id: int | None = Field(
        default=None, foreign_key="notificationdeliverychannel.id"
    )
"""


def test_long_conventional_names_on_an_existing_table_converge(project, pg_pair):
    seed = [
        "INSERT INTO notificationdeliverychannel (id) VALUES (1)",
        f"INSERT INTO {ACCOUNT} (id) VALUES (1), (2)",
    ]
    scenario = Scenario(OLD, NEW, seed, f"SELECT id FROM {ACCOUNT} ORDER BY id")
    script = compact(scenario.run(project, pg_pair))
    short = _create_all_names(postgresql.dialect())
    for call, name in (
        ("create_index_concurrently", INDEX),
        ("add_unique_constraint_concurrently", UNIQUE),
        ("create_foreign_key_not_valid", FOREIGN_KEY),
        ("create_check_constraint_not_valid", CHECK),
    ):
        assert f"op.{call}('{short[name]}'" in script, call
    assert f"op.drop_index_concurrently('{short[INDEX]}'" in script


RERUN_OLD = """
from sqlmodel import Field, SQLModel

class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=80)
"""

RERUN_NEW = """
from sqlmodel import Field, SQLModel

class Member(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=80, unique=True, index=True)
    nickname: str | None = Field(default=None, max_length=40)
"""


def test_a_failed_concurrent_build_can_be_rerun(project, pg_pair):
    """add_column commits before CREATE INDEX CONCURRENTLY; the rerun must get past it."""
    seed = ["INSERT INTO member (id, email) VALUES (1, 'a@x'), (2, 'a@x'), (3, 'b@x')"]
    scenario = Scenario(RERUN_OLD, RERUN_NEW, seed)
    scenario.prepare(project, pg_pair)
    scenario.generate()
    first = project.run("update-db")
    assert first.returncode == 1, first.output
    last = first.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "ix_member_email" in last and "Fix:" in last, last
    assert "Traceback" not in first.output
    execute(scenario.url, "DELETE FROM member WHERE id = 2")
    scenario.upgrade_converges()  # update-db again, create_all's schema, check clean
    assert rows(scenario.url, "SELECT id, email FROM member ORDER BY id") == [
        (1, "a@x"),
        (3, "b@x"),
    ]
    scenario.downgrade_converges()


def pg_url_of(scenario: Scenario):
    return scenario.url


TOO_LONG = f"""
import enum
from sqlalchemy import Column, Enum, Index
from sqlmodel import Field, SQLModel

class Tone(enum.Enum):
    calm = "calm"

class {"T" * 64}(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)

class Note(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    {"c" * 64}: int | None = None
    tone: Tone | None = Field(default=None, sa_column=Column(Enum(Tone, name={"e" * 64!r})))
    ok_but_conventionally_indexed_column_with_a_rather_long_name: int | None = Field(
        default=None, index=True
    )

Index({"i" * 64!r}, Note.id)
"""


def test_names_over_the_postgresql_limit_are_refused(project, pg_url):
    project.use_database(pg_url)
    project.write_models(textwrap.dedent(TOO_LONG))
    for command in (("create-migration", "Too long"), ("check",)):
        result = project.run(*command)
        assert result.returncode == 1, result.output
        assert "Traceback" not in result.output
        (line,) = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        assert "limit of 63 bytes" in line and "Fix:" in line, line
        for what in (
            f"table {'t' * 64} (64 bytes)",
            f"column note.{'c' * 64} (64 bytes)",
            f"enum type {'e' * 64} (64 bytes)",
            f"index {'i' * 64} (64 bytes)",
        ):
            assert what in line, (what, line)
        assert "ok_but" not in line  # a conventional name is shortened, not refused
    assert project.revision_files() == []
    assert sa.inspect(sa.create_engine(pg_url)).get_table_names() == []


@pytest.mark.mysql
def test_mariadb_allows_64_characters_and_refuses_65(project, mysql_url):
    project.use_database(mysql_url)
    project.write_models(
        f"""
        from sqlmodel import Field, SQLModel

        class Note(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            {"a" * 64}: int | None = None
            {"b" * 65}: int | None = None
        """
    )
    result = project.run("create-migration", "Too long")
    assert result.returncode == 1, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert f"column note.{'b' * 65} (65 characters)" in line and "limit of 64" in line, line
    assert "a" * 64 + " " not in line
    assert project.revision_files() == []


def test_multibyte_names_are_counted_in_bytes_on_postgresql():
    table = sa.Table("t", sa.MetaData(), sa.Column("ü" * 32, sa.Integer))  # 64 bytes
    assert over_long_identifiers([table], postgresql.dialect()) == [
        f"column t.{'ü' * 32} (64 bytes)"
    ]
    assert over_long_identifiers([table], mysql.dialect()) == []
