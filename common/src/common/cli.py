"""Command line of the workbench: ``python -m common <command>``.

Commands are imported lazily so that ``status`` does not pay for autogenerate's imports.
A ``WorkbenchError`` becomes one line on stderr and exit code 1, never a traceback;
an unexpected Alembic error is shown the same way, with any password masked.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from common.config import Settings

COMMANDS: dict[str, tuple[str, str]] = {
    "create-migration": ("common.commands.generate", "create_migration"),
    "check": ("common.commands.generate", "check"),
    "update-db": ("common.commands.apply", "update_db"),
    "downgrade": ("common.commands.apply", "downgrade"),
    "stamp": ("common.commands.apply", "stamp"),
    "status": ("common.commands.show", "status"),
    "history": ("common.commands.show", "history"),
    "current": ("common.commands.show", "current"),
    "heads": ("common.commands.show", "heads"),
    "db-url": ("common.commands.show", "db_url"),
    "embedded-stop": ("common.commands.show", "embedded_stop"),
    "review": ("common.commands.review", "review"),
    "indexes": ("common.commands.indexes", "indexes"),
    "merge": ("common.commands.merge", "merge"),
    "squash": ("common.commands.squash", "squash"),
}
# The same commands over a fleet file (``--fleet``): common.fleet.
FLEET_COMMANDS: dict[str, tuple[str, str]] = {
    "update-db": ("common.fleet.update", "update_fleet"),
    "status": ("common.fleet.status", "fleet_status"),
    "review": ("common.fleet.review", "review_fleet"),
}
FLEET_HELP = "a fleet file (TOML): run over every database and tenant schema it lists"


def _add_fleet(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fleet", default=None, metavar="FILE", help=FLEET_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m common", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    create = sub.add_parser("create-migration", help="autogenerate a revision from the models")
    create.add_argument("message", help='what the revision does, e.g. "Add priority to tasks"')
    create.add_argument(
        "--rename",
        action="append",
        default=[],
        dest="renames",
        metavar="X",
        help="rename hint: table.column=new_name or table=new",
    )
    create.add_argument(
        "--rename-value",
        action="append",
        default=[],
        dest="value_renames",
        metavar="X",
        help="enum value rename hint: type.old=new or schema.type.old=new (PostgreSQL)",
    )
    create.add_argument(
        "--empty",
        action="store_true",
        help="write a blank revision for a hand-written data migration",
    )
    create.add_argument(
        "--adopt-names",
        action="store_true",
        help="rename constraints and indexes named apart from the naming convention (PostgreSQL)",
    )
    create.add_argument(
        "--expand-contract",
        action="store_true",
        help="write renames, type changes and NOT NULL as an expand and a contract revision "
        "(PostgreSQL), for a rolling deploy",
    )

    update = sub.add_parser("update-db", help="apply pending revisions (default: to head)")
    update.add_argument("--revision", default="head", help="target revision (default head)")
    update.add_argument("--sql", action="store_true", help="print the SQL instead of running it")
    update.add_argument(
        "--contract",
        action="store_true",
        help="also apply contract revisions (once the new code is fully deployed)",
    )
    update.add_argument(
        "--accept-edited",
        default="",
        metavar="REV[,REV]",
        help="record the new checksum of applied revisions whose files were edited",
    )
    _add_fleet(update)
    update.add_argument(
        "--parallel",
        type=int,
        default=None,
        metavar="N",
        help="with --fleet: targets migrated at once (default WORKBENCH_FLEET_PARALLEL, 4)",
    )

    down = sub.add_parser("downgrade", help="revert revisions (default: one step)")
    down.add_argument("--revision", default="-1", help="target revision (default -1)")

    stamp = sub.add_parser("stamp", help="record a revision as applied without running it")
    stamp.add_argument("revision", help="revision id, head or base")

    sub.add_parser("check", help="exit 1 when the models differ from the database at head")
    _add_fleet(sub.add_parser("status", help="applied and pending revisions"))
    hist = sub.add_parser("history", help="every revision with applied marks, then recorded runs")
    hist.add_argument("--limit", type=int, default=50, help="recorded runs to show (default 50)")
    sub.add_parser("current", help="the database's current revision")
    sub.add_parser("heads", help="the head revision(s) of the scripts")
    sub.add_parser("db-url", help="the database URL in use (password masked)")
    sub.add_parser("embedded-stop", help="stop the embedded development PostgreSQL")

    review = sub.add_parser("review", help="pre-deploy checklist for the pending revisions")
    review.add_argument(
        "--format",
        default="text",
        choices=("text", "markdown", "json", "github", "sarif"),
        help="output format (github: workflow annotations; sarif: SARIF 2.1.0)",
    )
    review.add_argument(
        "--json", action="store_const", const="json", dest="format", help="same as --format json"
    )
    review.add_argument(
        "--no-round-trip",
        action="store_false",
        dest="round_trip",
        help="no scratch database: skip the round trip and the drift check",
    )
    review.add_argument(
        "--large-table-rows",
        type=int,
        default=1_000_000,
        help="row count from which ACCESS EXCLUSIVE during a scan/rewrite blocks (default 1e6)",
    )
    _add_fleet(review)
    review.add_argument(
        "--static",
        action="store_true",
        help="no database: only the rules and graph checks, on the revision files alone",
    )
    review.add_argument(
        "--since",
        default=None,
        metavar="REF",
        help="with --static: only the revision files changed since git REF (e.g. origin/main)",
    )
    review.add_argument(
        "--running-ref",
        default=None,
        metavar="REF",
        help="git ref of the release running now (a tag such as v1.4): check that its models "
        "still work on the new schema",
    )
    review.add_argument(
        "--preflight-exact-rows",
        type=int,
        default=1_000_000,
        metavar="N",
        help="data pre-flight: tables of up to N rows (statistics) are counted exactly, larger "
        "ones in a time-boxed scan (default 1e6)",
    )
    review.add_argument(
        "--preflight-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="data pre-flight: time box of a larger table's queries, together (default 30)",
    )
    merge = sub.add_parser("merge", help="join the heads into one revision (sequential id)")
    merge.add_argument("--message", default="merge heads", help='default "merge heads"')
    squash = sub.add_parser("squash", help="replace the revisions up to REV by one, proven equal")
    squash.add_argument("--upto", required=True, metavar="REV", help="last revision squashed")
    squash.add_argument("--message", default=None, help='default "squash <first>..<REV>"')
    indexes = sub.add_parser("indexes", help="indexes with size and scans; invalid/duplicates")
    indexes.add_argument("--table", default=None, help="only the indexes of this table")
    return parser


def _command(name: str, args: dict) -> Callable[..., int]:
    """The command's function; with ``--fleet FILE``, its fleet variant (common.fleet)."""
    fleet = args.pop("fleet", None)
    parallel = args.pop("parallel", None)
    table = COMMANDS
    if fleet is not None:
        table, args["fleet"] = FLEET_COMMANDS, fleet
        if name == "update-db":
            args["parallel"] = parallel
    elif parallel is not None:
        from common.errors import InvalidInputError

        raise InvalidInputError("--parallel goes with --fleet.", "add --fleet FILE, or drop it.")
    module, function = table[name]
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Run one command; ``settings`` replaces the environment's (in-process callers, tests)."""
    args = vars(build_parser().parse_args(argv))
    name = args.pop("command")
    from common.errors import WorkbenchError

    try:
        return _command(name, args)(**args, settings=settings)
    except WorkbenchError as exc:
        print(exc.one_line(), file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """Alembic and driver errors the commands did not anticipate: one masked line."""
    from alembic.util import CommandError
    from sqlalchemy.exc import DBAPIError

    from common.database import driver_message, privilege_fix

    if isinstance(exc, CommandError):
        print(f"error: {driver_message(exc)}", file=sys.stderr)
        return 1
    if isinstance(exc, DBAPIError):
        print(
            f"error: the database refused a statement: {driver_message(exc)}. Fix: "
            + (
                privilege_fix(exc)
                or "check that DATABASE_URL names the intended database (for SQLite, a "
                "database file) and that its user may run the statement."
            ),
            file=sys.stderr,
        )
        return 1
    raise exc
