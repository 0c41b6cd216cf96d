"""Every example in the README and the guides runs (issue 20).

A Python block is marked with what it is (``tests/docs_examples.py`` lists the kinds) and
run in a process of its own; a Python block without a mark fails here, so none slips in
untested. Every command line in a block names a real task, command, flag, setting or
benchmark. The generated reference pages are not here: their examples are the ops' own
``example()`` calls, which the shared op test runs online and offline on every database.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from common.cli import build_parser
from common.config import Settings
from common.reference.settings import variable
from tests.docs_examples import (
    ROOT,
    RUNNERS,
    Block,
    blocks,
    command_lines,
    is_python,
    run_fleet,
    run_revision,
    task_flags,
    words,
)

BLOCKS = blocks()


def test_every_python_example_is_marked_to_run():
    unmarked = [str(b) for b in BLOCKS if is_python(b.code) and b.marker is None]
    assert not unmarked, f"Python examples with no <!-- example: ... --> mark: {unmarked}"
    kinds = {b.marker.split(":")[0] for b in BLOCKS if b.marker}
    assert kinds <= set(RUNNERS) | {"file"}, kinds - set(RUNNERS)


def test_the_examples_run():
    """All marked blocks, in one fresh process (models and database objects register
    globally, which this worker's other tests must not see)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.docs_examples"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every example ran" in result.stdout
    assert sum(1 for b in BLOCKS if b.marker and b.marker in RUNNERS) >= 10


def test_a_broken_example_fails():
    """The runners can fail: an op the workbench does not have, a fleet entry with no url."""
    with pytest.raises(AttributeError, match="create_index_concurently"):
        typo = 'op.create_index_concurently("ix", "t", ["a"])\n'
        run_revision(Block("x.md", 1, typo, "revision"))
    with pytest.raises(Exception, match="url"):
        run_fleet(Block("x.md", 1, '[[target]]\nname = "eu"\n', "fleet"))


def test_verbatim_examples_match_their_files():
    verbatim = [b for b in BLOCKS if b.marker and b.marker.startswith("file:")]
    assert verbatim
    for block in verbatim:
        assert block.code == (ROOT / block.marker[5:]).read_text(), str(block)


def test_every_command_line_names_what_exists():
    tasks = task_flags()
    parser = build_parser()
    variables = {variable(name) for name in Settings.model_fields}
    problems = []
    for block, line in command_lines():
        found = words(line)
        while found and "=" in found[0] and found[0].split("=")[0].isupper():
            if found[0].split("=")[0] not in variables:
                problems.append(f"{block}: unknown setting in {line!r}")
            found = found[1:]
        if found[:2] == ["uvx", "invoke"]:
            problems += _task_problems(block, line, found[2:], tasks)
        elif "-m" in found and found[found.index("-m") + 1] == "common":
            argv = found[found.index("-m") + 2 :]
            try:
                parser.parse_args(argv)
            except SystemExit:
                problems.append(f"{block}: `python -m common` refuses {line!r}")
        else:
            problems += _benchmark_problems(block, line, found)
    assert not problems, "\n".join(problems)
    assert len(command_lines()) > 50


def _task_problems(block, line, argv, tasks) -> list[str]:
    if not argv or argv[0] in ("--list", "--help"):
        return []
    task, flags = argv[0], [w.split("=")[0] for w in argv[1:] if w.startswith("--")]
    if task not in tasks:
        return [f"{block}: no task {task!r} in tasks.py ({line!r})"]
    return [f"{block}: task {task} has no {f} ({line!r})" for f in flags if f not in tasks[task]]


def _benchmark_problems(block, line, found) -> list[str]:
    script = next((w for w in found if w.startswith("benchmarks/")), None)
    path = ROOT / script if script else None
    if path is None or not path.is_file():
        return [f"{block}: no such benchmark in {line!r}"]
    source = path.read_text()
    flags = [w.split("=")[0] for w in found if w.startswith("--") and w != "--group"]
    flags = [f for f in flags if found.index(f) > found.index(script)]
    return [f"{block}: {script} has no {f}" for f in flags if f'"{f}"' not in source]
