"""The fleet file: which databases and tenant schemas one command works on.

TOML (``tomllib`` is in the standard library, so no dependency), one ``[[target]]``
table per database::

    [[target]]
    name = "eu"                                   # optional; default: the masked URL
    url = "postgresql://deploy:${EU_PASSWORD}@eu-db/app"
    schemas = "tenant_*"                          # optional: one target per tenant schema

A file that does not parse, or whose shape is wrong, stops the command before any
database is touched (``FleetFileError``). What can only be known per target (an unset
variable, a bad URL, a duplicate, an unreachable server, an unknown schema) becomes that
target's ``error``, so the other targets still run. Passwords never reach a message: a
target is named by its ``name`` or its masked URL.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from os import environ
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import URL

from common.config import Settings
from common.database import mask_url, parse_url, sqlite_file
from common.errors import ConfigurationError, InvalidInputError

ENTRY_KEYS = {"url", "name", "schemas"}
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class FleetFileError(InvalidInputError):
    """The fleet file cannot be read as a fleet: nothing was touched."""


@dataclass(frozen=True)
class Entry:
    """One ``[[target]]`` table as written (the URL still holds its ``${NAME}``s)."""

    number: int
    url: str
    name: str = ""
    schemas: tuple[str, ...] = ()


@dataclass
class Target:
    """One database, or one tenant schema in a database, that a command works on."""

    name: str
    url: URL | None = None
    schema: str = ""
    error: str = ""  # one line: why this target is not worked on
    entry: Entry | None = field(default=None, repr=False)

    @property
    def identity(self) -> tuple:
        """What makes two targets the same database (the password and user do not)."""
        url = self.url
        if url is None:
            return ("unresolved", self.name)
        if url.get_backend_name() == "sqlite":
            return ("sqlite", str(sqlite_file(url).resolve()), self.schema)
        return (url.get_backend_name(), url.host, url.port, url.database, self.schema)

    def settings(self, base: Settings, **values: object) -> Settings:
        """``base`` pointed at this target (its URL, its schema)."""
        assert self.url is not None
        url = self.url.render_as_string(hide_password=False)
        return base.model_copy(update={"database_url": url, "tenant_schema": self.schema, **values})


def read_fleet(path: Path) -> list[Entry]:
    """The entries of a fleet file, or one line saying what is wrong with it."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FleetFileError(
            f"the fleet file {path} does not exist.", "check the path given to --fleet."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FleetFileError(f"cannot read the fleet file {path}: {exc}.", "") from None
    except tomllib.TOMLDecodeError as exc:
        raise FleetFileError(
            f"the fleet file {path.name} does not parse as TOML: {exc}; nothing was touched.",
            'fix that line; each target is a [[target]] table with url = "...".',
        ) from None
    unknown = sorted(set(data) - {"target"})
    if unknown:
        raise _shape(path, f"has the unknown top-level key {unknown[0]!r}")
    tables = data.get("target")
    if not isinstance(tables, list) or not tables:
        raise _shape(path, "has no [[target]] table")
    return [_entry(path, number, table) for number, table in enumerate(tables, 1)]


def _entry(path: Path, number: int, table: object) -> Entry:
    if not isinstance(table, dict):
        raise _shape(path, f"target {number} is not a table")
    unknown = sorted(set(table) - ENTRY_KEYS)
    if unknown:
        raise _shape(path, f"target {number} has the unknown key {unknown[0]!r}")
    url, name = table.get("url"), table.get("name", "")
    if not isinstance(url, str) or not url.strip():
        raise _shape(path, f"target {number} has no url")
    if not isinstance(name, str):
        raise _shape(path, f"target {number} has a name that is not a string")
    schemas = table.get("schemas", ())
    if isinstance(schemas, str):
        schemas = (schemas,)
    if not isinstance(schemas, list | tuple) or not all(isinstance(s, str) and s for s in schemas):
        raise _shape(path, f"target {number} has schemas that are not names or patterns")
    return Entry(number, url.strip(), name.strip(), tuple(schemas))


def _shape(path: Path, problem: str) -> FleetFileError:
    return FleetFileError(
        f"the fleet file {path.name} {problem}; nothing was touched.",
        'write one [[target]] table per database: url = "..." and optionally name = "..." '
        'and schemas = "tenant_*" (README, "Fleets").',
    )


def expand(raw: str) -> str:
    """``raw`` with each ``${NAME}`` replaced by that environment variable.

    A variable inside the ``user:password@`` part is percent-encoded, so a password may
    hold ``@``, ``/`` or ``:``; elsewhere (a host, a whole URL) it is used as it is.
    """
    scheme_end = raw.find("://")
    authority_end = raw.find("/", scheme_end + 3) if scheme_end >= 0 else -1
    authority_end = len(raw) if authority_end < 0 else authority_end
    userinfo_end = raw.rfind("@", 0, authority_end)
    missing = [m.group(1) for m in VARIABLE.finditer(raw) if m.group(1) not in environ]
    if missing:
        raise ConfigurationError(
            f"its url names ${{{missing[0]}}}, which is not set in the environment.",
            f"set {missing[0]}, or take the target out of the fleet file.",
        )

    def value(match: re.Match[str]) -> str:
        text = environ[match.group(1)]
        in_userinfo = scheme_end >= 0 and scheme_end < match.start() < userinfo_end
        return quote(text, safe="") if in_userinfo else text

    return VARIABLE.sub(value, raw)


def for_target(line: str) -> str:
    """A single-database message about one fleet target: its URL is not DATABASE_URL."""
    return line.replace("DATABASE_URL", "the target's url")


def entry_url(entry: Entry) -> URL:
    """The entry's URL, expanded and parsed (``ConfigurationError`` says what is wrong)."""
    try:
        return parse_url(expand(entry.url))
    except ConfigurationError as exc:
        message = exc.message.replace("DATABASE_URL", "its url")
        raise ConfigurationError(message, exc.hint.replace("DATABASE_URL", "the url")) from None


def entry_name(entry: Entry, url: URL | None) -> str:
    if entry.name:
        return entry.name
    if url is not None:
        return mask_url(url)
    return f"target {entry.number}"


def schema_name(entry: Entry, url: URL, schema: str) -> str:
    """``eu.tenant_0042``: the entry's name (or its database's) and the schema."""
    return f"{entry.name or url.database}.{schema}"


def mark_duplicates(targets: list[Target]) -> None:
    """The second listing of one database (or schema) is not run; the first still is."""
    seen: dict[tuple, Target] = {}
    for target in targets:
        if target.error or target.url is None:
            continue
        first = seen.setdefault(target.identity, target)
        if first is not target:
            target.error = (
                f"the same database{' and schema' if target.schema else ''} as {first.name} "
                "(listed twice in the fleet file); it runs once, as that target. "
                "Fix: remove one of the two."
            )
