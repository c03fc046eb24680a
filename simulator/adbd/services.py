"""`ServiceRouter`: what each OPEN'ed service name runs on the virtual phone.

    shell:CMD            CMD through the shell; stdout and stderr interleaved, no exit code
    shell,v2[,raw]:CMD   the shell protocol: framed stdout, stderr and the exit code
    shell: / shell,v2:   an interactive shell: each line written to it runs in turn
    exec:CMD             CMD with a raw, binary-safe output stream (`adb exec-out`)
    sync:                file transfer (see sync_service)
    tcp:PORT             a TCP connection to a port a process on the phone listens on

Anything else is refused (the stream is closed at once, as adbd does).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Mapping

from simulator.adbd.connection import AdbdConnection, Service
from simulator.adbd.handset import Handset
from simulator.adbd.shell import Command, Outcome, Shell
from simulator.adbd.stream import Stream, StreamClosedError
from simulator.adbd.sync_service import serve_sync
from simulator.adbd.wire_faults import WireFaults

V2_STDIN, V2_STDOUT, V2_STDERR, V2_EXIT, V2_CLOSE_STDIN = 0, 1, 2, 3, 4


def _v2_packet(kind: int, data: bytes) -> bytes:
    return struct.pack("<BI", kind, len(data)) + data


class ServiceRouter:
    """Opens services for one virtual phone.

    Args:
        handset: the phone.
        commands: the shell's commands, by name.
        faults: the wire faults (slow answers, dropped links).
    """

    def __init__(
        self, handset: Handset, commands: Mapping[str, Command], faults: WireFaults
    ) -> None:
        self.handset = handset
        self.shell = Shell(handset, commands)
        self.faults = faults

    def __call__(self, name: str, link: AdbdConnection) -> Service | None:
        """The service for `name`, or None to refuse the stream."""
        kind, _, argument = name.partition(":")
        base, *options = kind.split(",")
        if base == "shell":
            if not argument:
                return lambda stream: self._interactive(stream, "v2" in options)
            if "v2" in options:
                return lambda stream: self._command_v2(stream, argument, link)
            return lambda stream: self._command(stream, argument, link)
        if base == "exec":
            return lambda stream: self._command(stream, argument, link)
        if base == "sync":
            return lambda stream: serve_sync(self.handset.files, self.faults, stream)
        if base == "tcp":
            return self._tcp(argument)
        return None

    # -- shell and exec ---------------------------------------------------------------------

    def _execute(self, stream: Stream, command: str, link: AdbdConnection) -> tuple[Outcome, bool]:
        """Run a command; the bool says the link is to be cut halfway through its output."""
        if self.faults.delay_s:
            stream.closed.wait(self.faults.delay_s)
        drop = self.faults.take_drop(command)
        outcome = self.shell.run(command, stream.closed)
        return outcome, drop

    def _command(self, stream: Stream, command: str, link: AdbdConnection) -> None:
        outcome, drop = self._execute(stream, command, link)
        output = outcome.output
        try:
            if drop:
                stream.write(output[: len(output) // 2])
                link.abort()
                return
            if output:
                stream.write(output)
        except StreamClosedError:
            return

    def _command_v2(self, stream: Stream, command: str, link: AdbdConnection) -> None:
        outcome, drop = self._execute(stream, command, link)
        try:
            if drop:
                link.abort()
                return
            out = b""
            if outcome.stdout:
                out += _v2_packet(V2_STDOUT, outcome.stdout)
            if outcome.stderr:
                out += _v2_packet(V2_STDERR, outcome.stderr)
            stream.write(out + _v2_packet(V2_EXIT, bytes([outcome.code & 0xFF])))
        except StreamClosedError:
            return

    def _interactive(self, stream: Stream, v2: bool) -> None:
        """Run each line the client writes; the stream stays open between commands."""
        buffer = b""
        while True:
            chunk = stream.read()
            if not chunk:
                return
            if v2:
                chunk = self._v2_stdin(chunk)
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                text = line.decode("utf-8", errors="replace").strip()
                if text == "exit":
                    return
                outcome = self.shell.run(text, stream.closed)
                data = outcome.output
                if v2:
                    data = _v2_packet(V2_STDOUT, data) if data else b""
                try:
                    if data:
                        stream.write(data)
                except StreamClosedError:
                    return

    @staticmethod
    def _v2_stdin(chunk: bytes) -> bytes:
        """The stdin bytes inside shell-protocol packets (window-size packets dropped)."""
        data = bytearray()
        while len(chunk) >= 5:
            kind, length = struct.unpack("<BI", chunk[:5])
            if kind == V2_STDIN:
                data += chunk[5 : 5 + length]
            chunk = chunk[5 + length :]
        return bytes(data)

    # -- tcp forwarding ---------------------------------------------------------------------

    def _tcp(self, argument: str) -> Service | None:
        port_text = argument.rsplit(":", 1)[-1]
        if not port_text.isdigit():
            return None
        host_port = self.handset.port(int(port_text))
        if host_port is None:
            return None
        try:
            sock = socket.create_connection(("127.0.0.1", host_port), timeout=2.0)
        except OSError:
            return None
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return lambda stream: _pump(stream, sock)


def _pump(stream: Stream, sock: socket.socket) -> None:
    """Copy bytes both ways between an ADB stream and a TCP socket until either closes."""

    def upstream() -> None:
        try:
            while chunk := stream.read():
                sock.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_WR)

    threading.Thread(target=upstream, name="adbd-tcp-up", daemon=True).start()
    try:
        while chunk := sock.recv(256 * 1024):
            stream.write(chunk)
    except (OSError, StreamClosedError):
        pass
    finally:
        sock.close()
