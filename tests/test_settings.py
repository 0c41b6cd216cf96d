"""Settings that cannot be used are refused with one line naming the variable: no database.

A half-read ``.env`` or an empty DATABASE_URL used to fall back to the embedded database
silently; a negative retry count made update-db do nothing and exit 0.
"""

from __future__ import annotations

import pytest

from common.config import load_settings
from common.errors import ConfigurationError


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "WORKBENCH_LOCK_RETRIES", "WORKBENCH_BATCH_SIZE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / ".env"


def _refused(env_file, **values) -> str:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(env_file, project_dir=env_file.parent, **values)
    line = caught.value.one_line()
    assert "Fix:" in line and "\n" not in line
    return line


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("WORKBENCH_LOCK_RETRIES", "-1", "greater than or equal to 0"),
        ("WORKBENCH_LOCK_RETRIES", "three", "valid integer"),
        ("WORKBENCH_BATCH_SIZE", "0", "greater than or equal to 1"),
        ("DATABASE_URL", "", "set but empty"),
        ("DATABASE_URL", "   ", "set but empty"),
    ],
)
def test_a_value_out_of_range_names_its_variable(clean_env, monkeypatch, variable, value, problem):
    monkeypatch.setenv(variable, value)
    line = _refused(clean_env)
    assert f"the setting {variable} is invalid" in line and problem in line


def test_an_empty_database_url_in_dot_env_is_refused(clean_env):
    clean_env.write_text('DATABASE_URL=""\n')
    assert "DATABASE_URL is invalid: DATABASE_URL is set but empty" in _refused(clean_env)


def test_an_unterminated_quote_in_dot_env_is_refused(clean_env):
    clean_env.write_text('WORKBENCH_LOCK_RETRIES=2\nDATABASE_URL="postgresql://u:pw@h/db\n')
    line = _refused(clean_env)
    assert ".env line 2 does not parse" in line
    assert "pw@h" not in line


def test_dot_env_that_is_not_utf8_is_refused(clean_env):
    clean_env.write_bytes(b"DATABASE_URL=sqlite:///caf\xe9.db\n")
    assert ".env is not UTF-8" in _refused(clean_env)


def test_a_good_dot_env_is_read(clean_env):
    clean_env.write_text('DATABASE_URL="sqlite:///app.db"\nWORKBENCH_LOCK_RETRIES=0\n')
    settings = load_settings(clean_env, project_dir=clean_env.parent)
    assert (settings.database_url, settings.lock_retries) == ("sqlite:///app.db", 0)
