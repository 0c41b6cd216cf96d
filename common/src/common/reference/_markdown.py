"""The few Markdown shapes the reference pages share: tables, fences, docstring text."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Sequence


def cell(text: object) -> str:
    """One table cell: pipes escaped, line breaks folded (a cell is one line)."""
    return " ".join(str(text).split()).replace("|", "\\|")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return [*lines, ""]


def fence(language: str, body: str) -> list[str]:
    return [f"```{language}", body.rstrip(), "```", ""]


def docstring(obj: object) -> str:
    """The object's docstring as Markdown: reST ``code`` becomes Markdown `code`."""
    text = inspect.cleandoc(getattr(obj, "__doc__", None) or "")
    return text.replace("``", "`")


def index(title: str, intro: str, entries: Iterable[tuple[str, str, str]]) -> str:
    """A section's front page: one line per page (link text, file name, summary)."""
    lines = [f"# {title}", "", intro, ""]
    lines += table(("page", "what"), ((f"[{text}]({path})", what) for text, path, what in entries))
    return "\n".join(lines)
