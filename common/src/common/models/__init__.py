"""The metadata the workbench migrates: ``SQLModel.metadata`` with a naming convention.

The naming convention is set before the user's models are imported, so every index and
constraint gets a predictable name and every downgrade can drop what its upgrade made.
The models module is imported by name (``WORKBENCH_MODELS_MODULE``); nothing here imports
names from it, so a team can replace ``db_models.py`` whole with its own tables.
"""

from __future__ import annotations

import importlib
import sys

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from common.errors import ModelsImportError, describe_exception
from common.models.partitions import partitioned

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata.naming_convention = NAMING_CONVENTION

__all__ = ["NAMING_CONVENTION", "load_metadata", "partitioned"]


def load_metadata(module_name: str = "common.models.db_models") -> MetaData:
    """Import the models module and return the metadata its tables registered in."""
    if module_name not in sys.modules:
        try:
            importlib.import_module(module_name)
        except Exception as exc:
            raise ModelsImportError(
                f"the models module {module_name} failed to import: {describe_exception(exc)}.",
                "fix that line in your models file, then run the command again.",
            ) from None
    return SQLModel.metadata
