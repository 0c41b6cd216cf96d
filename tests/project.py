"""A scratch copy of the project that tests drive through the real command line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL

MODELS_MODULE = "scratch_models"


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class ScratchProject:
    """alembic.ini, env.py and the template copied to a temp folder, plus a models file."""

    def __init__(self, root: Path, environ: dict[str, str]) -> None:
        self.root = root
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
        """Replace the models module (each command runs in a new process)."""
        (self.root / f"{MODELS_MODULE}.py").write_text(textwrap.dedent(source))

    def run(self, *args: str, stdin: str | None = None, timeout: float = 180) -> Result:
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
