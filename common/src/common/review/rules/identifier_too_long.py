"""identifier-too-long: a name over PostgreSQL's 63 bytes in the SQL a revision emits.

Problem: PostgreSQL keeps the first 63 bytes of a longer identifier and only says so in a
NOTICE. The index, constraint, column or table then has another name than the one the
models and ``create_all`` give it (SQLAlchemy shortens a conventional name to a prefix
plus a hash, not to PostgreSQL's cut), so ``check`` reports a difference forever and a
later revision that names it by the long name (a drop, a VALIDATE) fails.

Why it hurts: a schema that never converges; downgrades and follow-up revisions fail on
a name that does not exist.

Safe alternative: shorten explicit names in the models; let the naming convention name
indexes and constraints (``op.f("...")`` in a hand-written revision, or the workbench's
operations, which shorten the name as SQLAlchemy does).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast.parser import scan

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule

_LIMIT = 63  # NAMEDATALEN - 1, in bytes


def _long_identifiers(sql: str) -> Iterator[str]:
    for token in scan(sql):
        if token.name != "IDENT":
            continue
        text = sql[token.start : token.end + 1]
        quoted = text.startswith('"')
        text = text[1:-1].replace('""', '"') if quoted else text.lower()
        if len(text.encode()) > _LIMIT:
            yield text


@rule(
    "identifier-too-long",
    Severity.ERROR,
    help="Shorten the name, or name it through the naming convention (op.f(...)), which "
    "shortens it the way create_all does.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        if statement.node is None:
            continue
        for name in dict.fromkeys(_long_identifiers(statement.sql)):
            yield Hit(
                statement.line,
                f"names {name} ({len(name.encode())} bytes): PostgreSQL keeps only its first "
                f"63 bytes, {name.encode()[:_LIMIT].decode(errors='ignore')}, which is not "
                "the name the models give it.",
            )
