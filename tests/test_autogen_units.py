"""The pure parts of the comparators: expression normalization, enum steps, casts."""

from __future__ import annotations

import pytest
from sqlalchemy import Enum, Integer, Numeric, String, Text, Uuid
from sqlalchemy.dialects import mysql, postgresql
from sqlmodel.sql.sqltypes import AutoString

from common.autogen.check_constraints import normalize
from common.autogen.enums import value_changes
from common.autogen.types import NO_CAST, _length_differs, cast_for
from common.ops.enums import AddEnumValueOp, SwapEnumTypeOp

PG = postgresql.dialect()


@pytest.mark.parametrize(
    ("model", "database"),
    [
        ("price > 0", "(price > (0)::numeric)"),
        ("price > 0 AND qty >= 1", "((price > (0)::numeric) AND (qty >= 1))"),
        (
            "kind IN ('a', 'b')",
            "((kind)::text = ANY ((ARRAY['a'::character varying, "
            "'b'::character varying])::text[]))",
        ),
        ("kind NOT IN ('a')", "((kind)::text <> ALL ((ARRAY['a'::character varying])::text[]))"),
        ("price BETWEEN 1 AND 10", "((price >= (1)::numeric) AND (price <= (10)::numeric))"),
        ("kind != 'x' OR qty IS NULL", "(((kind)::text <> 'x'::text) OR (qty IS NULL))"),
        ("`qty` > 0", '"qty" > 0'),
    ],
)
def test_normalize_folds_what_databases_rewrite(model, database):
    assert normalize(model) == normalize(database)


@pytest.mark.parametrize(
    ("a", "b"),
    [("price > 0", "price > 1"), ("kind = 'A'", "kind = 'a'"), ("a IN ('x')", "a IN ('y')")],
)
def test_normalize_keeps_real_differences(a, b):
    assert normalize(a) != normalize(b)


def test_added_values_are_placed_in_model_order():
    steps = value_changes("status", ["todo", "done"], ["new", "todo", "doing", "done", "gone"])
    assert [(s.value, s.before, s.after) for s in steps] == [
        ("new", "todo", None),
        ("doing", "done", None),
        ("gone", None, "done"),
    ]
    assert all(isinstance(s, AddEnumValueOp) for s in steps)
    reverse = steps[1].reverse()
    assert (reverse.values, reverse.existing_values) == (
        ["new", "todo", "done"],
        ["new", "todo", "doing", "done"],
    )


@pytest.mark.parametrize(
    ("old", "new"), [(["a", "b", "c"], ["a", "c"]), (["a", "b"], ["b", "a"]), (["a"], ["b"])]
)
def test_removed_or_reordered_values_swap_the_type(old, new):
    [step] = value_changes("t", old, new)
    assert isinstance(step, SwapEnumTypeOp)
    assert (step.values, step.existing_values) == (new, old)
    assert value_changes("t", old, old) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (String(20), Integer(), "code::INTEGER"),
        (Integer(), String(20), None),
        (Integer(), Numeric(10, 2), None),
        (String(20), Enum("a", "b", name="kind"), "code::text::kind"),
        (String(36), Uuid(), "code::UUID"),
        (Integer(), Uuid(), NO_CAST),
        (Uuid(), Integer(), NO_CAST),
    ],
)
def test_casts_postgresql_needs(old, new, expected):
    assert cast_for(old, new, "code", PG) == expected


def test_unbounded_varchar_to_bounded_is_a_difference():
    assert _length_differs(postgresql.VARCHAR(), AutoString(50), PG)
    assert not _length_differs(postgresql.VARCHAR(50), AutoString(50), PG)
    assert not _length_differs(Text(), postgresql.TEXT(), PG)


def test_autostring_without_a_length_is_varchar_255_on_mysql():
    """What SQLModel creates there: reflected VARCHAR(255) is no difference."""
    assert not _length_differs(mysql.VARCHAR(255), AutoString(), mysql.dialect())
    assert _length_differs(mysql.VARCHAR(100), AutoString(), mysql.dialect())
    assert _length_differs(postgresql.VARCHAR(255), AutoString(), PG)
