"""The example project's models: a task with a status (0002 replaced its ``done`` flag)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Task(SQLModel, table=True):
    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    status: str | None = Field(default=None, max_length=20)
