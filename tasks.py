"""Invoke tasks of the migration workbench: ``uvx invoke --list``.

``uvx invoke`` runs in an isolated environment that has only Invoke, so this file never
imports the project: every task shells out to ``uv run python -m common <command>``,
which syncs the project's environment first. Exit codes pass through unchanged.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from invoke import Context, Exit, task

ROOT = Path(__file__).resolve().parent
ENVIRONMENT_INPUTS = ("uv.lock", "pyproject.toml", "common/pyproject.toml")
SYNC_MARKER = ROOT / ".venv" / ".workbench-synced"


def _synced(command: str) -> str:
    """``command`` after a sync of the project's environment, unless nothing changed.

    ``uv run`` checks the environment on every call (~0.15 s, a tenth of a command);
    once synced, the marker lets later calls skip that check until an input changes.
    The sync compiles bytecode: with PYTHONDONTWRITEBYTECODE=1 (set here and in many
    Docker images) Python would otherwise compile SQLAlchemy, Alembic, SQLModel and
    psycopg from source in every process, about 2 s of CPU per command.
    """
    run = f"uv run --quiet --no-sync {command}"
    if SYNC_MARKER.exists():
        synced = SYNC_MARKER.stat().st_mtime
        if all((ROOT / name).stat().st_mtime <= synced for name in ENVIRONMENT_INPUTS):
            return run
    marker = shlex.quote(str(SYNC_MARKER))
    return f"uv sync --quiet --compile-bytecode && touch {marker} && {run}"


def _python() -> str:
    """The project's Python, synced first unless nothing changed since the last sync."""
    return _synced("python")


FLEET_HELP = "fleet file (TOML): every database and tenant schema it lists"


def _fleet(fleet: str) -> list[str]:
    return ["--fleet", fleet] if fleet else []


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _common(c: Context, *args: str) -> None:
    """Run one workbench command; a non-zero exit becomes this task's exit code."""
    command = " ".join([_python(), "-m common", *(shlex.quote(a) for a in args)])
    result = c.run(command, warn=True, pty=_interactive())
    if result is None or result.exited != 0:
        raise Exit(code=result.exited if result is not None else 1)


@task(
    help={
        "message": 'what the revision does, e.g. "Add priority to tasks"',
        "rename": "rename hint, repeatable: table.column=new_name or table=new_table",
        "rename_value": "enum value rename hint, repeatable: type.old=new or schema.type.old=new",
        "empty": "write a blank revision for a hand-written data migration",
        "adopt_names": "rename constraints/indexes named apart from the naming convention",
        "expand_contract": "write renames, type changes and NOT NULL as an expand and a "
        "contract revision (PostgreSQL), for a rolling deploy",
    },
    iterable=["rename", "rename_value"],
)
def create_migration(
    c,
    message,
    rename=None,
    rename_value=None,
    empty=False,
    adopt_names=False,
    expand_contract=False,
):
    """Autogenerate a revision by diffing the models against the database."""
    args = ["create-migration", message]
    for hint in rename or []:
        args += ["--rename", hint]
    for hint in rename_value or []:
        args += ["--rename-value", hint]
    if empty:
        args.append("--empty")
    if adopt_names:
        args.append("--adopt-names")
    if expand_contract:
        args.append("--expand-contract")
    _common(c, *args)


@task(
    help={
        "revision": "target revision (default head)",
        "sql": "print the SQL instead of running it (offline mode)",
        "contract": "also apply contract revisions: run it once the new code is fully deployed",
        "accept_edited": "revision id(s), comma-separated: record the new checksum of "
        "applied revisions whose files were edited, then apply",
        "fleet": FLEET_HELP,
        "parallel": "with --fleet: targets migrated at once (default 4)",
    }
)
def update_db(
    c, revision="head", sql=False, contract=False, accept_edited="", fleet="", parallel=0
):
    """Apply pending revisions to the database (or to every target of a fleet file)."""
    args = ["update-db", "--revision", revision, *(["--sql"] if sql else [])]
    args += ["--contract"] if contract else []
    if accept_edited:
        args += ["--accept-edited", accept_edited]
    args += _fleet(fleet) + (["--parallel", str(parallel)] if parallel else [])
    _common(c, *args)


@task(help={"revision": "target revision (default -1: one step back)"})
def downgrade(c, revision="-1"):
    """Revert revisions (default one step)."""
    _common(c, "downgrade", "--revision", revision)


@task(help={"fleet": FLEET_HELP})
def status(c, fleet=""):
    """Applied and pending revisions, the database (password masked) and head."""
    _common(c, "status", *_fleet(fleet))


@task(help={"limit": "recorded runs to show (default 50)"})
def history(c, limit=50):
    """Every revision, newest first, marked applied or pending, then the recorded runs."""
    _common(c, "history", "--limit", str(limit))


@task
def current(c):
    """The database's current revision."""
    _common(c, "current")


@task
def heads(c):
    """The head revision(s) of the revision scripts."""
    _common(c, "heads")


@task(help={"revision": "revision id to record as applied (or head / base)"})
def stamp(c, revision):
    """Record a revision as applied without running it."""
    _common(c, "stamp", revision)


@task
def check(c):
    """Exit 0 when the models match the database at head, 1 with the differences."""
    _common(c, "check")


@task(
    help={
        "format": "text (default), markdown (for a pull request), json, github "
        "(workflow annotations) or sarif (SARIF 2.1.0, for code scanning)",
        "json": "same as --format json",
        "no_round_trip": "no scratch database: skip the round trip and the drift check",
        "large_table_rows": "rows from which ACCESS EXCLUSIVE during a scan/rewrite blocks",
        "static": "no database (the pull-request check): the rules on the revision files",
        "since": "with --static: only revision files changed since this git ref, e.g. origin/main",
        "fleet": FLEET_HELP,
        "running_ref": "git ref of the release running now (e.g. v1.4): check its models "
        "still work on the new schema",
        "preflight_exact_rows": "tables up to this many rows (statistics) are counted exactly; "
        "larger ones under a time box",
        "preflight_timeout": "seconds the pre-flight of a large table may take, all its queries "
        "together",
    }
)
def review(
    c,
    format="text",
    json=False,
    no_round_trip=False,
    large_table_rows=1_000_000,
    static=False,
    since=None,
    fleet="",
    running_ref=None,
    preflight_exact_rows=1_000_000,
    preflight_timeout=30.0,
):
    """Pre-deploy checklist of the pending revisions; exit 1 when something blocks."""
    args = ["review", "--format", "json" if json else format, *_fleet(fleet)]
    args += ["--large-table-rows", str(large_table_rows)]
    if no_round_trip:
        args.append("--no-round-trip")
    if static:
        args.append("--static")
    if since:
        args += ["--since", since]
    if running_ref:
        args += ["--running-ref", running_ref]
    args += ["--preflight-exact-rows", str(preflight_exact_rows)]
    args += ["--preflight-timeout", str(preflight_timeout)]
    _common(c, *args)


@task
def embedded_stop(c):
    """Stop the embedded development PostgreSQL (its data folder is kept)."""
    _common(c, "embedded-stop")


@task
def db_url(c):
    """Print the database URL in use (password masked)."""
    _common(c, "db-url")


@task(help={"table": "only the indexes of this table (default: every table)"})
def indexes(c, table=None):
    """List indexes with size and scans; flag INVALID and duplicate ones (PostgreSQL)."""
    _common(c, "indexes", *(["--table", table] if table else []))


@task(help={"message": 'message of the merge revision (default "merge heads")'})
def merge(c, message="merge heads"):
    """Join several heads into one revision with the next sequential id."""
    _common(c, "merge", "--message", message)


@task(
    help={
        "upto": "the last revision to squash: it and every revision before it become one",
        "message": 'message of the squashed revision (default "squash <first>..<upto>")',
    }
)
def squash(c, upto, message=""):
    """Replace the revisions up to --upto by one revision, its schema proven equal."""
    _common(c, "squash", "--upto", upto, *(["--message", message] if message else []))


def _require_docker(c: Context) -> None:
    probe = c.run("docker info --format '{{.ServerVersion}}'", hide=True, warn=True)
    if probe is None or not probe.ok:
        raise Exit(
            "error: no Docker engine answers. Fix: start Docker, or leave DATABASE_URL unset "
            "to use the embedded PostgreSQL.",
            code=1,
        )


@task(help={"mariadb": "also start MariaDB (compose profile 'mariadb')"})
def db_up(c, mariadb=False):
    """Start the docker-compose PostgreSQL (and MariaDB) and wait until healthy."""
    _require_docker(c)
    profile = "--profile mariadb " if mariadb else ""
    c.run(f"docker compose {profile}up -d --wait")
    print("PostgreSQL: DATABASE_URL=postgresql://workbench:workbench@127.0.0.1:5432/workbench")


@task
def db_down(c):
    """Stop the docker-compose databases (their volumes are kept)."""
    _require_docker(c)
    c.run("docker compose --profile mariadb down")


@task(
    help={
        "pytest_args": 'extra arguments for pytest, e.g. "-m sqlite -x"',
        "quick": "the edit loop: one PostgreSQL, SQLite, no MariaDB, no command-line "
        "end-to-end tests (about 2 minutes)",
        "coverage": "measure line coverage of common/ (report on the terminal)",
    }
)
def test(c, pytest_args="", quick=False, coverage=False):
    """Run the whole test suite (the README's test command), or --quick while editing."""
    env = {}
    marks = ""
    if quick:
        env["TEST_EMBEDDED_POSTGRES"] = "0"
        marks = "-m 'not e2e and not mysql' "
    runner = "pytest"
    if coverage:
        env["COVERAGE_FILE"] = str(ROOT / ".coverage")  # one place, whatever the cwd
        runner = "python -m coverage run -m pytest"
    # worksteal: a worker that runs out of tests takes some from the other, so one slow
    # file at the end does not leave a core idle
    result = c.run(
        _synced(f"{runner} --numprocesses=auto --maxprocesses=4 --dist worksteal ")
        + marks
        + pytest_args,
        env=env,
        warn=True,
        pty=_interactive(),
    )
    if coverage and result is not None:
        c.run(_synced("python -m coverage combine --quiet"), warn=True)
        c.run(_synced("python -m coverage report --skip-covered --sort=cover"), warn=True)
    if result is None or result.exited != 0:
        raise Exit(code=result.exited if result is not None else 1)


DOCS_CONFIG = "docs/mkdocs.yml"


@task(help={"serve": "serve the site on http://127.0.0.1:8000, rebuilt on every edit"})
def docs(c, serve=False):
    """Build the reference site into docs/site (warnings are errors), or --serve it."""
    # ProperDocs is the maintained continuation of MkDocs 1.x (same config and plugins).
    # Never --quiet: it hides the warnings, and --strict then has nothing to fail on.
    verb = "serve" if serve else "build --strict"
    result = c.run(_synced(f"properdocs {verb} -f {DOCS_CONFIG}"), warn=True, pty=_interactive())
    if result is None or result.exited != 0:
        raise Exit(code=result.exited if result is not None else 1)
