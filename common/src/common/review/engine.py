"""Runs every rule over every pending revision and applies the suppression comments.

A ``# review: ignore[rule-id] reason`` acknowledges one finding of that rule on the line
it points at; the finding moves to the acknowledged list with the reason, so the report
still shows it. An unused suppression is reported as a note (it may hide nothing now).
"""

from __future__ import annotations

from dataclasses import replace

from common.review.model import Finding, RevisionUnit
from common.review.rules import Rule, all_rules


def _findings_of(unit: RevisionUnit, rule: Rule) -> list[Finding]:
    return [
        Finding(
            rule=rule.id,
            severity=rule.severity,
            revision=unit.label,
            line=hit.line,
            message=hit.message,
            help=hit.help or rule.help,
            path=str(unit.path),
        )
        for hit in rule.check(unit)
    ]


def _acknowledge(unit: RevisionUnit, finding: Finding) -> Finding:
    for suppression in unit.suppressions:
        if suppression.used or suppression.rule != finding.rule:
            continue
        if suppression.target_line == finding.line or unit.covers(finding.line, suppression.line):
            suppression.used = True
            return replace(finding, acknowledged=suppression.reason or "(no reason given)")
    return finding


def review_units(units: list[RevisionUnit], rules: dict[str, Rule] | None = None) -> list[Finding]:
    """Findings of every rule, in revision then line order; acknowledged ones marked."""
    rules = rules if rules is not None else all_rules()
    findings: list[Finding] = []
    for unit in units:
        found = [f for rule in rules.values() for f in _findings_of(unit, rule)]
        found.sort(key=lambda f: (f.line, f.rule))
        findings.extend(_acknowledge(unit, finding) for finding in found)
    return findings


def unused_suppressions(units: list[RevisionUnit]) -> list[str]:
    return [
        f"{unit.label}:{s.line} ignore[{s.rule}] matches no finding"
        for unit in units
        for s in unit.suppressions
        if not s.used
    ]
