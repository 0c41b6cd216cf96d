"""Settings, read from the environment and from ``.env`` at the project root.

Every setting has a ``WORKBENCH_`` environment variable except ``DATABASE_URL``, which
keeps the name every hosting platform already uses. ``.env.example`` documents them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    connect_timeout: int = Field(default=5, description="Seconds to wait for a connection.")
    lock_timeout_ms: int = Field(default=5_000, description="lock_timeout per revision (ms).")
    statement_timeout_ms: int = Field(
        default=0, description="statement_timeout per revision (ms); 0 means none."
    )
    migration_lock_wait: float = Field(
        default=120, description="Seconds update-db waits for another runner's migration lock."
    )
    lock_retries: int = Field(
        default=3, description="Retries of a revision that hit lock_timeout (0: none)."
    )
    lock_retry_backoff_ms: int = Field(
        default=1_000, description="Wait before the first retry (ms); doubles each retry."
    )
    batch_size: int = Field(
        default=10_000,
        description="Most rows per batch in data migrations, when a revision passes none.",
    )
    max_batch_ms: float = Field(
        default=50,
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

    @model_validator(mode="after")
    def _inside_the_project(self) -> Settings:
        """A relative ``pgdata`` lives in the project folder, wherever the command runs."""
        if not self.pgdata.is_absolute():
            self.pgdata = self.project_dir / self.pgdata
        return self


def load_settings() -> Settings:
    """Read settings now (not at import), so tests and CLI runs see the current environment."""
    return Settings()


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
