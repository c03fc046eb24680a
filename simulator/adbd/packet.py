"""ADB messages: the 24-byte header, its payload, checksums and magic.

Every message between the adb server and a device is a little-endian header of six
32-bit words — command, arg0, arg1, payload length, payload checksum, command ^ 0xffffffff —
followed by the payload. Protocol version 0x01000001 and later skip the checksum (the
sender writes 0 and the receiver ignores it); older peers sum the payload bytes.

PacketError          a malformed header (bad magic, oversized payload, wrong checksum)
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

HEADER = struct.Struct("<6I")


def _command(name: bytes) -> int:
    return int.from_bytes(name, "little")


A_SYNC = _command(b"SYNC")
A_CNXN = _command(b"CNXN")
A_AUTH = _command(b"AUTH")
A_OPEN = _command(b"OPEN")
A_OKAY = _command(b"OKAY")
A_CLSE = _command(b"CLSE")
A_WRTE = _command(b"WRTE")
A_STLS = _command(b"STLS")

VERSION_MIN = 0x01000000
VERSION_SKIP_CHECKSUM = 0x01000001
VERSION = 0x01000001

MAX_PAYLOAD_V1 = 4 * 1024
MAX_PAYLOAD = 1024 * 1024

AUTH_TOKEN = 1
AUTH_SIGNATURE = 2
AUTH_RSAPUBLICKEY = 3


class PacketError(Exception):
    """A message that does not follow the protocol."""


def checksum(data: bytes | memoryview) -> int:
    """The legacy payload checksum: the sum of its bytes, modulo 2**32."""
    return sum(data) & 0xFFFFFFFF


def command_name(command: int) -> str:
    """ "CNXN", "OPEN"… for logs."""
    return command.to_bytes(4, "little").decode("ascii", errors="replace")


@dataclass(frozen=True)
class Packet:
    """One ADB message.

    Attributes:
        command: A_CNXN, A_OPEN…
        arg0: first argument (meaning depends on the command).
        arg1: second argument.
        data: the payload.
    """

    command: int
    arg0: int
    arg1: int
    data: bytes = b""

    def __str__(self) -> str:
        return f"{command_name(self.command)}({self.arg0:#x}, {self.arg1:#x}, {len(self.data)} B)"


def header(
    command: int, arg0: int, arg1: int, data: bytes | memoryview, with_checksum: bool
) -> bytes:
    """The 24-byte header of a message carrying `data`."""
    check = checksum(data) if with_checksum else 0
    return HEADER.pack(command, arg0, arg1, len(data), check, command ^ 0xFFFFFFFF)


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    """`size` bytes, or None when the peer closed first."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:], size - got)
        if n == 0:
            return None
        got += n
    return bytes(buffer)


def read_packet(sock: socket.socket, max_payload: int, verify_checksum: bool) -> Packet | None:
    """Read one message; None when the connection closed cleanly between messages.

    Raises:
        PacketError: bad magic, a payload larger than `max_payload`, or a wrong checksum.
        OSError: the socket failed.
    """
    raw = _read_exact(sock, HEADER.size)
    if raw is None:
        return None
    command, arg0, arg1, length, check, magic = HEADER.unpack(raw)
    if magic != command ^ 0xFFFFFFFF:
        raise PacketError(f"bad magic {magic:#x} for command {command:#x}")
    if length > max_payload:
        raise PacketError(f"{command_name(command)} payload of {length} B exceeds {max_payload}")
    data = b""
    if length:
        payload = _read_exact(sock, length)
        if payload is None:
            raise PacketError("connection closed inside a payload")
        data = payload
    if verify_checksum and length and checksum(data) != check:
        raise PacketError(f"{command_name(command)} checksum mismatch")
    return Packet(command, arg0, arg1, data)
