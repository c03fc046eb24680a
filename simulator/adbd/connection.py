"""`AdbdConnection`: the device side of one transport (one TCP connection from an adb server).

It does what adbd does on a phone: answers the server's CNXN with its own (negotiating the
protocol version and the largest payload), or — when the phone refuses the host's key —
with AUTH challenges; then multiplexes OPEN'ed streams, each served on its own thread by
the service the router names.

Threads: `serve()` runs the reader loop on the caller's thread; each stream's service runs
on a thread of its own; writes to the socket are serialized by a lock.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Protocol

from simulator.adbd.packet import (
    A_AUTH,
    A_CLSE,
    A_CNXN,
    A_OKAY,
    A_OPEN,
    A_WRTE,
    AUTH_RSAPUBLICKEY,
    AUTH_SIGNATURE,
    AUTH_TOKEN,
    MAX_PAYLOAD,
    VERSION,
    VERSION_SKIP_CHECKSUM,
    Packet,
    PacketError,
    header,
    read_packet,
)
from simulator.adbd.stream import Stream
from simulator.adbd.wire_faults import WireFaults

log = logging.getLogger(__name__)

Service = Callable[[Stream], None]


class ServiceOpener(Protocol):
    """Finds the service for an OPEN: returns None to refuse the stream."""

    def __call__(self, name: str, link: AdbdConnection) -> Service | None: ...


class AdbdConnection:
    """One adb server's connection to the virtual phone.

    Args:
        sock: the accepted TCP socket.
        banner: the CNXN payload ("device::ro.product.model=…;features=…").
        open_service: picks the service for each OPEN.
        faults: the phone's wire faults.
        max_payload: the largest payload the phone accepts (negotiated down to the host's).
    """

    def __init__(
        self,
        sock: socket.socket,
        banner: bytes,
        open_service: ServiceOpener,
        faults: WireFaults,
        max_payload: int = MAX_PAYLOAD,
    ) -> None:
        self.sock = sock
        self.banner = banner
        self.open_service = open_service
        self.faults = faults
        self.our_max_payload = max_payload
        self.version = VERSION
        self.max_payload = max_payload
        self.online = False
        self._send_lock = threading.Lock()
        self._streams: dict[int, Stream] = {}
        self._streams_lock = threading.Lock()
        self._next_id = 1
        self._closed = threading.Event()

    # -- sending ------------------------------------------------------------------------

    @property
    def _checksums(self) -> bool:
        return self.version < VERSION_SKIP_CHECKSUM

    def send(self, command: int, arg0: int, arg1: int, data: bytes | memoryview = b"") -> None:
        """Write one message.

        Raises:
            OSError: the connection is gone.
        """
        head = header(command, arg0, arg1, data, self._checksums)
        with self._send_lock:
            if len(data) <= 65536:
                self.sock.sendall(head + bytes(data))
            else:
                self.sock.sendall(head)
                self.sock.sendall(data)

    # -- lifecycle ----------------------------------------------------------------------

    def serve(self) -> None:
        """Handshake, then serve streams until the host or `abort()` ends the connection."""
        try:
            self._loop()
        except (OSError, PacketError) as exc:
            log.debug("adbd connection ended: %s", exc)
        finally:
            self._shutdown()

    def abort(self) -> None:
        """Cut the TCP link at once (a cable pulled mid-command)."""
        self._closed.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def _shutdown(self) -> None:
        self._closed.set()
        with self._streams_lock:
            streams = list(self._streams.values())
            self._streams.clear()
        for stream in streams:
            stream.remote_closed()
        with contextlib.suppress(OSError):
            self.sock.close()

    # -- the reader loop --------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._closed.is_set():
            packet = read_packet(
                self.sock, max(self.our_max_payload, MAX_PAYLOAD), self.online and self._checksums
            )
            if packet is None:
                return
            self._handle(packet)

    def _handle(self, packet: Packet) -> None:
        if packet.command == A_CNXN:
            self._connect(packet)
        elif packet.command == A_AUTH:
            self._auth(packet)
        elif not self.online:
            return  # nothing but the handshake before CNXN is answered
        elif packet.command == A_OPEN:
            self._open(packet)
        elif packet.command == A_WRTE:
            stream = self._stream(packet.arg1)
            if stream is None:
                self.send(A_CLSE, 0, packet.arg0)
                return
            stream.deliver(packet.data)
            self.send(A_OKAY, stream.local_id, stream.remote_id)
        elif packet.command == A_OKAY:
            stream = self._stream(packet.arg1)
            if stream is not None:
                stream.acknowledged()
        elif packet.command == A_CLSE:
            stream = self._stream(packet.arg1)
            if stream is not None:
                stream.remote_closed()

    def _connect(self, packet: Packet) -> None:
        self.version = min(packet.arg0, VERSION)
        self.max_payload = min(packet.arg1, self.our_max_payload)
        if self.faults.refuse_auth:
            self._challenge()
            return
        self._accept()

    def _accept(self) -> None:
        self.online = True
        self.send(A_CNXN, self.version, self.max_payload, self.banner)

    def _challenge(self) -> None:
        self.send(A_AUTH, AUTH_TOKEN, 0, os.urandom(20))

    def _auth(self, packet: Packet) -> None:
        if self.online:
            return
        if packet.arg0 == AUTH_SIGNATURE:
            # we never recognise the host's signature: ask again until it offers its key
            self._challenge()
        elif packet.arg0 == AUTH_RSAPUBLICKEY:
            # the phone shows "Allow USB debugging?"; wait for someone to accept
            threading.Thread(target=self._await_acceptance, daemon=True).start()

    def _await_acceptance(self) -> None:
        while not self._closed.wait(0.1):
            if not self.faults.refuse_auth:
                with contextlib.suppress(OSError):
                    self._accept()
                return

    def _stream(self, local_id: int) -> Stream | None:
        with self._streams_lock:
            return self._streams.get(local_id)

    def _forget(self, stream: Stream) -> None:
        with self._streams_lock:
            self._streams.pop(stream.local_id, None)

    def _open(self, packet: Packet) -> None:
        name = packet.data.rstrip(b"\0").decode("utf-8", errors="replace")
        service = self.open_service(name, self)
        if service is None:
            self.send(A_CLSE, 0, packet.arg0)
            return
        with self._streams_lock:
            local_id = self._next_id
            self._next_id += 1
            stream = Stream(local_id, packet.arg0, self.max_payload, self.send, self._forget)
            self._streams[local_id] = stream
        self.send(A_OKAY, local_id, packet.arg0)
        threading.Thread(
            target=self._run, args=(service, stream), name=f"adbd-{name[:24]}", daemon=True
        ).start()

    def _run(self, service: Service, stream: Stream) -> None:
        try:
            service(stream)
        except Exception:
            log.exception("adbd service failed")
        finally:
            stream.close()
