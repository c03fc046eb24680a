"""`Stream`: the device end of one OPEN'ed ADB stream, with the protocol's flow control.

The device may have one WRTE in flight per stream: after sending one it waits for the
host's OKAY before the next. Data the host writes arrives through `read()`; the
connection acknowledges each WRTE as it queues it.

StreamClosedError     the host (or the connection) closed the stream
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable

from simulator.adbd.packet import A_CLSE, A_WRTE

SendFn = Callable[[int, int, int, bytes | memoryview], None]


class StreamClosedError(Exception):
    """The stream is closed; nothing more can be written."""


class Stream:
    """One stream between a device service and the adb server.

    Args:
        local_id: the device's id for the stream.
        remote_id: the host's id for the stream.
        max_payload: the negotiated largest WRTE payload.
        send: writes a message on the connection (command, arg0, arg1, data).
        on_close: called once when the stream closes (the connection forgets it).
    """

    def __init__(
        self,
        local_id: int,
        remote_id: int,
        max_payload: int,
        send: SendFn,
        on_close: Callable[[Stream], None],
    ) -> None:
        self.local_id = local_id
        self.remote_id = remote_id
        self.max_payload = max_payload
        self._send = send
        self._on_close = on_close
        self._inbox: queue.Queue[bytes] = queue.Queue()
        self._pending = b""
        self._may_write = threading.Event()
        self._may_write.set()
        self.closed = threading.Event()
        self._close_lock = threading.Lock()

    # -- called by the connection ---------------------------------------------------

    def deliver(self, data: bytes) -> None:
        """The host wrote `data` to the stream."""
        if data:
            self._inbox.put(data)

    def acknowledged(self) -> None:
        """The host acknowledged our last WRTE."""
        self._may_write.set()

    def remote_closed(self) -> None:
        """The host closed the stream, or the connection died."""
        self._finish(send_close=False)

    # -- used by services -------------------------------------------------------------

    def write(self, data: bytes | memoryview) -> None:
        """Send `data` to the host, split into WRTEs of at most `max_payload` bytes.

        Raises:
            StreamClosedError: the stream closed before everything was sent.
        """
        view = memoryview(data)
        for start in range(0, len(view), self.max_payload):
            while not self._may_write.wait(0.5):
                if self.closed.is_set():
                    raise StreamClosedError("stream closed")
            if self.closed.is_set():
                raise StreamClosedError("stream closed")
            self._may_write.clear()
            try:
                self._send(
                    A_WRTE, self.local_id, self.remote_id, view[start : start + self.max_payload]
                )
            except OSError as exc:
                self._finish(send_close=False)
                raise StreamClosedError(str(exc)) from exc

    def read(self, timeout: float | None = None) -> bytes:
        """The next chunk the host wrote; b"" once the stream is closed (or on timeout)."""
        if self._pending:
            chunk, self._pending = self._pending, b""
            return chunk
        while True:
            try:
                return self._inbox.get(timeout=0.2 if timeout is None else timeout)
            except queue.Empty:
                if self.closed.is_set() or timeout is not None:
                    return b""

    def read_exact(self, size: int) -> bytes:
        """Exactly `size` bytes from the host.

        Raises:
            StreamClosedError: the stream closed first.
        """
        parts = [self._pending]
        have = len(self._pending)
        self._pending = b""
        while have < size:
            chunk = self.read()
            if not chunk:
                raise StreamClosedError(f"stream closed after {have} of {size} bytes")
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        self._pending = data[size:]
        return data[:size]

    def close(self) -> None:
        """Close the stream from the device side."""
        self._finish(send_close=True)

    def _finish(self, send_close: bool) -> None:
        with self._close_lock:
            if self.closed.is_set():
                return
            self.closed.set()
        self._may_write.set()
        if send_close:
            with contextlib.suppress(OSError):
                self._send(A_CLSE, self.local_id, self.remote_id, b"")
        self._on_close(self)
