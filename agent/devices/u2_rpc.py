"""`U2RpcChannel`: JSON-RPC to the uiautomator2 server over one kept-alive ADB stream.

The uiautomator2 client opens a new `tcp:9008` stream through adbutils for every request
and leaves Nagle on, about 40 ms a call. This channel keeps one stream open (HTTP/1.1
keep-alive, TCP_NODELAY to the adb server) and reopens it only when it breaks, so a call
costs what the phone takes to answer.

U2RpcError               the server answered a JSON-RPC error (code and message kept)
U2ChannelError           no answer: the stream could not be opened or broke
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
from typing import Any

from agent.devices.adb_server_client import AdbServerClient, AdbServerError, quick_ack

DEFAULT_PORT = 9008


class U2ChannelError(Exception):
    """The uiautomator2 server could not be reached."""


class U2RpcError(Exception):
    """The uiautomator2 server answered with a JSON-RPC error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _HttpStream:
    """HTTP/1.1 over one socket: requests out, Content-Length or chunked answers in."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = sock.makefile("rb")

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def post(self, path: str, body: bytes) -> tuple[int, bytes, bool]:
        """(status, body, keep_alive)."""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: phonefarm\r\n"
            "Accept-Encoding: identity\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.sock.sendall(head + body)
        # an answer written in two pieces (headers, body) would wait ~40 ms for our ACK
        quick_ack(self.sock)
        status_line = self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        headers: dict[str, str] = {}
        while True:
            line = self.reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            data = self._chunked()
        else:
            data = self._exact(int(headers.get("content-length", "0")))
        keep = headers.get("connection", "").lower() != "close"
        return status, data, keep

    def _exact(self, size: int) -> bytes:
        data = self.reader.read(size)
        if len(data) < size:
            raise ConnectionError(f"answer cut after {len(data)} of {size} bytes")
        return data

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.reader.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.reader.readline()
                return b"".join(parts)
            parts.append(self._exact(size))
            self.reader.readline()


class U2RpcChannel:
    """Calls the uiautomator2 server of one phone.

    Args:
        server: the adb server client.
        serial: the phone.
        port: the server's port on the phone.
        timeout: seconds to wait for an answer.
    """

    def __init__(
        self, server: AdbServerClient, serial: str, port: int = DEFAULT_PORT, timeout: float = 20.0
    ) -> None:
        self.server = server
        self.serial = serial
        self.port = port
        self.timeout = timeout
        self._lock = threading.Lock()
        self._http: _HttpStream | None = None
        self._ids = itertools.count(1)

    def _open(self) -> _HttpStream:
        try:
            sock = self.server.connect_service(self.serial, f"tcp:{self.port}", self.timeout)
        except AdbServerError as exc:
            raise U2ChannelError(f"cannot reach the uiautomator2 server: {exc}") from exc
        return _HttpStream(sock)

    def close(self) -> None:
        """Close the stream (the next call reopens it)."""
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None

    def call(self, method: str, *params: Any, timeout: float | None = None) -> Any:
        """Call a JSON-RPC method; its result.

        Raises:
            U2RpcError: the server answered an error.
            U2ChannelError: no answer (after one retry on a fresh stream).
        """
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        body = json.dumps(payload).encode()
        with self._lock:
            for attempt in (1, 2):
                if self._http is None:
                    self._http = self._open()
                self._http.sock.settimeout(timeout or self.timeout)
                try:
                    status, data, keep = self._http.post("/jsonrpc/0", body)
                except (OSError, ValueError, IndexError) as exc:
                    self._http.close()
                    self._http = None
                    if attempt == 2:
                        raise U2ChannelError(f"{method}: no answer ({exc})") from exc
                    continue
                if not keep:
                    self._http.close()
                    self._http = None
                break
        if status != 200:
            raise U2ChannelError(f"{method}: HTTP {status}")
        answer = json.loads(data)
        if "error" in answer:
            error = answer["error"] or {}
            raise U2RpcError(int(error.get("code", -1)), str(error.get("message", "")))
        return answer.get("result")
