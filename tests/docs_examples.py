"""The code blocks of the README and the guides, found and classified for their tests.

A guide whose example has drifted from the code misleads the reader who copies it, so
every example runs (tests/test_docs_examples.py). A block is marked by the HTML comment
on the line before it (invisible on the site and on GitHub):

- ``<!-- example: python -->``: the block is a program; it runs in a fresh namespace.
- ``<!-- example: revision -->``: the body of a revision; its ``op.`` calls run in
  Alembic's offline mode for PostgreSQL (``upgrade()``/``downgrade()`` are called when
  defined), so every name, argument and workbench operation is the real one.
- ``<!-- example: fleet -->``: a fleet file, parsed by the fleet loader.
- ``<!-- examples/<path> -->``: the block is that file verbatim; the file runs in its own
  test (the pytest plugin's example).

A block that parses as Python must carry one of these, so a new Python example cannot
slip in untested. Command lines (``uvx invoke ...``, ``uv run python -m common ...``,
``uv run python benchmarks/...``) in any block are checked against the tasks, the
command line's parser and the benchmark scripts.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- (?:example: (?P<kind>[\w-]+)|(?P<file>examples/\S+)) -->$")


@dataclass(frozen=True)
class Block:
    path: str  # relative to the project root
    line: int  # 1-based line of the block's first code line
    code: str
    marker: str | None  # "python", "revision", "fleet", "file:<path>" or None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


def documents() -> list[Path]:
    """The README and every hand-written page of the site (generated pages are built
    from code the op and rule tests already run)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs" / "pages").rglob("*.md"))]


def blocks(paths: list[Path] | None = None) -> list[Block]:
    found: list[Block] = []
    for path in paths or documents():
        found += _blocks_of(path)
    return found


def _blocks_of(path: Path) -> list[Block]:
    lines = path.read_text().split("\n")
    rel = str(path.relative_to(ROOT))
    found, i, marker = [], 0, None
    while i < len(lines):
        line = lines[i]
        fence = re.match(r"^(\s*)(```+)", line)
        if fence:
            indent, ticks = fence.group(1), fence.group(2)
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(ticks):
                j += 1
            code = "\n".join(_dedent(lines[i + 1 : j], len(indent)))
            found.append(Block(rel, i + 2, code + "\n", marker))
            marker, i = None, j + 1
            continue
        indent = len(line) - len(line.lstrip())
        starts = line.strip() and indent >= 4 and (i == 0 or not lines[i - 1].strip())
        if starts and not _in_list_item(lines, i, indent):
            j = i
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= indent):
                j += 1
            body = lines[i:j]
            while body and not body[-1].strip():
                body.pop()
            code = "\n".join(_dedent(body, indent))
            found.append(Block(rel, i + 1, code + "\n", marker))
            marker, i = None, j
            continue
        m = MARKER.match(line.strip())
        if m:
            marker = m.group("kind") or f"file:{m.group('file')}"
        elif line.strip():
            marker = None
        i += 1
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _in_list_item(lines: list[str], i: int, indent: int) -> bool:
    """An indented paragraph continuing a list item is text, not code: the nearest
    non-blank line above with less indent is a list item, and this line is indented no
    more than Markdown's one level (4 spaces) past the item."""
    for k in range(i - 1, -1, -1):
        above = lines[k]
        if not above.strip():
            continue
        if _indent(above) < indent:
            while k > 0 and lines[k - 1].strip() and _indent(lines[k - 1]) < indent:
                k -= 1  # lazy continuation lines: the paragraph starts higher
            item = re.match(r"^(\s*)([-*]|\d+\.)\s+", lines[k])
            return bool(item) and indent <= len(item.group(1)) + 4
    return False


def _dedent(lines: list[str], n: int) -> list[str]:
    return [line[n:] if line[:n].strip() == "" else line.lstrip() for line in lines]


def is_python(code: str) -> bool:
    """Parses as Python and is not just command lines or comments."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return bool(tree.body)


# --- command lines in any block ---

COMMAND = re.compile(
    r"^(?:[A-Z_][A-Z0-9_]*=\S+\s+)*(uvx invoke|uv run .*?python (?:-m common|benchmarks/\S+))"
)


def task_flags() -> dict[str, set[str]]:
    """Each task of tasks.py (as ``uvx invoke`` names it) -> its long flags."""
    tree = ast.parse((ROOT / "tasks.py").read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            names = [a.arg for a in node.args.args[1:]]
            found[node.name.replace("_", "-")] = {f"--{n.replace('_', '-')}" for n in names}
    return found


def command_lines() -> list[tuple[Block, str]]:
    """Every line of a block that runs the workbench, a task or a benchmark."""
    return [
        (block, line.strip())
        for block in blocks()
        for line in block.code.splitlines()
        if COMMAND.match(line.strip())
    ]


def words(line: str) -> list[str]:
    """The line's words up to a pipe, redirect or ``||``, placeholders' brackets removed."""
    import shlex

    found = []
    for word in shlex.split(line, comments=True):
        if word in ("|", "||", "&&", ">", "2>&1", ";"):
            break
        found.append(word.strip("[]"))
    return [w for w in found if w and w not in ("...", "|")]


# --- running the marked blocks (in a process of their own: models and declared database
# objects register globally, which the rest of a test worker must not see) ---


def run_all() -> list[str]:
    """Run every marked block; one line per failure."""
    failures = []
    for block in blocks():
        runner = RUNNERS.get((block.marker or "").split(":")[0])
        if runner is None:
            continue
        try:
            runner(block)
        except Exception as exc:  # each failure is reported with its block
            failures.append(f"{block} ({block.marker}): {type(exc).__name__}: {exc}")
    return failures


def _exec(block: Block, namespace: dict) -> dict:
    # dont_inherit: this module's ``from __future__ import annotations`` must not turn the
    # example's annotations into strings (SQLModel resolves them through the module)
    code = compile(block.code, str(block), "exec", dont_inherit=True)
    exec(code, namespace)
    return namespace


def run_python(block: Block) -> None:
    _exec(block, {"__name__": "__docs_example__"})


def run_model(block: Block) -> None:
    """A models snippet: its tables must compile to PostgreSQL DDL."""
    from datetime import date, datetime

    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateTable
    from sqlmodel import Field, SQLModel

    SQLModel.metadata.clear()
    namespace = {"SQLModel": SQLModel, "Field": Field, "date": date, "datetime": datetime}
    _exec(block, {**namespace, "sa": sa, "__name__": "__docs_example__"})
    assert SQLModel.metadata.tables, "the example defines no table"
    for table in SQLModel.metadata.tables.values():
        str(CreateTable(table).compile(dialect=postgresql.dialect()))
    SQLModel.metadata.clear()


def run_revision(block: Block) -> None:
    """A revision body: every ``op.`` call renders its SQL in offline mode (PostgreSQL)."""
    import io

    import sqlalchemy as sa
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    import common.ops  # noqa: F401 - registers the workbench operations

    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    with Operations.context(context):
        from alembic import op

        namespace = _exec(block, {"op": op, "sa": sa, "__name__": "__docs_example__"})
        for step in ("upgrade", "downgrade"):
            if callable(namespace.get(step)):
                namespace[step]()
    assert buffer.getvalue().strip(), "the example emitted no SQL"


def run_with_ticket_table(block: Block) -> None:
    """A snippet that uses ``engine``: an SQLite database with a ``ticket`` table."""
    import tempfile

    import sqlalchemy as sa

    with tempfile.TemporaryDirectory() as folder:
        engine = sa.create_engine(f"sqlite:///{folder}/tickets.db")
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "CREATE TABLE ticket (id INTEGER PRIMARY KEY, priority INTEGER,"
                    " status TEXT, urgent BOOLEAN)"
                )
            )
            rows = [{"id": n, "urgent": n % 2 == 0} for n in range(1, 101)]
            insert = sa.text("INSERT INTO ticket (id, urgent) VALUES (:id, :urgent)")
            connection.execute(insert, rows)
        _exec(block, {"engine": engine, "sa": sa})
        with engine.connect() as connection:
            left = connection.execute(sa.text("SELECT count(*) FROM ticket WHERE priority IS NULL"))
            assert left.scalar() == 0, "the example's batch_update left NULL priorities"
        engine.dispose()


def run_fleet(block: Block) -> None:
    """A fleet file: it parses, and each target's URL is valid once its variables are set."""
    import os
    import tempfile

    from common.fleet.targets import VARIABLE, entry_url, read_fleet

    for name in VARIABLE.findall(block.code):
        os.environ.setdefault(name, "postgresql://deploy@db/app" if "URL" in name else "secret")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fleet.toml"
        path.write_text(block.code)
        entries = read_fleet(path)
    assert entries, "the fleet file names no target"
    for entry in entries:
        entry_url(entry)


RUNNERS = {
    "python": run_python,
    "model": run_model,
    "revision": run_revision,
    "ticket-table": run_with_ticket_table,
    "fleet": run_fleet,
}

if __name__ == "__main__":
    import sys

    problems = run_all()
    print("\n".join(problems) or "every example ran")
    sys.exit(1 if problems else 0)
