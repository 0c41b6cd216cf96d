"""How server defaults are written into revision scripts.

Alembic writes an SQL expression default as ``sa.text(<its SQL on the generating
database>)``: ``server_default=func.now()`` became ``sa.text("now()")``, which SQLite
cannot evaluate, so the shipped first revision failed there. A call of one of
SQLAlchemy's generic functions without arguments (``now``, ``current_timestamp``,
``current_date``, ...) is written as that call instead, ``sa.func.now()``, which each
database compiles its own way (CURRENT_TIMESTAMP on SQLite).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.sql.functions import GenericFunction


def render_server_default(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ != "server_default":
        return False
    expression = getattr(obj, "arg", None)
    if isinstance(expression, GenericFunction) and not list(expression.clauses):
        return f"sa.func.{type(expression).__name__}()"
    return False
