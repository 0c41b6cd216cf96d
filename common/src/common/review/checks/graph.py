"""One head, an intact revision graph, no revision id used by two files.

Alembic keeps only one of two files that declare the same revision id (with a warning
that scrolls by), so the ids come from ``common.revision_sources``, which reads the files.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from common.errors import RevisionStateError
from common.review.model import CheckResult, Status
from common.revision_sources import declarations, reused_ids
from common.revisions import load_scripts


def unique_ids(versions: Path) -> CheckResult:
    found = declarations(versions)
    reused = reused_ids(found)
    if reused:
        details = [
            f"revision {rev} is declared by {', '.join(names)}" for rev, names in reused.items()
        ]
        return CheckResult("No revision id reused", Status.FAILED, details[0], details)
    distinct = len({item.revision for item in found if item.revision})
    return CheckResult("No revision id reused", Status.PASSED, f"{distinct} distinct ids")


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
        summary = f"{len(heads)} heads ({', '.join(heads)}): merge them with `uvx invoke merge`"
        results.append(CheckResult("One head", Status.FAILED, summary))
        return results, script
    results.append(
        CheckResult("One head", Status.PASSED, f"head {heads[0] if heads else '(none)'}")
    )
    return results, script
