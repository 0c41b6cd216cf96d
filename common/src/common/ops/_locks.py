"""The review header's ``lock:`` line for databases other than PostgreSQL.

An op's ``lock(dialect)`` names the PostgreSQL lock level it takes; on SQLite an ALTER
copies the table, and MySQL/MariaDB take a metadata lock and rebuild online where
InnoDB can. These are the texts the header has always printed for those databases.
"""

from __future__ import annotations

SQLITE_COPY = "the table is copied (batch mode); the database is locked while it runs"
MYSQL_METADATA = "metadata lock; InnoDB rebuilds online where it can"
NOTHING = "none (the step does nothing on this database)"


def lock_line(
    dialect: str, postgresql: str, *, sqlite: str = SQLITE_COPY, mysql: str = MYSQL_METADATA
) -> str:
    """The lock line for ``dialect``: ``postgresql``, ``sqlite``, or MySQL/MariaDB."""
    if dialect == "postgresql":
        return postgresql
    if dialect == "sqlite":
        return sqlite
    return mysql
