"""`LoopbackServer`: an ASGI app served by uvicorn in a thread, on a loopback address only.

The sim control API runs on it; so do the demo's and the tests' controllers.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI


def parse_bind(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8765"`` → ("127.0.0.1", 8765); only loopback addresses are accepted.

    Port 0 picks a free port.

    Raises:
        ValueError: not HOST:PORT, or HOST is not a loopback address.
    """
    host, sep, port_text = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:8765")
    if host == "localhost":
        host = "127.0.0.1"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"{host!r} is not an IP address; use 127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(f"the sim control API only binds to loopback (127.0.0.1), not {host}")
    return host, int(port_text)


class LoopbackServer:
    """Serves an app on a loopback address in a daemon thread.

    The socket is bound at construction, so `url` is known (and a busy port fails) before
    `start`.

    Args:
        app: the ASGI app, e.g. `create_sim_control_app(...)`.
        host: a loopback address.
        port: the port (0: any free one).
        lifespan: run the app's lifespan (start-up and shutdown) events.

    Raises:
        ValueError: `host` is not a loopback address.
        OSError: the port is taken.
    """

    def __init__(
        self, app: FastAPI, host: str = "127.0.0.1", port: int = 0, *, lifespan: bool = False
    ) -> None:
        parse_bind(f"{host}:{port}")
        self._socket = socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM
        )
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.host = host
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(app, log_level="warning", lifespan="on" if lifespan else "off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"server-{self.port}",
            daemon=True,
        )

    @staticmethod
    def check_free(host: str, port: int) -> None:
        """Raise OSError when `port` cannot be bound on `host` now."""
        with socket.socket(
            socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM
        ) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:8765``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; returns once the server accepts connections.

        Raises:
            RuntimeError: it did not start within `timeout` seconds.
        """
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start on {self.url}")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()
