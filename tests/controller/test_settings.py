"""Settings refuse unsafe tokens; the demo generates them; secrets never show."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from controller_support import AGENT_TOKEN, API_TOKEN
from pydantic import ValidationError

from farm_controller import Settings, create_app
from farm_controller.db import make_engine, safe_url
from tests.helpers.servers import serving


def test_no_api_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PHONEFARM_API_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="api_token"):
        Settings()


@pytest.mark.parametrize("token", ["", "short", "x" * 23])
def test_a_short_api_token_is_refused(token: str) -> None:
    with pytest.raises(ValidationError, match="at least 24"):
        Settings(api_token=token)


def test_a_short_agent_token_is_refused_without_printing_it() -> None:
    with pytest.raises(ValidationError) as failure:
        Settings(api_token=API_TOKEN, agent_tokens={"rack-1": "hunter2hunter2"})
    assert "rack-1" in str(failure.value)
    assert "hunter2" not in str(failure.value)
    assert API_TOKEN not in str(failure.value)


def test_an_agent_token_equal_to_the_api_token_is_refused() -> None:
    with pytest.raises(ValidationError, match="reuses"):
        Settings(api_token=API_TOKEN, agent_tokens={"rack-1": API_TOKEN})


def test_a_default_app_that_is_not_an_installed_profile_is_refused() -> None:
    with pytest.raises(ValidationError, match="not an installed app profile"):
        Settings(api_token=API_TOKEN, default_app="nope")
    assert Settings(api_token=API_TOKEN, default_app="wechat").default_app == "wechat"


def test_demo_generates_missing_tokens() -> None:
    settings = Settings(demo=True)
    assert settings.api_token is not None
    assert len(settings.api_token.get_secret_value()) >= 24
    [(host, token)] = settings.agent_tokens.items()
    assert host == "local"
    assert token.get_secret_value() != settings.api_token.get_secret_value()
    assert Settings(demo=True).api_token != settings.api_token  # fresh every time


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHONEFARM_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("PHONEFARM_AGENT_TOKENS", f'{{"rack-9": "{AGENT_TOKEN}"}}')
    monkeypatch.setenv("PHONEFARM_MAX_IMAGE_BYTES", "1234")
    settings = Settings()
    assert settings.max_image_bytes == 1234
    assert settings.agent_tokens["rack-9"].get_secret_value() == AGENT_TOKEN


def test_secrets_do_not_show_in_repr_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'farm.db'}"
    settings = Settings(
        api_token=API_TOKEN,
        agent_tokens={"rack-1": AGENT_TOKEN},
        database_url=url,
        media_dir=tmp_path / "m",
        evidence_dir=tmp_path / "e",
        scheduler_enabled=False,
    )
    assert API_TOKEN not in repr(settings) and AGENT_TOKEN not in repr(settings)
    with caplog.at_level(logging.DEBUG), serving(create_app(settings)):
        pass
    assert (tmp_path / "sub" / "farm.db").is_file()  # the folder was created
    assert API_TOKEN not in caplog.text and AGENT_TOKEN not in caplog.text


def test_database_passwords_are_hidden_in_logged_urls() -> None:
    assert "s3cret" not in safe_url("postgresql+psycopg://farm:s3cret@db/phonefarm")


def test_sqlite_engine_creates_the_folder(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'x.db'}")
    with engine.connect():
        pass
    engine.dispose()
    assert (tmp_path / "a" / "b" / "x.db").is_file()
