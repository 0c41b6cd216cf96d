"""The checklist as SARIF 2.1.0: ``--format sarif``, for GitHub code scanning and IDEs.

SARIF (OASIS Static Analysis Results Interchange Format) is what code scanning uploads
(``github/codeql-action/upload-sarif``) and what editors' SARIF viewers open, so one
file carries the findings to every place that shows them on the line. The rules travel
in ``tool.driver.rules`` with their documentation (the rule module's docstring), so a
viewer can explain a finding without the workbench. An acknowledged finding is a result
with an ``inSource`` suppression and its reason; a failed or warning check has no line
and becomes a tool execution notification. URIs are relative to ``%SRCROOT%`` (the
repository's top folder), as code scanning expects.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from common.review.annotations import relative_path
from common.review.model import Finding, Status
from common.review.report import Report
from common.review.rules import Rule, all_rules

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL = "migration-workbench review"
ROOT_ID = "SRCROOT"
_NOTIFICATION_LEVELS = {Status.FAILED: "error", Status.WARNING: "warning"}


def _tool_version() -> str | None:
    try:
        return version("common")
    except PackageNotFoundError:
        return None


def _descriptor(rule: Rule) -> dict[str, Any]:
    doc = rule.doc or rule.help
    return {
        "id": rule.id,
        "shortDescription": {"text": doc.splitlines()[0].strip()},
        "fullDescription": {"text": doc},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": rule.severity.value},
    }


def _location(finding: Finding, root: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {
        "artifactLocation": {"uri": relative_path(finding.path, root), "uriBaseId": ROOT_ID}
    }
    if finding.line > 0:
        physical["region"] = {"startLine": finding.line}
    return {"physicalLocation": physical}


def _result(finding: Finding, index: dict[str, int], root: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": finding.severity.value,
        "message": {"text": f"{finding.message} Fix: {finding.help}"},
        "properties": {"revision": finding.revision},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.path:
        result["locations"] = [_location(finding, root)]
    if finding.acknowledged is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.acknowledged}]
    return result


def _notifications(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "descriptor": {"id": check.name},
            "level": _NOTIFICATION_LEVELS[check.status],
            "message": {"text": check.summary},
        }
        for check in report.checks
        if check.status in _NOTIFICATION_LEVELS
    ]


def as_sarif(report: Report, root: Path) -> str:
    rules = list(all_rules().values())
    index = {rule.id: position for position, rule in enumerate(rules)}
    driver: dict[str, Any] = {"name": TOOL, "rules": [_descriptor(rule) for rule in rules]}
    if tool_version := _tool_version():
        driver["version"] = tool_version
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {ROOT_ID: {"uri": root.resolve().as_uri() + "/"}},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": _notifications(report),
                "properties": {"database": report.database, "blocked": report.blocked},
            }
        ],
        "results": [_result(f, index, root) for f in report.findings],
    }
    log = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2)
