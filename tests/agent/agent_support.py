"""Helpers shared by the agent tests: a running agent, virtual phones, settings (images and
waiting are in `tests.helpers`).

`tests/agent/` has no `__init__.py`; pytest puts this folder on `sys.path`, so tests
import this module by its unique name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from agent.devices.base import Device
from agent.host.settings import AgentSettings
from agent.host.supervisor import Supervisor
from simulator.device import SimulatedDevice
from simulator.faults import FaultPlan
from simulator.phone import VirtualPhone

T = TypeVar("T")

SettingsFactory = Callable[..., AgentSettings]
"""Makes agent settings for the fake controller (the `make_settings` fixture)."""


@contextmanager
def supervising(
    settings: AgentSettings,
    *devices: Device | VirtualPhone,
    stop_timeout: float = 30.0,
    **options: Any,
) -> Iterator[Supervisor]:
    """A started agent (`Supervisor`) over `devices` (a virtual phone is driven through a
    `SimulatedDevice`) for the block, stopped after it; `options` go to `Supervisor`."""
    supervisor = Supervisor(
        settings,
        [SimulatedDevice(d) if isinstance(d, VirtualPhone) else d for d in devices],
        **options,
    )
    supervisor.start()
    try:
        yield supervisor
    finally:
        supervisor.stop(timeout=stop_timeout)


def small_phone(serial: str, seed: int = 1, faults: bool = False) -> VirtualPhone:
    """A 720x1600 light zh-CN virtual phone (random interruptions when `faults`)."""
    plan = FaultPlan.random_interruptions(seed) if faults else FaultPlan(seed=seed)
    return VirtualPhone(serial=serial, width=720, height=1600, density=320, faults=plan)


def settings_for(url: str, token: str, host: str, workdir: Path, **overrides: Any) -> AgentSettings:
    """Agent settings paced for tests: quick polls, short backoff."""
    values: dict[str, Any] = {
        "controller_url": url,
        "token": token,
        "host": host,
        "workdir": workdir,
        "claim_interval": 0.1,
        "status_interval": 0.5,
        "offline_poll": 0.2,
        "backoff_initial": 0.05,
        "backoff_cap": 0.5,
        "http_timeout": 5.0,
    }
    values.update(overrides)
    return AgentSettings(**values)
