"""Models that never reach the metadata: tables defined in a module nobody imports.

The commands import only the models module (``WORKBENCH_MODELS_MODULE``). A table in a
sibling module that it does not import is invisible to autogenerate, which then offers to
drop it. That only shows in a fresh interpreter (a test run may have imported the module
by another path), so a child process imports the models module, notes the tables, then
imports every module of its package and notes what that added.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_CHILD = """
import importlib, json, pkgutil, sys
sys.path.insert(0, sys.argv[2])
from common.models import load_metadata
name = sys.argv[1]
metadata = load_metadata(name)
bare = set(metadata.tables)
module = sys.modules[name]
package = module if hasattr(module, "__path__") else sys.modules.get(name.rpartition(".")[0])
walked = []
if package is not None and hasattr(package, "__path__"):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        try:
            importlib.import_module(info.name)
        except ImportError:
            continue  # an optional dependency missing: not this check's business
        walked.append(info.name)
print(json.dumps({"missing": sorted(set(metadata.tables) - bare), "walked": walked}))
"""


def unregistered_tables(models_module: str, project: Path) -> tuple[list[str], list[str]]:
    """The tables that importing every module beside ``models_module`` adds to the
    metadata its bare import fills, and the modules walked."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, models_module, str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        lines = result.stderr.strip().splitlines() or ["(no output)"]
        raise RuntimeError(f"importing the models module {models_module} failed: {lines[-1]}")
    found = json.loads(result.stdout.strip().splitlines()[-1])
    return found["missing"], found["walked"]
