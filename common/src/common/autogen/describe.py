"""One readable line per autogenerate difference, for ``check``."""

from __future__ import annotations

from typing import Any


def _name(obj: Any) -> str:
    table = getattr(obj, "table", None)
    name = getattr(obj, "name", None) or "(unnamed)"
    if table is not None and getattr(table, "name", None):
        return f"{name} on {table.name}"
    return str(name)


def _table(schema: str | None, table: str) -> str:
    """``audit.event`` outside the default schema: two schemas may hold an ``event``."""
    return f"{schema}.{table}" if schema else table


def describe_diff(diff: Any) -> str:
    if isinstance(diff, list):  # column modifications come grouped
        return "; ".join(describe_diff(item) for item in diff)
    kind = diff[0]
    if len(diff) == 2 and isinstance(diff[1], str):  # a workbench op: (name, its own line)
        return diff[1]
    if kind in ("add_table", "remove_table"):
        verb = "add" if kind == "add_table" else "remove"
        return f"{verb} table {diff[1].fullname}"
    if kind in ("add_column", "remove_column"):
        verb = "add" if kind == "add_column" else "remove"
        return f"{verb} column {_table(diff[1], diff[2])}.{diff[3].name}"
    if kind.startswith("modify_"):
        _, schema, table, column, _info, old, new = diff
        what = kind.removeprefix("modify_").replace("_", " ")
        return f"change {what} of {_table(schema, table)}.{column}: {old!r} -> {new!r}"
    if kind.startswith(("add_", "remove_")):
        verb, what = kind.split("_", 1)
        return f"{verb} {what.replace('_', ' ')} {_name(diff[1])}"
    return " ".join(str(part) for part in diff)
