"""The lock and the work the impact check attributes to each kind of statement."""

from __future__ import annotations

import pytest

from common.review.capture import split_statements
from common.review.checks.impact import Effect, effects
from common.review.model import Statement

CASES = [
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint", ("ACCESS EXCLUSIVE", "rewrite")),
    ("ALTER TABLE t ALTER COLUMN a SET NOT NULL", ("ACCESS EXCLUSIVE", "scan")),
    ("ALTER TABLE t ADD COLUMN a int", ("ACCESS EXCLUSIVE", "instant")),
    (
        "ALTER TABLE t ADD COLUMN a int NOT NULL DEFAULT 3",
        ("ACCESS EXCLUSIVE", "instant", None, "default kept in the catalog (PostgreSQL 11+)"),
    ),
    (
        "ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid()",
        ("ACCESS EXCLUSIVE", "rewrite", None, "volatile default gen_random_uuid(): one per row"),
    ),
    (
        "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (b + 1) STORED",
        ("ACCESS EXCLUSIVE", "rewrite", None, "stored generated column: computed for every row"),
    ),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a)", ("ACCESS EXCLUSIVE", "index build")),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i", ("ACCESS EXCLUSIVE", "instant")),
    ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", ("ACCESS EXCLUSIVE", "scan")),
    (
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)",
        ("SHARE ROW EXCLUSIVE", "scan"),
    ),
    (
        "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
        ("SHARE ROW EXCLUSIVE", "instant"),
    ),
    ("ALTER TABLE t VALIDATE CONSTRAINT f", ("SHARE UPDATE EXCLUSIVE", "scan")),
    ("CREATE INDEX i ON t (a)", ("SHARE", "index build")),
    ("CREATE INDEX CONCURRENTLY i ON t (a)", ("SHARE UPDATE EXCLUSIVE", "index build")),
    ("ALTER TABLE t RENAME TO t2", ("ACCESS EXCLUSIVE", "instant")),
    ("UPDATE t SET a = 1", ("ROW EXCLUSIVE", "row updates")),
    ("DELETE FROM t WHERE a = 1", ("ROW EXCLUSIVE", "scan")),
    (
        "CREATE TRIGGER r BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
        ("SHARE ROW EXCLUSIVE", "trigger on writes"),
    ),
]


def _statement(sql: str, created: frozenset[str] = frozenset()) -> Statement:
    [(text, node)] = split_statements(sql)
    return Statement(text, 1, None, node, True, created)


@pytest.mark.parametrize(("sql", "expected"), CASES)
def test_effect_of_statement(sql, expected):
    assert effects(_statement(sql)) == [Effect("t", *expected)]


def test_tables_created_in_the_pending_set_cost_nothing():
    assert effects(_statement("ALTER TABLE t ALTER COLUMN a TYPE bigint", frozenset({"t"}))) == []
