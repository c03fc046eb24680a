"""Opening the phones the adb server sees with a chosen backend (`phonefarm agent --adb`).

server = AdbServerClient.from_env()
devices = open_devices(server, backend="adb")          # every phone listed as `device`
phone = open_device("R58N12ABCDE", backend="u2", server=server)
"""

from __future__ import annotations

from collections.abc import Iterable

from agent.devices.adb import AdbDevice
from agent.devices.adb_discovery import list_phones
from agent.devices.adb_server_client import AdbServerClient
from agent.devices.base import Device
from agent.devices.u2 import U2Device
from farm_protocol.device import DeviceState

BACKENDS = ("adb", "u2")


def open_device(
    serial: str, *, backend: str = "adb", server: AdbServerClient | None = None
) -> Device:
    """One phone through `backend` ("adb": AdbDevice, "u2": U2Device).

    Raises:
        ValueError: unknown backend.
        DeviceError: "u2" only — the phone is gone or its uiautomator2 server won't start.
    """
    server = server or AdbServerClient.from_env()
    if backend == "adb":
        return AdbDevice(serial, server=server)
    if backend == "u2":
        return U2Device(serial, server=server)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def open_devices(
    server: AdbServerClient, *, backend: str = "adb", serials: Iterable[str] | None = None
) -> list[Device]:
    """Every phone the server lists as online (or just `serials`), through `backend`.

    Raises:
        AdbServerError: the adb server did not answer.
        DeviceError: as `open_device`.
    """
    wanted = set(serials) if serials is not None else None
    return [
        open_device(phone.serial, backend=backend, server=server)
        for phone in list_phones(server)
        if phone.state is DeviceState.ONLINE and (wanted is None or phone.serial in wanted)
    ]
