"""The models of the release running now, read from git (``review --running-ref REF``).

During a rolling deploy the old code keeps running against the new schema, so the review
needs the old models next to the current ones. The models file at REF (``git show
REF:path``, the path of the current models module in the repository) is executed as a
module of its own whose ``from sqlmodel import SQLModel`` gets a fresh base class with its
own SQLAlchemy registry and MetaData (SQLModel's public ``registry=`` class argument):
its tables never enter ``SQLModel.metadata`` and its class names never meet the current
models' in one registry (where string relationships would become ambiguous).
"""

from __future__ import annotations

import importlib.util
import sys
import types
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlmodel
from sqlalchemy import MetaData
from sqlalchemy.orm import registry

from common.errors import InvalidInputError, ModelsImportError, describe_exception
from common.models import NAMING_CONVENTION
from common.review.changed import FETCH_HINT, first_error, git, repository_root


@dataclass
class RunningModels:
    ref: str
    path: str  # the models file, relative to the repository
    metadata: MetaData
    models: dict[str, str]  # table name -> model class name
    registry: registry


def models_path(module_name: str) -> Path:
    module = sys.modules.get(module_name)
    origin = getattr(module, "__file__", None) if module else None
    if origin is None:
        spec = importlib.util.find_spec(module_name)
        origin = spec.origin if spec else None
    if origin is None:
        raise InvalidInputError(
            f"--running-ref: the models module {module_name} is not found.",
            "set WORKBENCH_MODELS_MODULE to the module that holds your tables.",
        )
    return Path(origin).resolve()


def _source(folder: Path, module_name: str, ref: str) -> tuple[str, str]:
    root = repository_root(folder)
    if root is None:
        raise InvalidInputError(
            f"--running-ref {ref} needs a git work tree, and {folder} is not in one.",
            "run the review inside the repository's clone, or leave out --running-ref.",
        )
    if (
        ref.startswith("-")
        or git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode
    ):
        raise InvalidInputError(
            f"--running-ref {ref}: git knows no commit by that name.", FETCH_HINT
        )
    relative = models_path(module_name).relative_to(root).as_posix()
    shown = git(root, "show", f"{ref}:{relative}")
    if shown.returncode:
        raise InvalidInputError(
            f"--running-ref {ref}: {relative} is not in that commit ({first_error(shown)}).",
            "name the release whose models file is at that path (a tag such as v1.4).",
        )
    return shown.stdout, relative


def _execute(source: str, filename: str, ref: str) -> RunningModels:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    own = registry(metadata=metadata)
    base = types.new_class(
        "SQLModel", (sqlmodel.SQLModel,), {"registry": own}
    )  # what ``from sqlmodel import SQLModel`` finds while the old file runs
    name = f"_workbench_running_models_{uuid.uuid4().hex[:8]}"
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules[name] = module
    current = sqlmodel.SQLModel
    sqlmodel.SQLModel = base
    try:
        exec(compile(source, filename, "exec"), module.__dict__)
    except Exception as exc:
        raise ModelsImportError(
            f"the models file at {filename} failed to import: {describe_exception(exc)}.",
            "name a release whose models import with today's dependencies, or leave out "
            "--running-ref.",
        ) from None
    finally:
        sqlmodel.SQLModel = current
        sys.modules.pop(name, None)
    models = {m.local_table.name: m.class_.__name__ for m in own.mappers}
    return RunningModels(ref, filename, metadata, models, own)


def load_running_models(folder: Path, module_name: str, ref: str) -> RunningModels:
    """The running release's models (see the module doc); bad ref: one line."""
    source, relative = _source(folder, module_name, ref)
    return _execute(source, f"{ref}:{relative}", ref)
