"""`AdbdServer`: a virtual phone listening on a loopback port, speaking adbd's protocol.

    phone = VirtualPhone(serial="sim-0001")
    with AdbdServer(phone) as adbd:            # listens on 127.0.0.1:<free port>
        subprocess.run(["adb", "connect", adbd.address])

The real adb server then lists it (as `127.0.0.1:PORT  device`) and every ADB client —
the `adb` command, adbutils, uiautomator2 — drives it like a phone on Wi-Fi debugging.
`stop()` is pulling the cable (the link drops and nothing answers); `start()` again plugs
it back in on the same port. Ports 5555–5585 are refused: the adb server probes that
range on its own and would register the phone twice, as an emulator.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

from simulator.adbd.activity_commands import ACTIVITY_COMMANDS
from simulator.adbd.connection import AdbdConnection
from simulator.adbd.coreutils import COREUTILS
from simulator.adbd.handset import Handset
from simulator.adbd.packet import MAX_PAYLOAD
from simulator.adbd.screen_commands import SCREEN_COMMANDS
from simulator.adbd.services import ServiceRouter
from simulator.adbd.shell import Command
from simulator.adbd.system_commands import SYSTEM_COMMANDS
from simulator.adbd.uiautomator_server import app_process
from simulator.adbd.wire_faults import WireFaults
from simulator.phone import VirtualPhone

log = logging.getLogger(__name__)

EMULATOR_PORTS = range(5555, 5586)
FEATURES = ("shell_v2", "fixed_push_mkdir")


def shell_commands() -> dict[str, Command]:
    """Every command the virtual phone's shell knows."""
    return {
        **COREUTILS,
        **SYSTEM_COMMANDS,
        **ACTIVITY_COMMANDS,
        **SCREEN_COMMANDS,
        "app_process": app_process,
    }


class AdbdServer:
    """The adbd side of one virtual phone, on a loopback TCP port.

    Args:
        phone: the virtual phone.
        port: the port to listen on (0: a free one, chosen once and kept across restarts).
        handset: the phone's system state (a default one when None).
        faults: wire faults (none when None).
        max_payload: the largest payload the phone accepts.

    Raises:
        ValueError: `port` is in 5555–5585, the range the adb server claims for emulators.
    """

    def __init__(
        self,
        phone: VirtualPhone,
        *,
        port: int = 0,
        handset: Handset | None = None,
        faults: WireFaults | None = None,
        max_payload: int = MAX_PAYLOAD,
    ) -> None:
        if port in EMULATOR_PORTS:
            raise ValueError(f"port {port} is in 5555-5585, which adb claims for emulators")
        self.phone = phone
        self.handset = handset or Handset(phone)
        self.faults = faults or WireFaults()
        self.max_payload = max_payload
        self._port = port
        self._router = ServiceRouter(self.handset, shell_commands(), self.faults)
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._connections: set[AdbdConnection] = set()

    @property
    def port(self) -> int:
        """The TCP port (known once started)."""
        return self._port

    @property
    def address(self) -> str:
        """ "127.0.0.1:PORT", the serial the adb server lists the phone under."""
        return f"127.0.0.1:{self._port}"

    @property
    def listening(self) -> bool:
        """True between `start()` and `stop()`."""
        return self._listener is not None

    def banner(self) -> bytes:
        """The CNXN payload: device properties and features."""
        props = self.handset.properties()
        fields = ";".join(
            f"{key}={props[key]}"
            for key in ("ro.product.name", "ro.product.model", "ro.product.device")
        )
        return f"device::{fields};features={','.join(FEATURES)}".encode()

    def start(self) -> AdbdServer:
        """Listen (again) and serve connections on threads. Returns self."""
        with self._lock:
            if self._listener is not None:
                return self
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self._port))
            listener.listen(16)
            self._port = listener.getsockname()[1]
            self._listener = listener
        threading.Thread(
            target=self._accept, args=(listener,), name=f"adbd-{self._port}", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every connection (the phone is unplugged)."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self.drop_connections()

    def drop_connections(self) -> None:
        """Cut every open connection; keep listening (the adb server may reconnect)."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.abort()

    def __enter__(self) -> AdbdServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            if self._listener is not listener:
                sock.close()
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = AdbdConnection(
                sock, self.banner(), self._router, self.faults, self.max_payload
            )
            with self._lock:
                self._connections.add(connection)
            threading.Thread(
                target=self._serve, args=(connection,), name="adbd-conn", daemon=True
            ).start()

    def _serve(self, connection: AdbdConnection) -> None:
        try:
            connection.serve()
        finally:
            with self._lock:
                self._connections.discard(connection)
