"""URL parsing, driver defaults and masking: no database needed."""

from __future__ import annotations

import pytest

from common.database import driver_message, mask_url, parse_url
from common.errors import ConfigurationError


@pytest.mark.parametrize(
    ("raw", "drivername"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg"),
        ("postgres://u:p@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("mysql://root@127.0.0.1:3306/test", "mysql+pymysql"),
        ("mariadb://root@127.0.0.1/test", "mariadb+pymysql"),
        ("sqlite:///file.db", "sqlite"),
        ("sqlite://", "sqlite"),
    ],
)
def test_parse_url_picks_the_installed_driver(raw, drivername):
    assert parse_url(raw).drivername == drivername


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "not a database URL"),
        ("localhost:5432/db", "not a database URL"),
        ("oracle://u:p@h/db", "does not support"),
        ("postgresql://u:p@h", "names no database"),
    ],
)
def test_parse_url_rejects_with_a_fix(raw, problem):
    with pytest.raises(ConfigurationError) as caught:
        parse_url(raw)
    assert problem in caught.value.one_line()
    assert "Fix:" in caught.value.one_line()
    assert ":p@" not in caught.value.one_line()


def test_mask_url_hides_the_password():
    assert mask_url("postgresql://app:hunter2@db:5432/prod") == "postgresql://app:***@db:5432/prod"
    assert "hunter2" not in mask_url("not a url app:hunter2@db")


def test_driver_message_scrubs_the_password():
    url = parse_url("postgresql://app:hunter2@db/prod")
    error = RuntimeError('connection to "postgresql://app:hunter2@db/prod" failed: hunter2')
    message = driver_message(error, url)
    assert "hunter2" not in message
    assert "app:***@db" in message
