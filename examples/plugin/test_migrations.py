"""Our migrations, tested with the workbench's pytest plugin: no conftest needed."""

from common.testing.checks import (  # noqa: F401  (collected as tests)
    test_all_models_register,
    test_models_match_head,
    test_single_head,
    test_up_down_up_with_rows,
)


def test_done_becomes_status(data_migration):
    # rows inserted at 0001, checked at 0002, and given back by the downgrade to 0001
    data_migration(
        at="0001",
        insert={
            "task": [
                {"id": 1, "title": "write", "done": True},
                {"id": 2, "title": "test", "done": False},
            ]
        },
        upgrade_to="0002",
        expect={"task": [{"id": 1, "status": "done"}, {"id": 2, "status": "todo"}]},
    )


def test_new_rows_at_head(workbench_db, migrate_to):
    migrate_to("head")
    workbench_db.insert({"task": [{"title": "ship", "status": "todo"}]})
    assert workbench_db.rows("task", "title") == [{"title": "ship"}]
    migrate_to("base")
    assert workbench_db.current() == ()
