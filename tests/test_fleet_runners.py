"""Several runners over one fleet, no coordinator: each target's own migration lock is the
claim, so every revision reaches every target exactly once, and a target whose lock
another session keeps is reported by name while the others are migrated."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from common.runner.lock import migration_lock
from tests.revision_files import EMPTY_MODELS, rev_id, spawn, write_revisions
from tests.test_fleet import create_schemas, plain, rows, tenant_history, write_fleet

TENANTS = 30
REVISIONS = 2


@pytest.mark.e2e
def test_three_runners_share_thirty_tenants(project, pg_url, tmp_path):
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, REVISIONS)
    tenants = [f"tenant_{n:02d}" for n in range(TENANTS)]
    create_schemas(pg_url, tenants)
    fleet = write_fleet(tmp_path / "fleet.toml", f'url = "{plain(pg_url)}"\nschemas = "tenant_*"')
    runners = [
        spawn(project, "update-db", "--fleet", str(fleet), "--parallel", "1") for _ in range(3)
    ]
    results = [(*p.communicate(timeout=300), p.returncode) for p in runners]
    results = [(code, out, err) for out, err, code in results]
    for code, out, err in results:
        assert code == 0, out + err
    expected = [(rev_id(n), "applied") for n in range(1, REVISIONS + 1)]
    for tenant in tenants:
        assert tenant_history(pg_url, tenant) == expected, tenant
    # every runner reports every target; each revision was applied by exactly one of them
    applied = [int(r[-1]) for _, out, _ in results for r in rows(out).values() if "applied" in r]
    assert sum(applied) == TENANTS * REVISIONS, [out for _, out, _ in results]
    assert all(out.count("tenant_") == TENANTS for _, out, _ in results)


def test_a_tenant_whose_lock_stays_taken_is_named_and_the_others_go_on(project, pg_url, tmp_path):
    project.write_models(EMPTY_MODELS)
    write_revisions(project.versions, 1)
    create_schemas(pg_url, ["held", "free"])
    fleet = write_fleet(tmp_path / "f.toml", f'url = "{plain(pg_url)}"\nschemas = ["held", "free"]')
    project.env["WORKBENCH_MIGRATION_LOCK_WAIT"] = "1"
    engine = create_engine(pg_url, poolclass=NullPool)
    try:
        with (
            engine.connect().execution_options(isolation_level="AUTOCOMMIT") as holder,
            migration_lock(holder, wait_seconds=0, schema="held"),
        ):
            result = project.run("update-db", "--fleet", str(fleet), "--parallel", "2")
    finally:
        engine.dispose()
    assert result.returncode == 1
    db = pg_url.database
    assert (
        f"✗ {db}.held: error: another runner still holds its migration lock after 1 s. Fix: "
        in result.stderr
    )
    assert tenant_history(pg_url, "free") == [("0001", "applied")]
    assert tenant_history(pg_url, "held") == []
