from __future__ import annotations

from pathlib import Path

import pytest

from supportbot.core.errors import ConfigError
from supportbot.core.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith(("SUPPORTBOT_", "SLACK_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_put_everything_under_home(monkeypatch):
    s = load_settings()
    assert s.home == Path(".supportbot")
    assert s.db_url == "sqlite:///.supportbot/supportbot.db"
    monkeypatch.setenv("SUPPORTBOT_HOME", "/srv/bot")
    s = load_settings()
    assert s.db_url == "sqlite:////srv/bot/supportbot.db"
    assert s.index_dir == Path("/srv/bot/index")


def test_database_url_override_and_plain_postgres_scheme(monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", "postgresql://u:pw@db:5432/bot")
    assert load_settings().db_url == "postgresql+psycopg://u:pw@db:5432/bot"


def test_slack_variables_keep_their_names_and_stay_secret(monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-123")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "shh")
    s = load_settings()
    assert s.secret("slack_bot_token") == "xoxb-123"
    assert "xoxb-123" not in repr(s) and "shh" not in repr(s)


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_ADMIN_USER_IDS", "U1, U2,,U3")
    assert load_settings().admin_user_ids == ["U1", "U2", "U3"]


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("SUPPORTBOT_PROMPT_MODE=completion\n")
    assert load_settings().prompt_mode == "completion"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUPPORTBOT_DATABASE_URL", "mysql://root@localhost/x"),
        ("SUPPORTBOT_DATABASE_URL", "not a url"),
        ("SUPPORTBOT_PROMPT_MODE", "poetry"),
        ("SUPPORTBOT_MODEL_TIMEOUT_S", "-3"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert name in str(info.value)
    assert "\n" not in str(info.value)
