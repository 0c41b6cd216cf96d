"""Every setting, from the Settings class: its variable, default and description.

The class (``common.config.Settings``) is what reads the environment and ``.env``, so
the page cannot list a variable that is not read, nor miss one that is.
"""

from __future__ import annotations

from pydantic_core import PydanticUndefined

from common.config import Settings
from common.reference._markdown import table

PAGE = "settings.md"
PREFIX = Settings.model_config.get("env_prefix", "")


def variable(name: str) -> str:
    """The environment variable of field ``name`` (``DATABASE_URL`` keeps its own)."""
    alias = Settings.model_fields[name].validation_alias
    return alias if isinstance(alias, str) else f"{PREFIX}{name}".upper()


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    if field.default_factory is not None:
        return "(found at run time)"
    if field.default in (None, PydanticUndefined, ""):
        return "(empty)"
    return f"`{field.default}`"


def pages() -> dict[str, str]:
    lines = [
        "# Settings",
        "",
        "Each setting is an environment variable, or a line of `.env` at the project root "
        "(the environment wins). Generated from `common.config.Settings`.",
        "",
    ]
    rows = [
        (f"`{variable(name)}`", _default(name), field.description or "")
        for name, field in Settings.model_fields.items()
    ]
    lines += table(("variable", "default", "what it sets"), rows)
    return {PAGE: "\n".join(lines)}
