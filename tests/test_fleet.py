"""Fleets on real databases: tenant schemas of one PostgreSQL database, and a list of
databases (PostgreSQL, SQLite, MariaDB), through the command's in-process entry.

What is asserted is what lands in each target (its own tables, ``alembic_version`` and
``alembic_history``) and the line each failing target gets, never with a password.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, inspect, select, text
from sqlalchemy.pool import NullPool
from sqlalchemy.schema import CreateSchema

from common.runner.history import history_table
from tests.revision_files import EMPTY_MODELS, rev_id, write_revision, write_revisions

PASSWORD = "s3cret-pw"


def create_schemas(url: URL, names: list[str]) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        for name in names:
            conn.execute(CreateSchema(name))
    engine.dispose()


def tenant_history(url: URL, schema: str | None) -> list[tuple[str, str]]:
    """(revision, status) of a tenant's alembic_history, oldest first."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(history_table.name, schema=schema):
                return []
            scoped = conn.execution_options(schema_translate_map={None: schema})
            query = select(history_table.c.revision, history_table.c.status)
            return [tuple(r) for r in scoped.execute(query.order_by(history_table.c.id))]
    finally:
        engine.dispose()


def tables_in(url: URL, schema: str | None = None) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        return set(inspect(engine).get_table_names(schema=schema))
    finally:
        engine.dispose()


def write_fleet(path: Path, *entries: str) -> Path:
    path.write_text("\n".join(f"[[target]]\n{entry}\n" for entry in entries))
    return path


def rows(stdout: str) -> dict[str, list[str]]:
    """A printed fleet table as {target: its other columns, split on blanks}."""
    lines = [line.split() for line in stdout.splitlines() if line.strip()]
    return {cells[0]: cells[1:] for cells in lines if len(cells) > 1}


def plain(url: URL) -> str:
    return url.render_as_string(hide_password=False)


@pytest.fixture
def fleet_project(project):
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, 3)
    return project


def test_update_db_over_tenant_schemas(fleet_project, pg_url, tmp_path, monkeypatch):
    tenants = [f"tenant_{n}" for n in range(1, 5)]
    create_schemas(pg_url, [*tenants, "other"])
    monkeypatch.setenv("FLEET_PW", PASSWORD)
    fleet = write_fleet(
        tmp_path / "fleet.toml",
        f'url = "{plain(pg_url)}"\nschemas = ["tenant_*", "tenant_missing"]',
        f'name = "again"\nurl = "{plain(pg_url)}"\nschemas = "tenant_2"',
        'name = "down"\nurl = "postgresql://deploy:${FLEET_PW}@127.0.0.1:1/app"',
    )
    first = fleet_project.run("update-db", "--fleet", str(fleet), "--parallel", "2")

    assert first.returncode == 1, first.output
    assert PASSWORD not in first.output
    for tenant in tenants:
        assert tables_in(pg_url, tenant) >= {"t1", "t2", "t3", "alembic_version"}
        expected = [(rev_id(n), "applied") for n in range(1, 4)]
        assert tenant_history(pg_url, tenant) == expected
    assert tables_in(pg_url, "other") == set() and tables_in(pg_url) == set()
    database = pg_url.database
    err = first.stderr
    assert (
        f"✗ {database}.tenant_missing: error: the schema tenant_missing does not exist in "
        f"database {database}. Fix: create it, or correct its name in the fleet file." in err
    )
    assert f"✗ again.tenant_2: error: the same database and schema as {database}.tenant_2" in err
    assert "✗ down: error: cannot connect to postgresql+psycopg://deploy:***@127.0.0.1:1/app" in err
    assert "Fix: check that the server runs and that the target's url (host, port," in err
    assert rows(first.stdout)[f"{database}.tenant_3"][:2] == ["base", "0003"]
    assert rows(first.stdout)["down"][-1] == "failed"
    assert "4 of 7 target(s) at head, 12 revision(s) applied, 3 failed." in err

    # a rerun does only what is pending: a new revision everywhere, a new tenant from base
    write_revision(fleet_project.versions, 4)
    create_schemas(pg_url, ["tenant_5"])
    good = write_fleet(tmp_path / "good.toml", f'url = "{plain(pg_url)}"\nschemas = "tenant_*"')
    second = fleet_project.run("update-db", "--fleet", str(good))
    assert second.returncode == 0, second.output
    summary = rows(second.stdout)
    assert summary[f"{database}.tenant_1"][:2] == ["0003", "0004"]
    assert summary[f"{database}.tenant_1"][-2:] == ["applied", "1"]
    assert summary[f"{database}.tenant_5"][:2] == ["base", "0004"]
    for tenant in [*tenants, "tenant_5"]:
        assert tenant_history(pg_url, tenant) == [(rev_id(n), "applied") for n in range(1, 5)]

    third = fleet_project.run("update-db", "--fleet", str(good))
    assert third.returncode == 0 and third.stdout.count("up to date") == 5, third.output


def test_status_matrix_and_a_tenant_ahead_of_the_code(fleet_project, pg_url, tmp_path):
    create_schemas(pg_url, ["acme", "bolt", "crux"])
    names = 'schemas = ["acme", "bolt", "crux"]'
    fleet = write_fleet(tmp_path / "f.toml", f'url = "{plain(pg_url)}"\n{names}')
    engine = create_engine(pg_url, poolclass=NullPool)
    acme = pg_url.update_query_dict({"options": "-csearch_path=acme"})
    fleet_project.use_database(acme)
    fleet_project.ok("update-db")  # one tenant at head, through a single-target run
    fleet_project.env["WORKBENCH_TENANT_SCHEMA"] = "bolt"
    fleet_project.use_database(pg_url)
    fleet_project.ok("update-db", "--revision", "0001")
    with engine.begin() as conn:  # crux: at a revision this code does not have
        conn.execute(text("CREATE TABLE crux.alembic_version (version_num varchar(32))"))
        conn.execute(text("INSERT INTO crux.alembic_version VALUES ('0999')"))
    engine.dispose()
    del fleet_project.env["WORKBENCH_TENANT_SCHEMA"]

    status = fleet_project.run("status", "--fleet", str(fleet))
    row = rows(status.stdout)
    db = pg_url.database
    assert row[f"{db}.acme"] == ["0003", "✓", "✓"]
    assert row[f"{db}.bolt"] == ["0001", "·", "·"]
    assert " ".join(row[f"{db}.crux"]).startswith("0999 ahead of the code: at 0999")
    assert "1 older revision(s) applied on every readable target are not shown." in status.stdout
    assert status.returncode == 1  # a target ahead of the code needs attention

    update = fleet_project.run("update-db", "--fleet", str(fleet))
    assert update.returncode == 1
    assert f"✗ {db}.crux: error: the database is at revision 0999, which no script" in (
        update.stderr
    )
    assert tenant_history(pg_url, "bolt") == [(rev_id(n), "applied") for n in range(1, 4)]


def test_a_failing_revision_stops_only_its_target(fleet_project, pg_url, tmp_path):
    create_schemas(pg_url, ["t_a", "t_b"])
    with create_engine(pg_url, poolclass=NullPool).begin() as conn:
        conn.execute(text("CREATE TABLE t_b.t2 (id int)"))  # 0002 will fail on t_b
    fleet = write_fleet(tmp_path / "f.toml", f'url = "{plain(pg_url)}"\nschemas = "t_*"')
    result = fleet_project.run("update-db", "--fleet", str(fleet), "--parallel", "1")
    assert result.returncode == 1
    db = pg_url.database
    assert f"✗ {db}.t_b: error: applying revision 0002_rev_2 failed: " in result.stderr
    assert rows(result.stdout)[f"{db}.t_b"][:2] == ["base", "0001"]
    assert tenant_history(pg_url, "t_a") == [(rev_id(n), "applied") for n in range(1, 4)]
    assert tenant_history(pg_url, "t_b") == [("0001", "applied"), ("0002", "rolled_back")]
    status = fleet_project.run("status", "--fleet", str(fleet))
    assert rows(status.stdout)[f"{db}.t_b"] == ["0001", "✗", "·"], status.stdout


def test_a_list_of_databases_of_every_kind(fleet_project, pg_pair, mysql_url, tmp_path):
    lite = tmp_path / "app.db"
    fleet = write_fleet(
        tmp_path / "f.toml",
        *(f'url = "{plain(url)}"' for url in pg_pair),
        f'name = "lite"\nurl = "sqlite:///{lite}"',
        f'name = "maria"\nurl = "{plain(mysql_url)}"',
    )
    result = fleet_project.run("update-db", "--fleet", str(fleet), "--parallel", "2")
    assert result.returncode == 0, result.output
    lite_url = URL.create("sqlite", database=str(lite))
    for url in [*pg_pair, lite_url, mysql_url]:
        assert tables_in(url) >= {"t1", "t2", "t3", "alembic_history"}
        assert tenant_history(url, None) == [(rev_id(n), "applied") for n in range(1, 4)]
    assert "4 of 4 target(s) at head, 12 revision(s) applied." in result.stderr
    status = fleet_project.run("status", "--fleet", str(fleet))
    assert status.returncode == 0 and status.stdout.count("up to date") == 4, status.output


def test_a_fleet_file_that_does_not_parse_touches_nothing(fleet_project, pg_url, tmp_path):
    fleet = tmp_path / "f.toml"
    fleet.write_text(f'[[target]]\nurl = "{plain(pg_url)}"\n[[target]]\nurl = "sqlite:///x.db\n')
    result = fleet_project.run("update-db", "--fleet", str(fleet))
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: the fleet file f.toml does not parse as TOML: ")
    assert "nothing was touched" in line
    assert tables_in(pg_url) == set()


def test_review_checks_each_target_and_reviews_the_revisions_once(fleet_project, pg_url, tmp_path):
    import json

    create_schemas(pg_url, ["t_a", "t_b"])
    only_a = write_fleet(tmp_path / "a.toml", f'url = "{plain(pg_url)}"\nschemas = "t_a"')
    fleet_project.ok("update-db", "--fleet", str(only_a))
    first = fleet_project.revision_files()[0]
    first.write_text(first.read_text() + "\n# edited after it was applied to t_a\n")
    volatile = (
        'op.add_column("t1", sa.Column("x", sa.Integer, nullable=False, '
        'server_default=sa.text("random()")))'
    )
    write_revision(
        fleet_project.versions, 4, upgrade=volatile, downgrade='op.drop_column("t1", "x")'
    )
    fleet = write_fleet(
        tmp_path / "f.toml",
        f'url = "{plain(pg_url)}"\nschemas = "t_*"',
        'name = "gone"\nurl = "postgresql://u:pw@127.0.0.1:1/app"',
    )
    result = fleet_project.run("review", "--fleet", str(fleet), "--json", "--no-round-trip")
    assert result.returncode == 1, result.output
    report = json.loads(result.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    db = pg_url.database
    assert checks["Checksums on every target"]["status"] == "failed"
    edited, never_run = checks["Checksums on every target"]["details"]
    assert edited == f"{db}.t_a: 0001_rev_1.py was edited after it was applied (checksum differs)"
    assert never_run.startswith(f"{db}.t_b: the database has no alembic_history table")
    assert checks["Impact on each target (locks, rewrites, size)"]["summary"].startswith(
        "2 of 2 target(s) passed"
    )
    reached = checks["Every target reachable and not ahead of the code"]
    assert reached["status"] == "failed" and reached["details"][0].startswith(
        "gone: cannot connect"
    )
    rules = [f["rule"] for f in report["findings"]]
    assert rules.count("adding-field-with-volatile-default") == 1  # once, not once per target


def test_review_connects_once_to_a_target_with_nothing_pending(
    fleet_project, pg_url, tmp_path, monkeypatch
):
    """A target at head has nothing to weigh or count: the connection that reads where it
    stands answers all its checks. One behind gets a second, after the analysis."""
    import json

    from common.fleet import review as fleet_review

    create_schemas(pg_url, ["t_head", "t_behind"])
    head = write_fleet(tmp_path / "h.toml", f'url = "{plain(pg_url)}"\nschemas = "t_head"')
    fleet_project.ok("update-db", "--fleet", str(head))
    fleet = write_fleet(tmp_path / "f.toml", f'url = "{plain(pg_url)}"\nschemas = "t_*"')
    opened: list[str] = []
    real = fleet_review.connect

    def counted(target, settings):
        opened.append(settings.tenant_schema)
        return real(target, settings)

    monkeypatch.setattr(fleet_review, "connect", counted)
    result = fleet_project.run("review", "--fleet", str(fleet), "--json", "--no-round-trip")
    assert result.returncode == 0, result.output
    assert sorted(opened) == ["t_behind", "t_behind", "t_head"]
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    for name in (
        "Data pre-flight on every target: rows that would fail update-db",
        "Impact on each target (locks, rewrites, size)",
    ):
        assert checks[name]["summary"].startswith("2 of 2 target(s) passed"), checks[name]
    [never_run] = checks["Checksums on every target"]["details"]  # t_head's match
    assert never_run.startswith(f"{pg_url.database}.t_behind: the database has no alembic_history")


def test_review_runs_the_data_preflight_on_each_target(
    fleet_project, pg_url, tmp_path, monkeypatch
):
    """The same pending NOT NULL fails on one tenant's rows and passes on the other's: the
    finding names the tenant and its count, the folded item names that tenant alone. The
    two targets are read side by side: each read waits for the other to start (a barrier),
    which a review reading one target after the other never passes."""
    import json
    import threading

    from common.fleet import review as fleet_review

    both = threading.Barrier(2, timeout=20)
    real = fleet_review._per_target

    def side_by_side(*args):
        both.wait()
        return real(*args)

    create_schemas(pg_url, ["t_clean", "t_nulls"])
    fleet = write_fleet(tmp_path / "f.toml", f'url = "{plain(pg_url)}"\nschemas = "t_*"')
    write_revision(
        fleet_project.versions,
        4,
        upgrade='op.create_table("note", sa.Column("id", sa.Integer, primary_key=True), '
        'sa.Column("body", sa.Text))',
        downgrade='op.drop_table("note")',
    )
    fleet_project.ok("update-db", "--fleet", str(fleet))
    engine = create_engine(pg_url, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t_clean.note VALUES (1, 'a'), (2, 'b')"))
        conn.execute(text("INSERT INTO t_nulls.note VALUES (1, 'a'), (7, NULL), (9, NULL)"))
    engine.dispose()
    write_revision(
        fleet_project.versions,
        5,
        upgrade='op.alter_column("note", "body", existing_type=sa.Text, nullable=False)',
        downgrade='op.alter_column("note", "body", existing_type=sa.Text, nullable=True)',
    )
    monkeypatch.setattr(fleet_review, "_per_target", side_by_side)
    result = fleet_project.run("review", "--fleet", str(fleet), "--json", "--no-round-trip")
    assert result.returncode == 1 and "Traceback" not in result.output, result.output
    report = json.loads(result.stdout)
    check = {c["name"]: c for c in report["checks"]}[
        "Data pre-flight on every target: rows that would fail update-db"
    ]
    db = pg_url.database
    assert check["status"] == "failed"
    assert check["summary"].startswith(f"1 of 2 target(s) passed; first: {db}.t_nulls: 1 of 1")
    assert [(row["target"], row["rows"], row["sample_keys"]) for row in check["data"]] == [
        (f"{db}.t_nulls", 2, ["id=7", "id=9"])
    ]
    [finding] = [f for f in report["findings"] if f["rule"] == "data-preflight"]
    assert finding["revision"] == "0005_rev_5"
    assert finding["message"].startswith(
        f"{db}.t_nulls: 2 row(s) of note(body) hold NULL and would fail the new NOT NULL; "
        "sample keys: id=7, id=9; time-boxed scan (no statistics"  # never analysed
    )


def test_a_preflight_bound_that_makes_no_sense_is_refused_before_connecting(
    fleet_project, tmp_path
):
    fleet = write_fleet(tmp_path / "f.toml", 'url = "sqlite:///never-opened.db"')
    result = fleet_project.run("review", "--fleet", str(fleet), "--preflight-timeout", "0")
    assert result.returncode == 1
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --preflight-exact-rows must be 0 or more and --preflight-timeout more than 0. "
        "Fix: give e.g. --preflight-exact-rows 1000000 --preflight-timeout 30."
    )
    assert not (fleet_project.root / "never-opened.db").exists()


def test_a_schema_name_that_needs_quoting(fleet_project, pg_url, tmp_path):
    """The search_path option quotes the name and escapes its blank for libpq."""
    create_schemas(pg_url, ["Acme Co", "acme"])
    fleet = write_fleet(tmp_path / "f.toml", f'url = "{plain(pg_url)}"\nschemas = ["Acme Co"]')
    result = fleet_project.run("update-db", "--fleet", str(fleet), "--parallel", "1")
    assert result.returncode == 0, result.output
    assert tenant_history(pg_url, "Acme Co") == [(rev_id(n), "applied") for n in range(1, 4)]
    assert tables_in(pg_url, "acme") == set() and tables_in(pg_url) == set()


def test_the_static_review_takes_no_fleet(fleet_project, tmp_path):
    fleet = write_fleet(tmp_path / "f.toml", 'url = "sqlite:///never-opened.db"')
    result = fleet_project.run("review", "--fleet", str(fleet), "--static")
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == (
        "error: --static reviews the revision files without any database, so it takes no "
        "--fleet. Fix: drop --fleet (the static review is the same for every target), or "
        "drop --static."
    )
    assert not (tmp_path / "never-opened.db").exists()
