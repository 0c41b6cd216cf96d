"""What each table and column comparator compares, and how the shortcut proves it unchanged.

The unchanged-table shortcut (``common.autogen.unchanged``) skips a table's table- and
column-level comparators when the reflection proves the table unchanged. That is only
sound if, for every aspect those comparators compare, something proves that aspect
unchanged. So the two are registered together, next to the comparator:

- every table or column comparator declares the aspects it compares (``@compares``;
  Alembic's own are declared in ``ALEMBIC`` below, by qualified name, for the Alembic
  version in use, so a renamed one shows up as undeclared);
- every aspect has one proof (``@proves``), a function of the comparer, the reflected
  dicts and the model objects. A column proof answers True (unchanged), False
  (possibly changed) or ``ASK`` (spelled apart: let the registered column comparators
  decide); its ``reads`` names what of the two columns that aspect's comparators read,
  so one verdict serves every column spelled alike.

The shortcut proves exactly the aspects the registered comparators declare, with the
proofs registered for them: nothing is listed a second time elsewhere. A comparator
with no declaration, or one declaring an aspect nobody proves, turns the shortcut off
for the run (every table takes Alembic's full comparison) with a warning that names it.
Schema-level comparators are not listed: the shortcut never skips them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "workbench_compares"
SKIPPED_TARGETS = ("table", "column")  # what the shortcut skips for an unchanged table
ASK = "ask"  # a column proof's "spelled apart: ask the column comparators"

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


@dataclass(frozen=True)
class Proof:
    """How the shortcut proves one aspect unchanged.

    ``per`` is "table" (``check(comparer, reflected, table) -> bool``) or "column"
    (``check(comparer, info, column, table) -> True | False | ASK``, and
    ``reads(comparer, info, column, table) -> hashable``).
    """

    aspect: str
    check: Callable[..., Any]
    per: str
    reads: Callable[..., Any] | None = None


PROOFS: dict[str, Proof] = {}


def compares(*aspects: str) -> Callable[[F], F]:
    """Declare the reflected aspects a table or column comparator compares."""

    def declare(function: F) -> F:
        setattr(function, ATTRIBUTE, frozenset(aspects))
        return function

    return declare


def proves(*aspects: str, per: str = "column", reads: Callable | None = None) -> Callable[[F], F]:
    """Register ``check`` as the shortcut's proof that ``aspects`` are unchanged."""
    if per not in ("table", "column"):
        raise ValueError(f"per must be 'table' or 'column', not {per!r}")

    def register(check: F) -> F:
        for aspect in aspects:
            PROOFS[aspect] = Proof(aspect, check, per, reads)
        return check

    return register


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


def needed(dispatcher: Any) -> tuple[list[Proof], list[str]]:
    """(the proofs the registered comparators need, once each; why the shortcut cannot
    stand in for them). The shortcut is sound only when the second list is empty."""
    functions = registered(dispatcher)
    if functions is None:
        return [], ["the registered comparators cannot be listed"]
    problems, wanted = [], set()
    for function in functions:
        name = f"{function.__module__}.{function.__qualname__}"
        aspects = declared(function)
        if aspects is None:
            problems.append(f"{name} declares no aspects (common.autogen.aspects.compares)")
            continue
        unproved = sorted(aspect for aspect in aspects if aspect not in PROOFS)
        if unproved:
            problems.append(f"{name} compares {', '.join(unproved)}, which nothing proves")
        wanted.update(aspect for aspect in aspects if aspect in PROOFS)
    proofs: dict[Any, Proof] = {}
    for aspect in sorted(wanted):  # one proof may stand for several aspects: run it once
        proofs.setdefault(PROOFS[aspect].check, PROOFS[aspect])
    return list(proofs.values()), problems
