"""`AdbServerClient`: a lean client of the adb server's smart-socket protocol, for hot paths.

adbutils opens two connections per request (one to ask the server's version) and sleeps
10 ms when it closes each, about 20 ms a call; this client opens one connection, turns
Nagle off, and closes without waiting, so a tap costs about a millisecond over loopback.
Requests are a 4-hex-digit length and text; the server answers OKAY or FAIL + message.

    client = AdbServerClient.from_env()
    client.run("emulator-5554", "shell:input tap 10 20")     # bytes, read until EOF
    client.pull("emulator-5554", "/sdcard/window_dump.xml")

AdbServerError
├── AdbServerUnavailableError   nothing answers at the adb server's address
├── AdbRequestError             the server answered FAIL ("device offline", "device '…' not found")
├── AdbTimeoutError             no answer in time
└── AdbProtocolError            the stream ended early or carried something unexpected
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_PORT = 5037
SYNC_DATA_MAX = 64 * 1024
QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class AdbServerError(Exception):
    """A request to the adb server failed."""


class AdbServerUnavailableError(AdbServerError):
    """Nothing answers at the adb server's address."""


class AdbRequestError(AdbServerError):
    """The adb server (or the device through it) refused a request."""


class AdbTimeoutError(AdbServerError):
    """No answer in time."""


class AdbProtocolError(AdbServerError):
    """The answer did not follow the protocol (or stopped short)."""


@dataclass(frozen=True)
class FileStat:
    """A remote file's mode, size and mtime (all 0 when it does not exist)."""

    mode: int
    size: int
    mtime: int

    @property
    def exists(self) -> bool:
        """True when the file exists."""
        return self.mode != 0


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            raise AdbProtocolError(f"connection closed after {got} of {size} bytes")
        got += n
    return bytes(buffer)


def _read_block(sock: socket.socket) -> str:
    length = int(_recv_exact(sock, 4), 16)
    return _recv_exact(sock, length).decode("utf-8", errors="replace") if length else ""


def quick_ack(sock: socket.socket) -> None:
    """Acknowledge what arrives at once (Linux), instead of delaying the ACK.

    The adb server leaves Nagle on for its clients: when it writes an answer in pieces,
    each small piece waits for our ACK of the previous one — up to 40 ms with a delayed
    ACK. The flag is not sticky, so it is set again before each read.
    """
    if QUICKACK is not None:
        sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)


def read_until_close(sock: socket.socket, size_hint: int = 0) -> bytes:
    """Everything the peer sends until it closes the stream."""
    buffer = bytearray(max(size_hint, 65536))
    view = memoryview(buffer)
    got = 0
    while True:
        if got == len(buffer):
            view.release()
            buffer.extend(bytes(len(buffer)))
            view = memoryview(buffer)
        quick_ack(sock)
        n = sock.recv_into(view[got:])
        if n == 0:
            break
        got += n
    view.release()
    del buffer[got:]
    return bytes(buffer)


class AdbServerClient:
    """Talks to one adb server.

    Args:
        host: the server's address.
        port: the server's port (5037, or `ANDROID_ADB_SERVER_PORT`).
        timeout: seconds to wait for any answer.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, timeout: float = 20.0):
        self.host = host
        self.port = port
        self.timeout = timeout

    @classmethod
    def from_env(cls, timeout: float = 20.0) -> AdbServerClient:
        """The server `adb` itself would use (`ANDROID_ADB_SERVER_HOST`/`_PORT`)."""
        host = os.environ.get("ANDROID_ADB_SERVER_HOST", "127.0.0.1")
        port = int(os.environ.get("ANDROID_ADB_SERVER_PORT", DEFAULT_PORT))
        return cls(host, port, timeout)

    def __repr__(self) -> str:
        return f"AdbServerClient({self.host}:{self.port})"

    # -- connections --------------------------------------------------------------------------

    def _connect(self, timeout: float | None) -> socket.socket:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout or self.timeout)
        except TimeoutError as exc:
            raise AdbTimeoutError(f"adb server {self.host}:{self.port} did not answer") from exc
        except OSError as exc:
            raise AdbServerUnavailableError(
                f"no adb server at {self.host}:{self.port} ({exc.strerror or exc})"
            ) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    @staticmethod
    def _request(sock: socket.socket, request: str) -> None:
        data = request.encode("utf-8")
        sock.sendall(b"%04x" % len(data) + data)
        status = _recv_exact(sock, 4)
        if status == b"OKAY":
            return
        if status == b"FAIL":
            raise AdbRequestError(_read_block(sock))
        raise AdbProtocolError(f"unexpected answer {status!r} to {request!r}")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except TimeoutError as exc:
            raise AdbTimeoutError("no answer in time") from exc
        except AdbServerError:
            raise
        except OSError as exc:
            raise AdbProtocolError(f"connection to the adb server broke ({exc})") from exc

    def connect_service(
        self, serial: str, service: str, timeout: float | None = None
    ) -> socket.socket:
        """A socket connected to `service` on the device; the caller closes it.

        Raises:
            AdbServerError: the server or the device refused, or did not answer.
        """
        sock = self._connect(timeout)
        try:
            with self._errors():
                sock.settimeout(timeout or self.timeout)
                self._request(sock, f"host:transport:{serial}")
                self._request(sock, service)
        except BaseException:
            sock.close()
            raise
        return sock

    @contextmanager
    def open(
        self, serial: str, service: str, timeout: float | None = None
    ) -> Iterator[socket.socket]:
        """A socket connected to `service` on the device, closed on exit.

        Raises:
            AdbServerError: the server or the device refused, or did not answer.
        """
        sock = self.connect_service(serial, service, timeout)
        try:
            yield sock
        finally:
            sock.close()

    def run(
        self, serial: str, service: str, timeout: float | None = None, size_hint: int = 0
    ) -> bytes:
        """Open `service` on the device and read its output until the device closes it.

        Raises:
            AdbServerError: the server or the device refused, or did not answer in time.
        """
        with self.open(serial, service, timeout) as sock, self._errors():
            return read_until_close(sock, size_hint)

    # -- host requests --------------------------------------------------------------------------

    def query(self, request: str, timeout: float | None = None) -> str:
        """A host request that answers OKAY and one length-prefixed string ("host:version").

        Raises:
            AdbServerError: refused or unanswered.
        """
        sock = self._connect(timeout)
        try:
            with self._errors():
                sock.settimeout(timeout or self.timeout)
                self._request(sock, request)
                return _read_block(sock)
        finally:
            sock.close()

    def version(self) -> int:
        """The adb server's internal version (41 for adb 1.0.41)."""
        return int(self.query("host:version"), 16)

    def devices(self) -> list[tuple[str, str, dict[str, str]]]:
        """(serial, state, details) for every device the server knows (`adb devices -l`)."""
        entries = []
        for line in self.query("host:devices-l").splitlines():
            fields = line.split()
            if len(fields) < 2:
                continue
            details = dict(f.split(":", 1) for f in fields[2:] if ":" in f)
            entries.append((fields[0], fields[1], details))
        return entries

    def connect(self, address: str) -> str:
        """`adb connect ADDRESS`; returns the server's message ("connected to …").

        Raises:
            AdbRequestError: the server could not connect.
        """
        message = self.query(f"host:connect:{address}")
        if "connected to" not in message:
            raise AdbRequestError(message)
        return message

    def disconnect(self, address: str) -> str:
        """`adb disconnect ADDRESS`; returns the server's message."""
        return self.query(f"host:disconnect:{address}")

    @contextmanager
    def track_devices(self) -> Iterator[socket.socket]:
        """A socket on which the server sends the device list on every change.

        Read each list with `read_device_list`; close the socket to stop tracking.
        """
        sock = self._connect(None)
        try:
            with self._errors():
                sock.settimeout(self.timeout)
                self._request(sock, "host:track-devices")
                sock.settimeout(None)
                yield sock
        finally:
            sock.close()

    @staticmethod
    def read_device_list(sock: socket.socket) -> dict[str, str]:
        """The next list a tracking socket sends: serial → state.

        Raises:
            AdbProtocolError: the server closed the socket.
        """
        try:
            text = _read_block(sock)
        except OSError as exc:
            raise AdbProtocolError(f"tracking stopped ({exc})") from exc
        states = {}
        for line in text.splitlines():
            if "\t" in line:
                serial, state = line.split("\t", 1)
                states[serial] = state.strip()
        return states

    # -- sync (files) ---------------------------------------------------------------------------

    @staticmethod
    def _sync_request(sock: socket.socket, kind: bytes, argument: str) -> None:
        data = argument.encode("utf-8")
        sock.sendall(kind + struct.pack("<I", len(data)) + data)

    @staticmethod
    def _sync_fail(sock: socket.socket) -> AdbRequestError:
        (length,) = struct.unpack("<I", _recv_exact(sock, 4))
        return AdbRequestError(_recv_exact(sock, length).decode("utf-8", errors="replace"))

    def pull(self, serial: str, path: str, timeout: float | None = None) -> bytes:
        """A file's content.

        Raises:
            AdbRequestError: no such file (or the device refused).
        """
        with self.open(serial, "sync:", timeout) as sock, self._errors():
            self._sync_request(sock, b"RECV", path)
            data = bytearray()
            while True:
                kind = _recv_exact(sock, 4)
                if kind == b"DATA":
                    (length,) = struct.unpack("<I", _recv_exact(sock, 4))
                    data += _recv_exact(sock, length)
                elif kind == b"DONE":
                    _recv_exact(sock, 4)
                    break
                elif kind == b"FAIL":
                    raise self._sync_fail(sock)
                else:
                    raise AdbProtocolError(f"unexpected sync answer {kind!r}")
            self._sync_request(sock, b"QUIT", "")
            return bytes(data)

    def push(self, serial: str, data: bytes, path: str, mode: int = 0o644, mtime: int = 0) -> None:
        """Write a file on the device.

        Raises:
            AdbRequestError: the device refused the file.
        """
        with self.open(serial, "sync:", None) as sock, self._errors():
            self._sync_request(sock, b"SEND", f"{path},{0o100000 | mode}")
            for start in range(0, len(data), SYNC_DATA_MAX):
                chunk = data[start : start + SYNC_DATA_MAX]
                sock.sendall(b"DATA" + struct.pack("<I", len(chunk)) + chunk)
            sock.sendall(b"DONE" + struct.pack("<I", mtime))
            kind = _recv_exact(sock, 4)
            if kind == b"FAIL":
                raise self._sync_fail(sock)
            _recv_exact(sock, 4)
            self._sync_request(sock, b"QUIT", "")

    def stat(self, serial: str, path: str) -> FileStat:
        """A remote file's mode, size and mtime (zeros when missing)."""
        with self.open(serial, "sync:", None) as sock, self._errors():
            self._sync_request(sock, b"STAT", path)
            kind = _recv_exact(sock, 4)
            if kind != b"STAT":
                raise AdbProtocolError(f"unexpected sync answer {kind!r}")
            mode, size, mtime = struct.unpack("<3I", _recv_exact(sock, 12))
            self._sync_request(sock, b"QUIT", "")
            return FileStat(mode, size, mtime)
