"""Index scenarios: predicate, INCLUDE columns, method, unique flag, expression."""

from __future__ import annotations

import re

from tests.scenario import Scenario


def models(where: str, include: str, using: str, unique: bool, function: str) -> str:
    return f"""
    from typing import Any
    from sqlalchemy import Column, Index, func, text
    from sqlalchemy.dialects.postgresql import JSONB
    from sqlmodel import Field, SQLModel

    class Doc(SQLModel, table=True):
        id: int | None = Field(default=None, primary_key=True)
        name: str = Field(max_length=50)
        qty: int = 0
        status: str = Field(max_length=10)
        body: Any = Field(default=None, sa_column=Column(JSONB))

    Index("ix_doc_open_qty", Doc.qty, postgresql_where=text({where!r}))
    Index("ix_doc_qty_cover", Doc.qty, postgresql_include={include})
    Index("ix_doc_body", Doc.body, postgresql_using={using!r})
    Index("ix_doc_status", Doc.status, unique={unique})
    Index("ix_doc_name_fn", func.{function}(Doc.name))
"""


OLD = models("qty > 0 AND status = 'open'", "['name']", "gin", False, "lower")
NEW = models("qty > 5 AND status IN ('open', 'new')", "['name', 'status']", "btree", True, "upper")
SEED = ["INSERT INTO doc (id, name, qty, status) VALUES (1, 'a', 1, 'open'), (2, 'b', 9, 'done')"]
QUERY = "SELECT id, name, qty, status FROM doc ORDER BY id"


def test_every_index_option_changes(project, pg_pair):
    script = Scenario(OLD, NEW, SEED, QUERY).run(project, pg_pair)
    upgrade = script[: script.index("def downgrade")]
    for name in ("ix_doc_open_qty", "ix_doc_qty_cover", "ix_doc_body", "ix_doc_status"):
        # on an existing table the safe rendering makes both steps CONCURRENTLY
        assert re.search(rf'op\.drop_index_concurrently\(\s*"{name}"', upgrade), name
        assert re.search(rf'op\.create_index_concurrently\(\s*"{name}"', upgrade), name
    assert "ix_doc_name_fn" in upgrade


def test_unchanged_partial_and_expression_indexes_are_not_reported(project, pg_pair):
    project.use_database(pg_pair[0])
    project.write_models(NEW)
    project.ok("create-migration", "Docs")
    project.ok("update-db")
    again = project.ok("create-migration", "Nothing")
    assert "No changes" in again.stderr
    assert len(project.revision_files()) == 1
