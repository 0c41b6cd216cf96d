"""The one statement construct the object ops build: keywords, quoted names, user SQL.

SQLAlchemy has no constructs for functions, triggers or policies, and its ``CreateView``
needs a ``Select`` whose columns it knows, while a declared definition is SQL text. So
each op builds an ``ObjectDDL`` from parts: SQL keywords, ``Name``s (quoted by the
dialect's identifier preparer when compiled, never by hand) and the user's definition,
passed through as written. The same construct is executed online and compiled for
``--sql``, so both emit the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from alembic.operations import Operations
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.ddl import ExecutableDDLElement

from common.errors import WorkbenchError


class PostgresOnlyError(WorkbenchError):
    """An object kind the database in use does not have."""


@dataclass(frozen=True)
class Name:
    """An identifier, optionally schema-qualified, quoted when compiled; with
    ``arguments`` (a function's), followed by them in parentheses."""

    name: str
    schema: str | None = None
    arguments: str | None = None


@dataclass(frozen=True)
class Sql:
    """SQL text the user declared (a definition), emitted as written."""

    text: str


Part = str | Name | Sql


class ObjectDDL(ExecutableDDLElement):
    """A DDL statement assembled from ``parts`` (str = keyword)."""

    inherit_cache = False

    def __init__(self, *parts: Part | None) -> None:
        self.parts = [part for part in parts if part is not None and part != ""]


@compiles(ObjectDDL)
def _compile(element: ObjectDDL, compiler: Any, **kw: Any) -> str:
    preparer = compiler.preparer
    words = []
    for part in element.parts:
        if isinstance(part, Name):
            quoted = preparer.quote(part.name)
            if part.schema:
                quoted = f"{preparer.quote_schema(part.schema)}.{quoted}"
            if part.arguments is not None:
                quoted += f"({part.arguments})"
            words.append(quoted)
        elif isinstance(part, Sql):
            # doubles % where the driver's paramstyle would read it as a placeholder
            words.append(compiler.sql_compiler.post_process_text(part.text.strip()))
        else:
            words.append(part)
    return " ".join(words)


def dialect_of(operations: Operations) -> str:
    return operations.get_context().dialect.name


def require_postgresql(operations: Operations, what: str) -> None:
    """Refuse, in one line, an object kind only PostgreSQL has (online and offline alike)."""
    dialect = dialect_of(operations)
    if dialect != "postgresql":
        raise PostgresOnlyError(
            f"{what} are PostgreSQL only; this database is {dialect}.",
            f"remove the {what} from the declarations (or the revision) for this database.",
        )


def call_text(name: str, *args: Any, **kwargs: Any) -> str:
    """``op.name(arg, ..., key=value)`` for a renderer; keyword arguments left at None
    are left out, long calls are wrapped one argument a line."""
    rendered = [repr(a) for a in args]
    rendered += [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    one_line = f"op.{name}({', '.join(rendered)})"
    if len(one_line) <= 90:
        return one_line
    return f"op.{name}(\n" + "".join(f"    {item},\n" for item in rendered) + ")"


def without_defaults(arguments: str) -> str:
    """A function's argument list without its DEFAULT clauses: what DROP FUNCTION takes."""
    parts, depth, current = [], 0, ""
    for char in arguments:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    kept = [re.split(r"\s+default\s+|\s*=\s*", part.strip(), flags=re.I)[0] for part in parts]
    return ", ".join(part for part in kept if part)
