"""The migration workbench: safe, reviewed Alembic migrations for SQLModel projects."""
