"""One head, an intact revision graph, no revision id used by two files.

Alembic keeps only one of two files that declare the same revision id (with a warning
that scrolls by), so the files are read with ``ast`` here and the ids counted directly.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from common.errors import RevisionStateError
from common.review.model import CheckResult, Status
from common.revisions import load_scripts


def _declared_revision(path: Path) -> str | None:
    try:
        tree = ast.parse(path.read_text(), filename=str(path))
    except SyntaxError:
        return None
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        value = getattr(node, "value", None)
        named = isinstance(target, ast.Name) and target.id == "revision"
        if named and isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value
    return None


def unique_ids(versions: Path) -> CheckResult:
    files: dict[str, list[str]] = defaultdict(list)
    for path in sorted(versions.glob("*.py")):
        revision = _declared_revision(path)
        if revision:
            files[revision].append(path.name)
    reused = {rev: names for rev, names in files.items() if len(names) > 1}
    if reused:
        details = [
            f"revision {rev} is declared by {', '.join(names)}" for rev, names in reused.items()
        ]
        return CheckResult("No revision id reused", Status.FAILED, details[0], details)
    return CheckResult("No revision id reused", Status.PASSED, f"{len(files)} distinct ids")


def graph_checks(
    config: Config, versions: Path
) -> tuple[list[CheckResult], ScriptDirectory | None]:
    """The three graph checks, and the scripts when they load."""
    results = [unique_ids(versions)]
    try:
        script = load_scripts(config)
    except RevisionStateError as exc:
        results.append(CheckResult("Revision graph intact", Status.FAILED, exc.one_line()))
        results.append(CheckResult("One head", Status.SKIPPED, "the graph does not load"))
        return results, None
    results.append(
        CheckResult("Revision graph intact", Status.PASSED, "every down_revision exists")
    )
    heads = sorted(script.get_heads())
    if len(heads) > 1:
        summary = (
            f"{len(heads)} heads ({', '.join(heads)}): merge them with "
            '`uv run alembic merge -m "merge heads" heads`'
        )
        results.append(CheckResult("One head", Status.FAILED, summary))
        return results, script
    results.append(
        CheckResult("One head", Status.PASSED, f"head {heads[0] if heads else '(none)'}")
    )
    return results, script
