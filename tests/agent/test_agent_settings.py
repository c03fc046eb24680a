"""Agent settings and names: unsafe or malformed values are refused, names fit the protocol."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from agent.host.settings import AgentSettings
from agent.host.worker import worker_name
from farm_protocol.agent_api import WORKER_PATTERN
from simulator.farm import SimFarmSpec, build_phones, sim_serial


def _settings(**overrides: object) -> AgentSettings:
    values: dict[str, object] = {
        "controller_url": "http://127.0.0.1:8000/",
        "token": "t" * 30,
        "host": "rack-1",
        "workdir": Path("/tmp/agent"),
    }
    values.update(overrides)
    return AgentSettings.model_validate(values)


def test_defaults_and_derived_folders() -> None:
    settings = _settings()
    assert settings.controller_url == "http://127.0.0.1:8000"
    assert settings.spool_dir == Path("/tmp/agent/outbox")
    assert settings.media_dir == Path("/tmp/agent/media")
    assert "t" * 30 not in repr(settings), "the token is never printed"


@pytest.mark.parametrize(
    "overrides",
    [
        {"controller_url": "127.0.0.1:8000"},
        {"controller_url": "ftp://x"},
        {"host": "rack 1"},
        {"host": ""},
        {"claim_interval": 0},
        {"lease_seconds": 7200},
        {"surprise": 1},
    ],
)
def test_malformed_settings_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        _settings(**overrides)


@pytest.mark.parametrize(
    "serial", ["R58M123", "emulator-5554", "192.168.1.7:5555", "weird serial/"]
)
def test_worker_names_fit_the_protocol(serial: str) -> None:
    name = worker_name(serial, "a1b2c3")
    assert re.fullmatch(WORKER_PATTERN, name)
    assert name.endswith("@a1b2c3")


def test_a_sim_farm_varies_its_phones_and_names_them_by_host() -> None:
    phones = build_phones(SimFarmSpec(count=4, host="rack-2", faults=False))
    assert [p.serial for p in phones] == [sim_serial("rack-2", i) for i in range(4)]
    assert phones[0].serial == "rack-2-sim01"
    assert {(p.theme, p.locale) for p in phones} == {
        ("light", "zh-CN"),
        ("dark", "zh-CN"),
        ("light", "en"),
        ("dark", "en"),
    }
    assert len({p.world.account.name for p in phones}) == 4
    with pytest.raises(ValueError):
        build_phones(SimFarmSpec(count=0))
