"""`SimAgent`: an agent whose phones are virtual, with its loopback control API.

What `phonefarm agent --sim N`, the demo, the integration tests and the benches run::

    with SimAgent(settings, SimFarmSpec(count=8, host=settings.host), control=("127.0.0.1", 0)):
        ...
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType

from agent.devices.base import Device
from agent.host.events import JobListener
from agent.host.settings import AgentSettings
from agent.host.supervisor import Supervisor
from simulator.control.app import create_sim_control_app
from simulator.control.server import LoopbackServer
from simulator.device import SimulatedDevice
from simulator.farm import SimFarmSpec, build_phones
from simulator.phone import VirtualPhone


class SimAgent:
    """A supervisor over virtual phones, plus the sim control API when asked for.

    Args:
        settings: the agent's settings.
        spec: the virtual phones to build (ignored when `phones` is given).
        phones: existing virtual phones to drive (a restarted agent keeps its phones).
        control: (loopback host, port) for the sim control API; None: no API.
        listener: told about every job's start, park and finish.
    """

    def __init__(
        self,
        settings: AgentSettings,
        spec: SimFarmSpec | None = None,
        *,
        phones: Sequence[VirtualPhone] | None = None,
        control: tuple[str, int] | None = None,
        listener: JobListener | None = None,
    ) -> None:
        if phones is None:
            if spec is None:
                raise ValueError("give a SimFarmSpec or the phones")
            phones = build_phones(spec)
        self.phones = list(phones)
        devices: list[Device] = [SimulatedDevice(phone) for phone in self.phones]
        self.supervisor = Supervisor(settings, devices, listener=listener)
        self.control = (
            LoopbackServer(create_sim_control_app(self.phones), *control)
            if control is not None
            else None
        )

    @property
    def control_url(self) -> str | None:
        """The sim control API's base URL (None when it is not served)."""
        return self.control.url if self.control is not None else None

    def phone(self, serial: str) -> VirtualPhone:
        """The virtual phone with this serial.

        Raises:
            KeyError: no such phone.
        """
        for phone in self.phones:
            if phone.serial == serial:
                return phone
        raise KeyError(serial)

    def start(self) -> SimAgent:
        """Serve the control API (if any), then start the supervisor."""
        if self.control is not None:
            self.control.start()
        self.supervisor.start()
        return self

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the supervisor (finishing jobs in hand), then the control API."""
        done = self.supervisor.stop(timeout)
        if self.control is not None:
            self.control.stop()
        return done

    def __enter__(self) -> SimAgent:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
