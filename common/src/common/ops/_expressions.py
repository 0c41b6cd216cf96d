"""SQLAlchemy expressions written back as Python source, for the ops' renderers.

A rewriter hands an op SQLAlchemy objects (``sa.func.now()``, ``sa.literal("1.50",
sa.Numeric())``, ``sa.column("c").is_(None)``), never Python source in strings; the op's
renderer writes them into the script with ``python_source``. The forms a reviewer knows
are written as such, so the script reads like hand-written code:

- a plain value (str, number, bool, None): its ``repr`` (a ``str`` where clause is raw
  SQL text and stays a str); another Python value (a date, a Decimal) as its SQL literal;
- ``sa.text("x")`` as ``sa.text('x')``;
- ``sa.func.<name>(...)`` with no arguments or only literal ones, as that call;
- ``sa.literal(v, sa.T())`` as that call (``sa.literal(v)`` when the type is the one
  SQLAlchemy infers from ``v``);
- ``sa.column("c").is_(None)`` and ``.is_not(None)`` as that.

Anything else is compiled for the script's dialect with its values inlined and written
as ``sa.text('<that SQL>')``: the script then runs exactly the SQL the reviewer reads.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import elements, functions
from sqlalchemy.sql import operators as sql_operators

_IS = {sql_operators.is_: "is_", sql_operators.is_not: "is_not"}
# values whose repr is Python a script can evaluate without imports
_PLAIN = (str, int, float, bool, type(None))


def _prefix(autogen_context: Any) -> str:
    opts = getattr(autogen_context, "opts", None) or {}
    return opts.get("sqlalchemy_module_prefix", "sa.")


def _type_source(type_: Any, prefix: str) -> str | None:
    """``sa.Numeric(precision=12, scale=2)`` for a generic SQLAlchemy type, else None."""
    if not type(type_).__module__.startswith("sqlalchemy.sql."):
        return None
    return f"{prefix}{type_!r}"


def _literal_source(bind: elements.BindParameter, prefix: str) -> str | None:
    if bind.callable is not None or not isinstance(bind.value, _PLAIN):
        return None
    inferred = sa.literal(bind.value).type
    if type(bind.type) is type(inferred) and repr(bind.type) == repr(inferred):
        return f"{prefix}literal({bind.value!r})"
    type_source = _type_source(bind.type, prefix)
    if type_source is None:
        return None
    return f"{prefix}literal({bind.value!r}, {type_source})"


def _function_source(function: functions.Function, prefix: str) -> str | None:
    if getattr(function, "packagenames", ()):
        return None
    arguments = []
    for argument in function.clauses.clauses:
        if isinstance(argument, elements.Null):
            arguments.append("None")
            continue
        if not isinstance(argument, elements.BindParameter) or argument.callable is not None:
            return None
        if not isinstance(argument.value, _PLAIN):
            return None
        arguments.append(repr(argument.value))
    return f"{prefix}func.{function.name}({', '.join(arguments)})"


def _is_null_source(binary: elements.BinaryExpression, prefix: str) -> str | None:
    method = _IS.get(binary.operator)
    left = binary.left
    if method is None or not isinstance(binary.right, elements.Null):
        return None
    if not isinstance(left, elements.ColumnClause) or left.table is not None:
        return None
    return f"{prefix}column({left.name!r}).{method}(None)"


def _text_source(clause: elements.TextClause, prefix: str) -> str | None:
    """``sa.text('x')``, unless the text has bound parameters (their values are inlined)."""
    return None if clause.compile().params else f"{prefix}text({clause.text!r})"


def compiled_sql(clause: Any, dialect: Any = None) -> str:
    """The SQL of ``clause`` for ``dialect`` (None: SQLAlchemy's default), values inlined."""
    return str(clause.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def python_source(value: Any, autogen_context: Any = None) -> str:
    """``value`` as the Python source that rebuilds it in a script (see the module doc)."""
    if isinstance(value, _PLAIN):
        return repr(value)
    if isinstance(value, list | tuple):  # index columns, postgresql_include
        return "[" + ", ".join(python_source(item, autogen_context) for item in value) + "]"
    if not isinstance(value, elements.ClauseElement):  # a date, a Decimal: its SQL literal
        value = sa.literal(value)
    prefix = _prefix(autogen_context)
    source = None
    if isinstance(value, elements.TextClause):
        source = _text_source(value, prefix)
    elif isinstance(value, functions.Function):
        source = _function_source(value, prefix)
    elif isinstance(value, elements.BindParameter):
        source = _literal_source(value, prefix)
    elif isinstance(value, elements.BinaryExpression):
        source = _is_null_source(value, prefix)
    if source is not None:
        return source
    dialect = getattr(autogen_context, "dialect", None)
    return f"{prefix}text({compiled_sql(value, dialect)!r})"


def mapping_source(values: dict[str, Any], autogen_context: Any = None) -> str:
    """``{'a': <python_source of the value>, ...}``."""
    items = (f"{key!r}: {python_source(v, autogen_context)}" for key, v in values.items())
    return "{" + ", ".join(items) + "}"
