"""How column types are written into revision scripts.

SQLModel declares its columns with its own types: ``str`` as
``sqlmodel.sql.sqltypes.AutoString``, ``datetime`` as ``UTCDateTime``. Written as is,
every revision would need ``import sqlmodel``, which the scripts do not have (update-db
then failed with a NameError). They are written as the SQLAlchemy type underneath
instead, so revisions depend on SQLAlchemy alone and stay valid if the models stop using
SQLModel. ``AutoString`` without a length is VARCHAR(255) on MySQL/MariaDB (what SQLModel
creates there, and MySQL refuses a VARCHAR without one).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.types import TypeDecorator
from sqlmodel.sql.sqltypes import AutoString

_NEEDS_LENGTH = {"mysql", "mariadb"}


def render_type(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ != "type" or not _is_sqlmodel_type(obj):
        return False
    if isinstance(obj, AutoString):
        length = obj.length
        if length is None and _dialect_name(autogen_context) in _NEEDS_LENGTH:
            length = obj.mysql_default_length
        return f"sa.String(length={length!r})" if length else "sa.String()"
    return f"sa.{obj.impl_instance!r}"


def _is_sqlmodel_type(obj: Any) -> bool:
    return isinstance(obj, TypeDecorator) and type(obj).__module__.startswith("sqlmodel.")


def _dialect_name(autogen_context: Any) -> str:
    dialect = getattr(autogen_context, "dialect", None)
    return getattr(dialect, "name", "") or ""
