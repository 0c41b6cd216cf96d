"""A scratch copy of the project that tests drive through the real command line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, create_engine, inspect
from sqlalchemy.pool import NullPool

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


def schema_snapshot(url: URL) -> dict:
    """Tables, columns (type, nullability), indexes, uniques and foreign keys, by name."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        inspector = inspect(engine)
        snapshot = {}
        for table in sorted(inspector.get_table_names()):
            if table.startswith("alembic_"):
                continue
            snapshot[table] = {
                "columns": {
                    c["name"]: (str(c["type"]).lower(), c["nullable"])
                    for c in inspector.get_columns(table)
                },
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                "uniques": sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(table)
                ),
                "foreign_keys": sorted(
                    (f["name"], tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            }
        return snapshot
    finally:
        engine.dispose()
