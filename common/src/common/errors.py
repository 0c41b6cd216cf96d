"""Errors a user can cause, printed by the CLI as one line without a traceback."""

from __future__ import annotations

import traceback
from pathlib import Path


class WorkbenchError(Exception):
    """A problem the user can fix: ``message`` says what is wrong, ``hint`` how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f" Fix: {self.hint}"
        return " ".join(text.split())


class ConfigurationError(WorkbenchError):
    """Settings or the database URL are wrong."""


class DatabaseUnavailableError(WorkbenchError):
    """The database cannot be reached or refuses the connection."""


class ModelsImportError(WorkbenchError):
    """The user's models module fails to import."""


class RevisionStateError(WorkbenchError):
    """The database and the revision scripts disagree (behind, ahead, several heads...)."""


class InvalidInputError(WorkbenchError):
    """A command argument is unusable (empty message, unknown revision...)."""


class MigrationStoppedError(WorkbenchError):
    """A revision stops on purpose: it needs a step only a person can write.

    Raised by ``op.stop_migration`` and ``op.require_data_migration`` (one operation, see
    ``common.ops.stop``) and by operations that refuse to lose data (an enum swap while
    rows hold a removed value).
    """


class DataMigrationRequiredError(MigrationStoppedError):
    """A step cannot carry the data over by itself: someone must write the data migration."""


def describe_exception(exc: BaseException) -> str:
    """``ImportError: No module named x (models.py:3)``: the error and where it was raised."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"
