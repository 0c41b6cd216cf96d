"""``IdentifierDDL``: a DDL statement Alembic has no construct for, identifiers quoted.

``ALTER INDEX ... RENAME TO``, ``VALIDATE CONSTRAINT``, ``REINDEX ... CONCURRENTLY``,
``ADD CONSTRAINT ... USING INDEX``: SQLAlchemy and Alembic do not spell these, so each
is a template whose ``{}`` slots are identifiers, quoted by the dialect that compiles it.
Being a ``DDLElement`` it is executed online on a connection and written offline by
``operations.execute`` alike: one statement, two modes, no second copy of the SQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import DDLElement

#: an identifier, or a (schema, name) pair written qualified when the schema is set
Name = str | tuple[str | None, str]


class IdentifierDDL(DDLElement):
    """``template`` with each ``{}`` replaced by one of ``names``, quoted."""

    inherit_cache = False

    def __init__(self, template: str, *names: Name) -> None:
        self.template = template
        self.names = names


@compiles(IdentifierDDL)
def _compile(element: IdentifierDDL, compiler: Any, **kw: Any) -> str:
    quote = compiler.preparer.quote

    def spell(name: Name) -> str:
        if isinstance(name, tuple):
            return ".".join(quote(part) for part in name if part is not None)
        return quote(name)

    return element.template.format(*(spell(name) for name in element.names))
