"""ban-drop-table: ``DROP TABLE`` of an existing table.

Problem: the running application may still query the table; the data is gone for good
(a downgrade recreates an empty table).

Why it hurts: breaks running clients, loses data; ACCESS EXCLUSIVE lock on the table and
on every table with a foreign key to it.

Safe alternative: stop using the table in the code and deploy that first; drop the table
in a later release, after a backup (or rename it aside and drop it once unused).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule
from common.review.rules._sql import ObjectType


@rule(
    "ban-drop-table",
    Severity.ERROR,
    help="Remove the table from the code and deploy that first; drop it in a later release "
    "once a backup exists.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if not isinstance(node, ast.DropStmt) or node.removeType != ObjectType.OBJECT_TABLE:
            continue
        for names in node.objects or ():
            table = names[-1].sval
            if statement.on_existing(table):
                yield Hit(
                    statement.line,
                    f"drops table {table}: its rows are lost and running code that queries "
                    "it fails.",
                )
