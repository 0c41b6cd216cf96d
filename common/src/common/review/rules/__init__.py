"""Review rules, one module each, registered with ``@rule(...)``.

A rule is a function taking a ``RevisionUnit`` and yielding ``Hit``s; the module's
docstring is its documentation (problem, why it hurts, safe alternative). Ids follow
squawk's vocabulary. ``all_rules()`` imports every module of this package once.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from common.review.model import RevisionUnit, Severity


@dataclass(frozen=True)
class Hit:
    """A rule's finding before the engine adds revision, severity and suppression."""

    line: int
    message: str
    help: str | None = None


Check = Callable[[RevisionUnit], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    help: str
    check: Check
    module: str

    @property
    def doc(self) -> str:
        return (sys.modules[self.module].__doc__ or "").strip()


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: Severity, help: str) -> Callable[[Check], Check]:
    """Register the decorated function as rule ``rule_id`` with its default ``help``."""

    def register(check: Check) -> Check:
        if rule_id in RULES and RULES[rule_id].module != check.__module__:
            raise ValueError(f"review rule {rule_id} is defined twice")
        RULES[rule_id] = Rule(rule_id, severity, help, check, check.__module__)
        return check

    return register


def all_rules() -> dict[str, Rule]:
    for module in pkgutil.iter_modules(__path__):
        if not module.name.startswith("_"):
            importlib.import_module(f"{__name__}.{module.name}")
    return dict(sorted(RULES.items()))
