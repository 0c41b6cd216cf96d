"""Settings, read from the environment and from ``.env`` at the project root.

Every setting has a ``WORKBENCH_`` environment variable except ``DATABASE_URL``, which
keeps the name every hosting platform already uses. ``.env.example`` documents them all.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from dotenv.parser import parse_stream
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.errors import ConfigurationError
from common.paths import project_root


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="WORKBENCH_",
        env_file=project_root() / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    project_dir: Path = Field(
        default_factory=project_root,
        description="Folder holding alembic.ini and common/alembic/ (default: found by "
        "walking up from the working directory).",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of the database; unset means the embedded PostgreSQL.",
    )
    models_module: str = Field(
        default="common.models.db_models",
        description="Module that defines the application's SQLModel tables.",
    )
    pgdata: Path = Field(
        default=Path(".pgdata"),
        description="Data folder of the embedded development PostgreSQL (relative: inside "
        "the project folder).",
    )
    embedded_database: str = Field(
        default="workbench", description="Database created inside the embedded server."
    )
    connect_timeout: int = Field(default=5, ge=1, description="Seconds to wait for a connection.")
    lock_timeout_ms: int = Field(default=5_000, ge=0, description="lock_timeout per revision (ms).")
    statement_timeout_ms: int = Field(
        default=0, ge=0, description="statement_timeout per revision (ms); 0 means none."
    )
    migration_lock_wait: float = Field(
        default=120,
        ge=0,
        description="Seconds update-db waits for another runner's migration lock.",
    )
    lock_retries: int = Field(
        default=3, ge=0, description="Retries of a revision that hit lock_timeout (0: none)."
    )
    lock_retry_backoff_ms: int = Field(
        default=1_000, ge=0, description="Wait before the first retry (ms); doubles each retry."
    )
    batch_size: int = Field(
        default=10_000,
        ge=1,
        description="Most rows per batch in data migrations, when a revision passes none.",
    )
    max_batch_ms: float = Field(
        default=50,
        ge=0,
        description="Batches are sized to take about this long (ms); 0 means fixed batches.",
    )
    schemas: str = Field(
        default="",
        description="Schemas autogenerate compares besides the default one and those the "
        "models name (comma-separated, wildcards allowed, * for all).",
    )
    include_tables: str = Field(
        default="",
        description="Only these tables are compared (comma-separated patterns, matching "
        "name or schema.name); empty means all.",
    )
    exclude_tables: str = Field(
        default="", description="Tables autogenerate leaves alone (same patterns)."
    )
    tenant_schema: str = Field(
        default="",
        description="PostgreSQL schema that is the search_path of every connection: it holds "
        "alembic_version, alembic_history and the unqualified tables (one tenant's schema); "
        "empty means the server's search_path.",
    )
    fleet_parallel: int = Field(
        default=4,
        ge=1,
        description="Targets a fleet update-db migrates (and review, status read) at once.",
    )

    @field_validator("database_url")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        """Set but empty (an unset CI secret) must not mean "use the embedded database"."""
        if value is not None and not value.strip():
            raise ValueError(
                "DATABASE_URL is set but empty; set it to a database URL, or remove it to "
                "use the embedded PostgreSQL"
            )
        return value

    @model_validator(mode="after")
    def _inside_the_project(self) -> Settings:
        """A relative ``pgdata`` lives in the project folder, wherever the command runs."""
        if not self.pgdata.is_absolute():
            self.pgdata = self.project_dir / self.pgdata
        return self


def load_settings(env_file: Path | None = None, **values: Any) -> Settings:
    """Read settings now (not at import), so tests and CLI runs see the current environment.

    A ``.env`` that does not parse, or a value out of range, is one line naming the
    setting: silently skipping a ``.env`` line would send every command to the embedded
    database. ``env_file`` and ``values`` (field names) replace the defaults.
    """
    env_file = env_file or project_root() / ".env"
    check_env_file(env_file)
    try:
        return Settings(_env_file=env_file, **values)
    except ValidationError as exc:
        raise ConfigurationError(
            _describe(exc), "fix it in the environment or in .env (.env.example lists them)."
        ) from None


def check_env_file(path: Path) -> None:
    """Refuse a ``.env`` that is not UTF-8 or has a line python-dotenv cannot parse."""
    if not path.is_file():
        return
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"{path.name} is not UTF-8 text (byte {exc.start}).", "save it as UTF-8."
        ) from None
    for binding in parse_stream(io.StringIO(source)):
        if binding.error:
            raise ConfigurationError(
                f"{path.name} line {binding.original.line} does not parse (an unterminated "
                "quote?); no command runs with a half-read .env.",
                'fix that line: KEY=value, or KEY="value" with both quotes.',
            )


def _describe(exc: ValidationError) -> str:
    """The first problem, named by its environment variable; the value is never shown."""
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    name = field.upper()  # DATABASE_URL is its own alias; every other one is prefixed
    variable = name if name == "DATABASE_URL" else f"WORKBENCH_{name}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"the setting {variable} is invalid: {message}."


# Key of Alembic's ``config.attributes`` that carries the Settings of the command running.
SETTINGS_ATTRIBUTE = "workbench_settings"


def settings_of(config: Any) -> Settings:
    """The Settings a command handed to Alembic, else the environment's (plain ``alembic``).

    Commands pass their Settings explicitly so that a caller (a test, a fleet runner) can
    run several projects and databases in one process; env.py and the operations read
    them back from the Alembic Config instead of from the environment.
    """
    attributes = getattr(config, "attributes", None) or {}
    found = attributes.get(SETTINGS_ATTRIBUTE)
    return found if found is not None else load_settings()
