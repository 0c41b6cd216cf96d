"""What each table and column comparator compares, declared, so the shortcut cannot miss it.

The unchanged-table shortcut (``common.autogen.unchanged``) skips a table's table- and
column-level comparators when the reflection proves the table unchanged. That is only
sound if the shortcut proves every aspect those comparators compare. So every such
comparator declares its aspects, the shortcut lists the aspects it proves
(``unchanged.PROVEN``), and before each comparison ``unproven`` checks the comparators
actually registered against both: a comparator with no declaration, or one declaring an
aspect the shortcut does not prove, turns the shortcut off for the run (every table takes
Alembic's full comparison) with a warning that names it. A new comparator is therefore
correct without a second edit anywhere, and loud until it is declared.

Workbench comparators declare with ``@compares(...)``; Alembic's own are declared here,
by qualified name, for the Alembic version in use (a renamed one shows up as undeclared).
Schema-level comparators are not listed: the shortcut never skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "workbench_compares"
SKIPPED_TARGETS = ("table", "column")  # what the shortcut skips for an unchanged table

ALEMBIC: dict[str, frozenset[str]] = {
    f"alembic.autogenerate.compare.{name}": frozenset(aspects)
    for name, aspects in {
        "server_defaults._user_compare_server_default": {"column.server_default"},
        "server_defaults._dialect_impl_compare_server_default": {"column.server_default"},
        "server_defaults._compare_computed_default": {"column.computed"},
        "server_defaults._compare_identity_default": {"column.identity"},
        "server_defaults._setup_autoincrement": set(),  # records, never finds a change
        "constraints._compare_nullable": {"column.nullable"},
        "comments._compare_column_comment": {"column.comment"},
        "comments._compare_table_comment": {"table.comment"},
        "constraints._compare_indexes_and_uniques": {"table.indexes", "table.uniques"},
        "constraints._compare_foreign_keys": {"table.foreign_keys"},
        "types._user_compare_type": {"column.type"},
    }.items()
}


def compares(*aspects: str) -> Callable[[F], F]:
    """Declare the reflected aspects a table or column comparator compares."""

    def declare(function: F) -> F:
        setattr(function, ATTRIBUTE, frozenset(aspects))
        return function

    return declare


def declared(function: Any) -> frozenset[str] | None:
    """The aspects ``function`` declares; None when it declares none."""
    found = getattr(function, ATTRIBUTE, None)
    if found is not None:
        return found
    return ALEMBIC.get(f"{function.__module__}.{function.__qualname__}")


def registered(dispatcher: Any) -> Iterable[Any] | None:
    """The table and column comparators of an autogenerate run; None if unreadable.

    Alembic's PriorityDispatcher has no public listing; reading its registry is a
    check only, and when it cannot be read the shortcut is off, never unchecked.
    """
    registry = getattr(dispatcher, "_registry", None)
    if not isinstance(registry, dict):
        return None
    return [
        function
        for (target, _qualifier, _priority), functions in registry.items()
        if target in SKIPPED_TARGETS
        for function, _subgroup in functions
    ]


def unproven(dispatcher: Any, proven: frozenset[str]) -> list[str]:
    """Why the shortcut cannot stand in for these comparators (empty: it can)."""
    functions = registered(dispatcher)
    if functions is None:
        return ["the registered comparators cannot be listed"]
    problems = []
    for function in functions:
        name = f"{function.__module__}.{function.__qualname__}"
        aspects = declared(function)
        if aspects is None:
            problems.append(f"{name} declares no aspects (common.autogen.aspects.compares)")
        elif aspects - proven:
            problems.append(f"{name} compares {', '.join(sorted(aspects - proven))}")
    return problems
