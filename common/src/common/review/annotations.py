"""The checklist as GitHub workflow commands: ``--format github``.

A line ``::error file=PATH,line=N,title=RULE::MESSAGE`` printed by a workflow step
becomes an annotation on that line of the pull request's diff, so the reviewer sees the
finding where the statement is. Errors and warnings map to ``::error`` and
``::warning``; an acknowledged finding is a ``::notice`` with its reason; a failed check
(two heads, a reused id) has no line and annotates the run. Paths are relative to
``root`` (the repository's top folder: GitHub resolves them from the checkout).

Values are escaped as the runner's toolkit does (``%``, CR and LF in the message; also
``:`` and ``,`` in properties), or a message with a colon would cut the annotation short.
"""

from __future__ import annotations

from pathlib import Path

from common.review.model import Finding, Status
from common.review.report import Report

_LEVELS = {Status.FAILED: "error", Status.WARNING: "warning"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def relative_path(path: str, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form, or as given when outside it."""
    if not path:
        return ""
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def command(level: str, message: str, **properties: str | int) -> str:
    """One workflow command line, e.g. ``command("error", "...", file="a.py", line=3)``."""
    fields = ",".join(f"{key}={_property(str(value))}" for key, value in properties.items())
    return f"::{level} {fields}::{_data(message)}" if fields else f"::{level}::{_data(message)}"


def _location(finding: Finding, root: Path) -> dict[str, str | int]:
    location: dict[str, str | int] = {}
    if finding.path:
        location["file"] = relative_path(finding.path, root)
    if finding.line > 0:
        location["line"] = finding.line
    return location


def as_annotations(report: Report, root: Path) -> str:
    lines = []
    for f in report.active:
        message = f"{f.message} Fix: {f.help}"
        lines.append(command(f.severity.value, message, **_location(f, root), title=f.rule))
    for f in report.acknowledged:
        message = f"acknowledged: {f.acknowledged}. {f.message}"
        lines.append(command("notice", message, **_location(f, root), title=f.rule))
    for check in report.checks:
        if check.status in _LEVELS:
            lines.append(command(_LEVELS[check.status], check.summary, title=check.name))
    lines.append(report.verdict)
    return "\n".join(lines)
