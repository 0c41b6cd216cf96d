"""Every mistake a user can make gives one clear line, a non-zero exit, no traceback,
no partial change and never a password."""

from __future__ import annotations

import re

import pytest

from tests.test_end_to_end import MODELS_V1

# The real command line (e2e) where the path runs through what only a new process does:
# settings and URLs read from its environment and .env, connecting (the driver's own
# output), importing the models or a revision file, starting the embedded server. The
# revision-logic mistakes (messages, heads, unknown or missing revisions) run in-process:
# ``ScratchProject.run`` calls the same ``common.cli.main`` and prints an escaped
# exception's traceback as the interpreter would, so the one-line check holds the same.
E2E = pytest.mark.e2e

SECRET = "s3cretPassw0rd"


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode != 0, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert SECRET not in result.output


@pytest.fixture
def sqlite_project(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models(MODELS_V1)
    return project


@E2E
@pytest.mark.parametrize(
    "url",
    [f"not a url with {SECRET}", f"postgresql//user:{SECRET}@host/db", f"oracle://u:{SECRET}@h/db"],
)
def test_malformed_database_url(project, url):
    project.write_models(MODELS_V1)
    project.use_database(url)
    result = project.run("status")
    assert_one_line_error(result, "DATABASE_URL")


@E2E
def test_unreachable_database_masks_password(project):
    project.write_models(MODELS_V1)
    project.use_database(f"postgresql://bob:{SECRET}@127.0.0.1:1/app")
    result = project.run("create-migration", "Anything")
    assert_one_line_error(result, "cannot connect to", "bob:***@127.0.0.1:1/app", "Fix:")
    assert project.revision_files() == []


@E2E
def test_wrong_password_masks_password(project, mysql_url):
    project.write_models(MODELS_V1)
    project.use_database(mysql_url.set(username="nobody_here", password=SECRET))
    result = project.run("status")
    assert_one_line_error(result, "cannot connect to", "nobody_here:***@")


@E2E
def test_models_that_fail_to_import(project, sqlite_url):
    project.use_database(sqlite_url)
    project.write_models("import enum\nfrom sqlmodel import Fieldd\n")
    result = project.run("create-migration", "Anything")
    assert_one_line_error(result, "scratch_models failed to import", "ImportError", "Fieldd")
    assert project.revision_files() == []


@pytest.mark.parametrize("message", ["", "   ", "\t"])
def test_empty_message(sqlite_project, message):
    result = sqlite_project.run("create-migration", message)
    assert_one_line_error(result, "message is empty")
    assert sqlite_project.revision_files() == []


@pytest.mark.parametrize("message", ["../../..", "///", "Add\nthings", "nul\x00byte"[:3] + "\x01"])
def test_message_that_makes_an_unsafe_file_name(sqlite_project, message):
    result = sqlite_project.run("create-migration", message)
    assert_one_line_error(result, "message")
    assert sqlite_project.revision_files() == []


def test_database_behind_head_is_refused(sqlite_project):
    sqlite_project.ok("create-migration", "Create owners and tickets")
    result = sqlite_project.run("create-migration", "Second")
    assert_one_line_error(result, "behind head", "update-db")
    assert len(sqlite_project.revision_files()) == 1


def test_several_heads(sqlite_project):
    sqlite_project.ok("create-migration", "First", "--empty")
    sqlite_project.ok("create-migration", "Second", "--empty")
    second = sqlite_project.revision_files()[1]
    source = re.sub(r"^down_revision.*$", "down_revision = None", second.read_text(), flags=re.M)
    second.write_text(source)
    for command in (["update-db"], ["create-migration", "Third"], ["status"]):
        result = sqlite_project.run(*command)
        assert_one_line_error(result, "2 heads", "uvx invoke merge")
    assert len(sqlite_project.revision_files()) == 2


@pytest.mark.parametrize(
    "command",
    [["downgrade", "--revision", "9999"], ["stamp", "nope"], ["update-db", "--revision", "abc"]],
)
def test_unknown_revision(sqlite_project, command):
    sqlite_project.ok("create-migration", "First", "--empty")
    result = sqlite_project.run(*command)
    assert_one_line_error(result, "unknown revision")


@E2E
def test_revision_file_that_fails_to_import(sqlite_project):
    sqlite_project.ok("create-migration", "First", "--empty")
    path = sqlite_project.revision_files()[0]
    path.write_text(path.read_text() + "\nraise RuntimeError('broken on purpose')\n")
    result = sqlite_project.run("update-db")
    assert_one_line_error(result, "fails to import", "broken on purpose", path.name)


def test_database_ahead_of_the_code(sqlite_project):
    sqlite_project.ok("create-migration", "First", "--empty")
    sqlite_project.ok("update-db")
    sqlite_project.revision_files()[0].unlink()
    result = sqlite_project.run("update-db")
    assert_one_line_error(result, "0001", "ahead")


@E2E
@pytest.mark.parametrize(
    ("dot_env", "environ", "fragment"),
    [
        ("", {"DATABASE_URL": ""}, "DATABASE_URL is set but empty"),
        (f'DATABASE_URL="postgresql://u:{SECRET}@h/db\n', {}, ".env line 1 does not parse"),
        ("", {"WORKBENCH_LOCK_RETRIES": "-1"}, "WORKBENCH_LOCK_RETRIES is invalid"),
    ],
)
def test_unusable_settings_never_fall_back_to_the_embedded_database(
    project, dot_env, environ, fragment
):
    """An unset CI secret or a broken .env used to send update-db to the embedded database."""
    project.write_models(MODELS_V1)
    (project.root / ".env").write_text(dot_env)
    project.env.update(environ)
    result = project.run("update-db")
    assert_one_line_error(result, fragment)
    assert not (project.root / ".pgdata").exists()


@E2E
def test_a_driver_option_the_driver_chokes_on(project, mysql_url):
    """PyMySQL raises AttributeError for an unknown charset: still one line, no traceback."""
    project.write_models(MODELS_V1)
    project.use_database(mysql_url.update_query_dict({"charset": "bogus"}))
    result = project.run("status")
    assert_one_line_error(result, "cannot connect to", "the driver failed", "options after ?")


@E2E
def test_a_file_that_is_not_a_database(project, tmp_path):
    (tmp_path / "notes.db").write_text("these are my notes, not a database\n")
    project.write_models(MODELS_V1)
    project.use_database(f"sqlite:///{tmp_path / 'notes.db'}")
    result = project.run("status")
    assert_one_line_error(result, "file is not a database", "Fix:")


@E2E
def test_an_embedded_server_that_does_not_start_is_one_line(project, tmp_path):
    """It printed pg_ctl's command line and output, 20 lines, before the error."""
    (tmp_path / "pgdata").write_text("a file where the data folder should be\n")
    project.write_models(MODELS_V1)
    project.use_database(None)
    project.env["WORKBENCH_PGDATA"] = str(tmp_path / "pgdata")
    result = project.run("status")
    assert_one_line_error(result, "the embedded PostgreSQL", "did not start", "Fix:")
    assert len(result.output.strip().splitlines()) == 1, result.output
