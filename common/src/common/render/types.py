"""How column types are written into revision scripts.

SQLModel declares ``str`` columns as ``sqlmodel.sql.sqltypes.AutoString``; written as is,
every revision would import sqlmodel. They are written as plain ``sa.String`` instead, so
revisions depend on SQLAlchemy alone and stay valid if the models stop using SQLModel.
"""

from __future__ import annotations

from typing import Any

from sqlmodel.sql.sqltypes import AutoString


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length!r})" if obj.length else "sa.String()"
    return False
