"""Which database a command talks to, how to connect, and how to show its URL safely.

Resolution order: ``DATABASE_URL`` (environment or ``.env``), else the embedded
development PostgreSQL in ``.pgdata/``. URLs are always shown with the password masked,
and driver errors are scrubbed of it before they reach the user.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import NullPool

from common import embedded
from common.config import Settings
from common.errors import ConfigurationError, DatabaseUnavailableError

# Drivers installed with the workbench, used when a URL names only the database kind.
_DEFAULT_DRIVERS = {
    "postgresql": "psycopg",
    "postgres": "psycopg",
    "mysql": "pymysql",
    "mariadb": "pymysql",
}
SUPPORTED_BACKENDS = ("postgresql", "sqlite", "mysql", "mariadb")
# The drivers the workbench's own dependencies bring (sqlite3 is Python's).
_INSTALLED_DRIVERS = {
    "postgresql": {"psycopg"},
    "mysql": {"pymysql"},
    "mariadb": {"pymysql"},
    "sqlite": {"pysqlite"},
}


@dataclass(frozen=True)
class Target:
    """The database a command works on."""

    url: URL
    embedded: bool

    @property
    def masked(self) -> str:
        return mask_url(self.url)

    @property
    def description(self) -> str:
        if self.embedded:
            socket = self.url.query.get("host", "")
            return f"embedded PostgreSQL, database {self.url.database} (socket in {socket})"
        return self.masked


def mask_url(url: URL | str) -> str:
    """The URL as text with its password replaced by ``***``."""
    if isinstance(url, str):
        try:
            url = make_url(_encode_password(url))
        except (ArgumentError, ValueError):
            return "(malformed URL, not shown)"
    return url.render_as_string(hide_password=True)


def _scrub_userinfo(text: str) -> str:
    """Replace the password in any ``user:password@`` found in ``text``.

    Up to the last ``@`` before the host: a password may itself hold an ``@``.
    """
    return re.sub(r"([\w.%~-]+:)[^\s/]+@", r"\1***@", text)


def _encode_password(raw: str) -> str:
    """``u:p@ss@host`` as ``u:p%40ss@host``: the last ``@`` of the authority ends the
    user part, as ``urllib`` reads it; SQLAlchemy would end it at the first ``@`` and
    take the rest of the password for the host name (and print it)."""
    scheme, separator, rest = raw.partition("://")
    authority, slash, path = rest.partition("/")
    if not separator or authority.count("@") < 2:
        return raw
    userinfo, _, host = authority.rpartition("@")
    user, colon, password = userinfo.partition(":")
    return f"{scheme}://{user}{colon}{quote(password, safe='')}@{host}{slash}{path}"


def sqlite_file(url: URL) -> Path | None:
    """The file an SQLite URL opens, or None for an in-memory database.

    With ``?uri=true`` the database part is an SQLite URI (``file:/srv/app.db`` with
    ``mode=ro`` and the like among the query options): the file, not that text, is what
    the migration lock sits beside.
    """
    database = url.database or ""
    if str(url.query.get("uri", "")).lower() in ("true", "1") and database.startswith("file:"):
        if url.query.get("mode") == "memory":
            return None
        database = database.removeprefix("file:")
        if database.startswith("//"):  # file://host/path: the authority is empty or localhost
            database = "/" + database[2:].partition("/")[2]
    if database in ("", ":memory:"):
        return None
    return Path(database)


def _bad_host_or_port(raw: str) -> ConfigurationError:
    """Which of the two things SQLAlchemy's parser chokes on, without echoing either."""
    authority = raw.partition("://")[2].partition("/")[0].rpartition("@")[2]
    if "[" in authority and "]" not in authority:
        return ConfigurationError(
            "DATABASE_URL has an IPv6 host without its closing ].",
            "write the host in brackets, e.g. postgresql://user@[::1]:5432/dbname.",
        )
    return ConfigurationError(
        "DATABASE_URL has a port that is not a number.",
        "write host:5432 (or [::1]:5432), and percent-encode : and @ inside the password.",
    )


def parse_url(raw: str) -> URL:
    """Parse and normalize a user-supplied URL, or fail with a one-line explanation."""
    raw = _encode_password(raw.strip())
    try:
        url = make_url(raw)
    except ValueError:
        # int() of the port; not echoed either, the "port" may be password text
        raise _bad_host_or_port(raw) from None
    except ArgumentError:
        # not echoed: a malformed URL may hold a password anywhere in it
        raise ConfigurationError(
            "DATABASE_URL is not a database URL (it does not start with a scheme such as "
            "postgresql://).",
            "use the form postgresql://user:password@host:5432/dbname "
            "(or sqlite:///file.db, mysql://user@host/dbname).",
        ) from None
    if url.port is not None and not 0 < url.port < 65536:
        raise ConfigurationError(
            "DATABASE_URL has a port outside 1-65535.",
            "write the server's port, e.g. host:5432 (PostgreSQL) or host:3306 (MySQL).",
        )
    backend = url.get_backend_name()
    if backend == "postgres":
        url = url.set(drivername="postgresql")
        backend = "postgresql"
    if backend not in SUPPORTED_BACKENDS:
        raise ConfigurationError(
            f"DATABASE_URL uses {backend!r}, which the workbench does not support.",
            "use a postgresql://, sqlite:/// or mysql:// URL.",
        )
    if "+" not in url.drivername and backend in _DEFAULT_DRIVERS:
        url = url.set(drivername=f"{backend}+{_DEFAULT_DRIVERS[backend]}")
    if url.get_driver_name() not in _INSTALLED_DRIVERS[backend]:
        raise ConfigurationError(
            f"DATABASE_URL names the driver {url.drivername!r}, which the workbench does not "
            "install.",
            "drop the +driver part (postgresql:// uses psycopg 3, mysql:// PyMySQL) or "
            "write postgresql+psycopg://, mysql+pymysql:// or sqlite:///.",
        )
    if backend == "sqlite" and sqlite_file(url) is None:
        raise ConfigurationError(
            "DATABASE_URL names an in-memory SQLite database, which is gone when the command "
            "ends (and each connection sees another one).",
            "name a file: sqlite:///app.db.",
        )
    if backend != "sqlite" and not url.database:
        raise ConfigurationError(
            f"DATABASE_URL {mask_url(url)} names no database.",
            "add the database name after the host, e.g. .../dbname.",
        )
    return url


def resolve_target(settings: Settings) -> Target:
    """The configured database, starting the embedded one when none is configured."""
    if settings.database_url:
        return Target(parse_url(settings.database_url), embedded=False)
    url = embedded.ensure_database(settings.pgdata, settings.embedded_database)
    return Target(url, embedded=True)


def offline_url(settings: Settings) -> URL:
    """The URL whose dialect renders ``--sql`` output; never connects or starts a server."""
    if settings.database_url:
        return parse_url(settings.database_url)
    return URL.create("postgresql+psycopg", database=settings.embedded_database)


def make_engine(url: URL, settings: Settings | None = None) -> Engine:
    """An engine with a connect timeout, so an unreachable host fails fast."""
    timeout = settings.connect_timeout if settings else 5
    connect_args: dict = {}
    backend = url.get_backend_name()
    if backend == "postgresql" or backend in ("mysql", "mariadb"):
        connect_args["connect_timeout"] = timeout
    if settings is not None and settings.tenant_schema:
        connect_args["options"] = tenant_options(url, settings.tenant_schema)
    try:
        return create_engine(url, connect_args=connect_args, poolclass=NullPool)
    except (NoSuchModuleError, ArgumentError) as exc:
        raise ConfigurationError(
            f"cannot use {mask_url(url)}: {exc}", "check the driver part of DATABASE_URL."
        ) from None


def tenant_options(url: URL, schema: str) -> str:
    """libpq ``options`` that make ``schema`` the whole search_path of every session.

    Set at connect time, not by a ``SET`` afterwards, so every connection a command opens
    (the revisions', the lock's control connection, the blocker watch) and plain
    ``alembic`` runs alike see only that schema: ``alembic_version``, ``alembic_history``
    and the revisions' unqualified tables all land in it. The schema alone (pg_catalog is
    always searched): with ``public`` behind it, a tenant without ``alembic_version`` yet
    would read public's. The name is quoted, and libpq's own escaping (backslash before
    space and backslash) keeps it one option. Options already in the URL are kept.
    """
    if url.get_backend_name() != "postgresql":
        raise ConfigurationError(
            f"WORKBENCH_TENANT_SCHEMA is set, but {mask_url(url)} is not PostgreSQL.",
            "unset it: on MySQL/MariaDB a schema is a database (name it in the URL), and "
            "SQLite has none.",
        )
    from sqlalchemy.dialects import postgresql

    quoted = postgresql.dialect().identifier_preparer.quote_identifier(schema)
    escaped = quoted.replace("\\", "\\\\").replace(" ", "\\ ")
    existing = str(url.query.get("options", "")).strip()
    return f"{existing} -csearch_path={escaped}".strip()


@contextmanager
def connect(target: Target, settings: Settings | None = None) -> Iterator[Connection]:
    """A connection to ``target``; connection failures become one-line errors."""
    engine = make_engine(target.url, settings)
    try:
        try:
            connection = engine.connect()
        except (OperationalError, DBAPIError) as exc:
            hint = (
                "check that the file's folder exists and that this user may write in it "
                "(SQLite creates the file, not its folder)."
                if target.url.get_backend_name() == "sqlite"
                else "check that the server runs and that DATABASE_URL (host, port, user, "
                "password, database) is right."
            )
            raise DatabaseUnavailableError(
                f"cannot connect to {target.masked}: {driver_message(exc, target.url)}",
                hint,
            ) from None
        except Exception as exc:  # a driver choking on an option (PyMySQL ?charset=bogus)
            raise DatabaseUnavailableError(
                f"cannot connect to {target.masked}: the driver failed on the URL "
                f"({type(exc).__name__}: {driver_message(exc, target.url)})",
                "check the options after ? in DATABASE_URL (charset, sslmode, ...).",
            ) from None
        with connection:
            yield connection
    finally:
        engine.dispose()


def driver_message(exc: BaseException, url: URL | None = None) -> str:
    """The first line of a driver error, with any password scrubbed out."""
    original = getattr(exc, "orig", None) or exc
    first = next((line for line in str(original).splitlines() if line.strip()), "")
    first = _scrub_userinfo(first.strip())
    if url is not None and url.password:
        first = first.replace(str(url.password), "***")
    return first or type(original).__name__


# SQLSTATE insufficient_privilege; MySQL's access-denied error numbers for a database,
# a table, a column, a privilege (SUPER and the like) and a routine
_PG_NO_PRIVILEGE = "42501"
_MYSQL_NO_PRIVILEGE = {1044, 1142, 1143, 1227, 1370}


def privilege_fix(exc: BaseException) -> str | None:
    """The ``Fix:`` for a statement refused for want of a right, or None for other causes.

    A missing privilege is the usual cause when a deploy user differs from the owner (on
    PostgreSQL 15+ ordinary users may no longer create in ``public``): say what to grant.
    """
    original = getattr(exc, "orig", None)
    if original is None:
        return None
    code = original.args[0] if original.args else None
    if getattr(original, "sqlstate", None) == _PG_NO_PRIVILEGE or (
        isinstance(code, int) and code in _MYSQL_NO_PRIVILEGE
    ):
        return (
            "grant the DATABASE_URL user the privilege named (to create tables on "
            "PostgreSQL 15+: GRANT CREATE ON SCHEMA public), or migrate as the owner."
        )
    if "readonly database" in str(original):
        return "make the SQLite file and its folder writable, or open it without mode=ro."
    return None
