"""The revision files a branch added or changed since a git ref (``review --since REF``).

A pull-request job reviews what the pull request brings, not the years of history behind
it. That is ``git diff --name-only REF...HEAD`` (three dots: what this branch changed
since it left REF, not what REF gained meanwhile), plus uncommitted edits and untracked
files, so that a revision ``create-migration`` has just written counts before it is
committed. Deleted files are left out: there is nothing left to review.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from common.errors import InvalidInputError

FETCH_HINT = (
    "name a branch, tag or commit this clone has; in GitHub Actions check out with "
    "`fetch-depth: 0` (a shallow clone lacks the base branch)."
)


def git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=False)


def repository_root(folder: Path) -> Path | None:
    """The top folder of the git work tree holding ``folder``, or None outside one."""
    if shutil.which("git") is None:
        return None
    result = git(folder, "rev-parse", "--show-toplevel")
    return Path(result.stdout.strip()).resolve() if result.returncode == 0 else None


def _names(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Paths git printed with ``-z`` (NUL-separated: no quoting of unusual names)."""
    return [name for name in result.stdout.split("\0") if name]


def first_error(result: subprocess.CompletedProcess[str]) -> str:
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[0].removeprefix("fatal: ") if lines else f"git exited {result.returncode}"


def changed_files(folder: Path, ref: str) -> set[Path]:
    """Absolute paths of the files added or changed since ``ref`` (see the module doc)."""
    root = repository_root(folder)
    if root is None:
        raise InvalidInputError(
            f"--since {ref} needs a git work tree, and {folder} is not in one (or git is "
            "not installed).",
            "run the review inside the repository's clone, or leave out --since.",
        )
    if (
        ref.startswith("-")
        or git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode
    ):
        raise InvalidInputError(f"--since {ref}: git knows no commit by that name.", FETCH_HINT)
    committed = git(root, "diff", "-z", "--name-only", "--diff-filter=d", f"{ref}...HEAD", "--")
    if committed.returncode:
        raise InvalidInputError(f"--since {ref}: {first_error(committed)}.", FETCH_HINT)
    uncommitted = git(root, "diff", "-z", "--name-only", "--diff-filter=d", "HEAD", "--")
    untracked = git(root, "ls-files", "-z", "--others", "--exclude-standard")
    names = _names(committed) + _names(uncommitted) + _names(untracked)
    return {(root / name).resolve() for name in names}
