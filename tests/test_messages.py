"""Migration messages and --rename hints are checked before anything runs."""

from __future__ import annotations

import pytest

from common.autogen.enum_value_renames import parse_value_renames
from common.commands.generate import parse_renames, validate_message
from common.errors import InvalidInputError


def test_message_is_stripped():
    assert validate_message("  Add priority to tasks ") == "Add priority to tasks"


@pytest.mark.parametrize("message", ["", " ", None, "!!!", "../..", "a\nb", "x\x00"])
def test_unusable_messages(message):
    with pytest.raises(InvalidInputError):
        validate_message(message)


def test_rename_hints():
    assert parse_renames(["task.title=name", "task=todo"]) == {"task.title": "name", "task": "todo"}


@pytest.mark.parametrize("hint", ["task.title", "=x", "a.b.c=d", "task.title=na me"])
def test_bad_rename_hints(hint):
    with pytest.raises(InvalidInputError) as caught:
        parse_renames([hint])
    assert "--rename" in caught.value.one_line()


def test_value_rename_hints():
    assert parse_value_renames(["status.doing=in progress", "billing.status.a=b"]) == {
        (None, "status"): {"doing": "in progress"},
        ("billing", "status"): {"a": "b"},
    }


@pytest.mark.parametrize("hint", ["status.doing", "doing=done", "a.b.c.d=e", "status.a=b=c"])
def test_bad_value_rename_hints(hint):
    with pytest.raises(InvalidInputError) as caught:
        parse_value_renames([hint])
    assert caught.value.one_line().startswith(f"error: --rename-value {hint!r} is not of the form")
