"""``check`` reports every kind of pending change and never crashes (issue 13's first part).

The workbench's comparators emit its own operations (enum value added, enum type swapped,
created or dropped, schema created, a cast that needs a data migration). Alembic's
``compare_metadata`` asks each op for ``to_diff_tuple()``; without one ``check`` (and
the review's drift check) crashed with NotImplementedError on the change it should
report. Each case: old models applied, new models written, ``check`` exits 1 with the
differences as lines.
"""

from __future__ import annotations

import pytest

MODELS = """\
import enum
import uuid
from sqlalchemy import BigInteger, Column, Enum, Identity, Integer
from sqlmodel import Field, SQLModel

class Status(str, enum.Enum):
{values}

class Task(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    status: Status = Field(sa_column=Column(Enum(Status, name="status"), nullable=False))
    code: {code} = Field(default=0)
    number: int | None = Field(default=None, sa_column=Column(BigInteger, {identity}))
{fields}{extra}"""

OTHER_ENUM = """
class Colour(str, enum.Enum):
    red = "red"

class Paint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    colour: Colour = Field(sa_column=Column(Enum(Colour, name="colour"), nullable=False))
"""

BILLING = """
class Invoice(SQLModel, table=True):
    __table_args__ = {"schema": "billing"}
    id: int | None = Field(default=None, primary_key=True)
"""


def models(values=("a", "b"), code="int", identity="Identity(start=1)", extra="", fields="") -> str:
    body = "\n".join(f'    {v} = "{v}"' for v in values)
    return MODELS.format(values=body, code=code, identity=identity, extra=extra, fields=fields)


# what the rewriters turn into safe-pattern steps (a backfill, set_not_null_safely, a
# concurrent index, a NOT VALID foreign key, a unique built concurrently): ``check``
# compares before any rewriting, so it lists the plain changes
SAFE_PATTERN_FIELDS = """\
    priority: int = Field(default=3, index=True)
    paint_id: int | None = Field(default=None, foreign_key="paint.id")
    ref: str | None = Field(default=None, max_length=20, unique=True)
"""


OLD = models(extra=OTHER_ENUM)
CASES = {
    "enum value added": (
        models(("a", "b", "c"), extra=OTHER_ENUM),
        ["add value 'c' to enum type status"],
    ),
    "enum value removed": (
        models(("a",), extra=OTHER_ENUM),
        ["change the values of enum type status: ('a', 'b') -> ('a',)"],
    ),
    "enum values reordered": (
        models(("b", "a"), extra=OTHER_ENUM),
        ["change the values of enum type status: ('a', 'b') -> ('b', 'a')"],
    ),
    "enum type dropped with its table": (
        models(),
        ["remove table paint", "drop enum type colour"],
    ),
    "schema and table added": (
        models(extra=OTHER_ENUM + BILLING),
        ["create schema billing", "add table billing.invoice"],
    ),
    "identity options": (
        models(identity="Identity(start=100)", extra=OTHER_ENUM),
        ["change default of task.number: Identity(start=1"],
    ),
    "type change with a cast": (
        models(code="str", extra=OTHER_ENUM),
        ["change type of task.code: INTEGER() -> AutoString()"],
    ),
    "safe-pattern steps": (
        models(extra=OTHER_ENUM, fields=SAFE_PATTERN_FIELDS),
        [
            "add column task.priority",
            "add column task.paint_id",
            "add index ix_task_priority on task",
            "add constraint uq_task_ref on task",
            "add fk fk_task_paint_id_paint on task",
        ],
    ),
    "type change no cast can make": (
        models(code="uuid.UUID", extra=OTHER_ENUM),
        [
            "STOP before any change: data migration needed for task.code "
            "(integer -> uuid: no cast converts the values)"
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_check_lists_each_pending_change(project, pg_url, case):
    new, expected = CASES[case]
    project.use_database(pg_url)
    project.write_models(OLD)
    project.ok("create-migration", "Old models")
    project.ok("update-db")
    project.write_models(new)
    result = project.run("check")
    assert "Traceback" not in result.output
    assert result.returncode == 1, result.output
    listed = [
        line.removeprefix("  - ") for line in result.stdout.splitlines() if line.startswith("  - ")
    ]
    for line in expected:
        assert any(found.startswith(line) for found in listed), (line, listed)
