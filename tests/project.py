"""A scratch copy of the project that tests drive, in-process or through the command line.

``ScratchProject.run`` calls ``common.cli.main`` in the test's own process with a Settings
object built from the scratch project's environment, its output captured: the same code
path as ``python -m common`` minus the interpreter start-up and the imports (which cost
a second or more per command, ten per scenario). ``run_cli`` starts the real
``python -m common`` process; the ``project`` fixture of a test marked ``e2e`` uses it
for every command, so the wiring (``__main__``, exit codes, the environment, ``.env``)
is proven by the few tests that are about it.

The models live in one module, ``scratch_models``, which in-process runs import afresh
for every command into an emptied ``SQLModel.metadata`` (and empty it again afterwards),
so one scenario's tables never leak into the next test run by the same worker.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import subprocess
import sys
import textwrap
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from sqlalchemy import URL, MetaData
from sqlmodel import SQLModel
from sqlmodel.main import default_registry

from common.config import Settings, load_settings
from common.errors import WorkbenchError

MODELS_MODULE = "scratch_models"
# Models modules the workbench may have imported into SQLModel.metadata in this process.
_MODELS_MODULES = (MODELS_MODULE, "common.models.db_models")


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def reset_models() -> None:
    """Forget every SQLModel table: the next ``load_metadata`` imports its module again.

    A new MetaData (with the naming convention), not ``clear()``: a named Enum listens
    for its table's MetaData ``before_create``, and would outlive ``clear()`` to create
    its type in the next scenario's ``create_all``.
    """
    fresh = MetaData(naming_convention=SQLModel.metadata.naming_convention)
    default_registry.dispose()
    default_registry.metadata = fresh
    SQLModel.metadata = fresh
    for name in _MODELS_MODULES:
        sys.modules.pop(name, None)


class ScratchProject:
    """alembic.ini, env.py and the template copied to a temp folder, plus a models file."""

    def __init__(self, root: Path, environ: dict[str, str], in_process: bool = True) -> None:
        self.root = root
        self.in_process = in_process
        self.env = dict(environ)
        self.env["WORKBENCH_MODELS_MODULE"] = MODELS_MODULE
        self.env["PYTHONPATH"] = str(root)
        self.env.pop("DATABASE_URL", None)
        self.env["WORKBENCH_PGDATA"] = str(root / ".pgdata")

    @property
    def versions(self) -> Path:
        return self.root / "common" / "alembic" / "versions"

    def revision_files(self) -> list[Path]:
        return sorted(self.versions.glob("*.py"))

    def use_database(self, url: URL | str | None) -> None:
        if url is None:
            self.env.pop("DATABASE_URL", None)
        else:
            text = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
            self.env["DATABASE_URL"] = text

    def write_models(self, source: str) -> None:
        """Replace the models module (each command imports it afresh)."""
        (self.root / f"{MODELS_MODULE}.py").write_text(textwrap.dedent(source))

    def settings(self) -> Settings:
        """What ``python -m common`` would read in this project: its environment and .env."""
        with mock.patch.dict(os.environ, self.env, clear=True):
            return load_settings(self.root / ".env", project_dir=self.root)

    @contextlib.contextmanager
    def models(self) -> Iterator[MetaData]:
        """The scratch models imported into an emptied ``SQLModel.metadata``, then forgotten."""
        from common.models import load_metadata

        with self.models_path():
            yield load_metadata(MODELS_MODULE)

    def run(self, *args: str, stdin: str | None = None, timeout: float = 180) -> Result:
        """One command, in-process unless this project drives the real command line."""
        if not self.in_process:
            return self.run_cli(*args, stdin=stdin, timeout=timeout)
        from common.cli import main

        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
        ):
            try:
                settings = self.settings()
                with self.models_path():
                    code = main(list(args), settings=settings)
            except WorkbenchError as exc:  # a bad setting: what the CLI prints for it
                print(exc.one_line(), file=sys.stderr)
                code = exc.exit_code
            except SystemExit as exc:  # argparse: usage errors exit 2
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # what the interpreter would print before exiting 1
                traceback.print_exc()
                code = 1
        return Result(code, out.getvalue(), err.getvalue())

    @contextlib.contextmanager
    def models_path(self) -> Iterator[None]:
        """The command imports ``scratch_models`` itself, from this project, afresh."""
        reset_models()
        sys.path.insert(0, str(self.root))
        importlib.invalidate_caches()
        try:
            with contextlib.chdir(self.root):
                yield
        finally:
            sys.path.remove(str(self.root))
            reset_models()

    def run_cli(self, *args: str, stdin: str | None = None, timeout: float = 180) -> Result:
        """``python -m common ...`` in a new process, in the scratch project."""
        completed = subprocess.run(
            [sys.executable, "-m", "common", *args],
            cwd=self.root,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    def ok(self, *args: str) -> Result:
        result = self.run(*args)
        assert result.returncode == 0, f"{args} failed:\n{result.output}"
        return result
