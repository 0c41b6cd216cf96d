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
        ("sqlite://", "in-memory SQLite database"),
        ("postgresql://u@[::1/db", "an IPv6 host without its closing ]"),
        ("postgresql://u@[::1:5432/db", "an IPv6 host without its closing ]"),
        ("postgresql://u@host:abc/db", "a port that is not a number"),
        ("postgresql://u@[::1]:x/db", "a port that is not a number"),
        ("mysql://root@127.0.0.1:3306x/test", "a port that is not a number"),
        ("postgresql://u@host:99999/db", "a port outside 1-65535"),
        ("postgresql://u@host:0/db", "a port outside 1-65535"),
        ("postgresql://u@host:-1/db", "a port outside 1-65535"),
        ("postgresql+psycopg2://u:p@h/db", "names the driver 'postgresql+psycopg2'"),
        ("postgresql+asyncpg://u:p@h/db", "which the workbench does not install"),
        ("mysql+mysqldb://u:p@h/db", "names the driver 'mysql+mysqldb'"),
        ("sqlite:///:memory:", "in-memory SQLite database"),
        ("sqlite:///file::memory:?uri=true", "in-memory SQLite database"),
        ("sqlite:///file:app?mode=memory&uri=true", "in-memory SQLite database"),
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


def test_a_password_holding_an_at_sign_is_never_printed():
    """The last ``@`` ends the user part (as urllib reads it): no password text in the host."""
    url = parse_url("postgresql://u:Sup3r@S3cret@host/db")
    assert (url.password, url.host, url.database) == ("Sup3r@S3cret", "host", "db")
    assert mask_url(url) == "postgresql+psycopg://u:***@host/db"
    assert mask_url("postgresql://u:Sup3r@S3cret@host/db") == "postgresql://u:***@host/db"
    error = RuntimeError("connection to u:Sup3r@S3cret@host failed")
    assert "S3cret" not in driver_message(error, url)


def test_password_text_in_the_port_position_is_one_line():
    with pytest.raises(ConfigurationError) as caught:
        parse_url("postgresql://u:pw@host:Sup3rS3cret/db")
    line = caught.value.one_line()
    assert "port that is not a number" in line and "Fix:" in line
    assert "Sup3rS3cret" not in line


@pytest.mark.parametrize(
    ("raw", "said", "not_said"),
    [
        ("postgresql://u@host:abc/db", "a port that is not a number", "IPv6"),
        ("postgresql://u@[::1:5432/db", "IPv6 host without its closing ]", "port"),
    ],
)
def test_a_bad_port_and_an_unclosed_ipv6_host_are_told_apart(raw, said, not_said):
    """One message used to offer both causes; the user had to guess which."""
    with pytest.raises(ConfigurationError) as caught:
        parse_url(raw)
    problem = caught.value.one_line().split(" Fix:")[0]
    assert said in problem and not_said not in problem
