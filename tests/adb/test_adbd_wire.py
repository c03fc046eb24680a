"""The virtual phone's adbd side, spoken to directly as an adb server would (no `adb` needed).

Covers the handshake (version and max-data negotiation, legacy checksums), AUTH refusal,
stream flow control, refused services, and the shell interpreter.
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest

from simulator.adbd import AdbdServer, Handset, WireFaults
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
    VERSION_MIN,
    Packet,
    header,
    read_packet,
)
from simulator.adbd.server import shell_commands
from simulator.adbd.shell import Shell
from simulator.phone import VirtualPhone


class Host:
    """The host end of one transport, enough to test the device end."""

    def __init__(self, port: int, version: int = VERSION) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5.0)
        self.version = version

    def send(
        self, command: int, arg0: int, arg1: int, data: bytes = b"", check: int | None = None
    ) -> None:
        head = header(command, arg0, arg1, data, True)
        if check is not None:
            head = struct.pack("<6I", command, arg0, arg1, len(data), check, command ^ 0xFFFFFFFF)
        self.sock.sendall(head + data)

    def read(self) -> Packet | None:
        return read_packet(self.sock, MAX_PAYLOAD, self.version < 0x01000001)

    def handshake(self, max_payload: int = MAX_PAYLOAD) -> Packet | None:
        self.send(A_CNXN, self.version, max_payload, b"host::\0")
        return self.read()

    def run(self, service: str) -> bytes:
        self.send(A_OPEN, 7, 0, service.encode() + b"\0")
        opened = self.read()
        assert opened is not None and opened.command == A_OKAY, opened
        data = bytearray()
        while True:
            packet = self.read()
            assert packet is not None
            if packet.command == A_WRTE:
                data += packet.data
                self.send(A_OKAY, 7, packet.arg0)
            elif packet.command == A_CLSE:
                return bytes(data)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def adbd() -> Iterator[AdbdServer]:
    server = AdbdServer(VirtualPhone(width=360, height=800, density=160)).start()
    yield server
    server.stop()


def test_handshake_negotiates_version_and_max_data(adbd: AdbdServer) -> None:
    host = Host(adbd.port)
    answer = host.handshake(max_payload=4096)
    assert answer is not None and answer.command == A_CNXN
    assert (answer.arg0, answer.arg1) == (VERSION, 4096)
    assert answer.data.startswith(b"device::")
    assert b"ro.product.model=SimPhone 360x800" in answer.data
    raw = host.run("exec:screencap")
    assert len(raw) == 16 + 360 * 800 * 4
    host.close()


def test_legacy_version_checksums_every_payload(adbd: AdbdServer) -> None:
    host = Host(adbd.port, version=VERSION_MIN)
    answer = host.handshake(max_payload=4096)
    assert answer is not None and answer.arg0 == VERSION_MIN
    # read_packet verifies each checksum for the legacy version
    assert host.run("shell:echo hello") == b"hello\n"
    host.send(A_OPEN, 9, 0, b"shell:echo x\0", check=12345)  # a wrong checksum
    assert host.read() is None  # the phone hangs up, as adbd does on a corrupt packet
    host.close()


def test_wrte_payloads_never_exceed_the_negotiated_size(adbd: AdbdServer) -> None:
    host = Host(adbd.port)
    host.handshake(max_payload=1024)
    host.send(A_OPEN, 3, 0, b"exec:screencap -p\0")
    assert host.read() is not None
    sizes = []
    while True:
        packet = host.read()
        assert packet is not None
        if packet.command == A_CLSE:
            break
        sizes.append(len(packet.data))
        host.send(A_OKAY, 3, packet.arg0)
    assert max(sizes) <= 1024 and sum(sizes) > 1024
    host.close()


def test_unknown_services_are_refused(adbd: AdbdServer) -> None:
    host = Host(adbd.port)
    host.handshake()
    host.send(A_OPEN, 5, 0, b"jdwp:1234\0")
    refused = host.read()
    assert refused is not None and (refused.command, refused.arg1) == (A_CLSE, 5)
    host.send(A_OPEN, 6, 0, b"tcp:9008\0")  # nothing listens there yet
    refused = host.read()
    assert refused is not None and refused.command == A_CLSE
    host.close()


def test_a_refusing_phone_challenges_until_someone_accepts() -> None:
    faults = WireFaults(refuse_auth=True)
    server = AdbdServer(VirtualPhone(width=360, height=800, density=160), faults=faults).start()
    try:
        host = Host(server.port)
        token = host.handshake()
        assert token is not None and (token.command, token.arg0) == (A_AUTH, AUTH_TOKEN)
        assert len(token.data) == 20
        host.send(A_AUTH, AUTH_SIGNATURE, 0, b"\x01" * 256)
        again = host.read()
        assert again is not None and (again.command, again.arg0) == (A_AUTH, AUTH_TOKEN)
        host.send(A_AUTH, AUTH_RSAPUBLICKEY, 0, b"QAAAAK2= host@farm\0")
        host.send(A_OPEN, 1, 0, b"shell:echo no\0")  # ignored until authorized
        faults.accept_key()
        welcome = host.read()
        assert welcome is not None and welcome.command == A_CNXN
        assert host.run("shell:echo yes") == b"yes\n"
        host.close()
    finally:
        server.stop()


def test_shell_v2_frames_output_and_exit_code(adbd: AdbdServer) -> None:
    host = Host(adbd.port)
    host.handshake()
    framed = host.run("shell,v2,raw:echo out; cat /nope")
    packets = []
    while framed:
        kind, length = struct.unpack("<BI", framed[:5])
        packets.append((kind, framed[5 : 5 + length]))
        framed = framed[5 + length :]
    assert packets[0] == (1, b"out\n")
    assert packets[1][0] == 2 and b"No such file" in packets[1][1]
    assert packets[-1] == (3, b"\x01")
    host.close()


def test_emulator_ports_are_refused() -> None:
    with pytest.raises(ValueError, match="5555-5585"):
        AdbdServer(VirtualPhone(width=360, height=800, density=160), port=5557)


@pytest.fixture
def shell() -> Shell:
    return Shell(Handset(VirtualPhone(width=360, height=800, density=160)), shell_commands())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("echo a && echo b", b"a\nb\n"),
        ("false && echo no || echo yes", b"yes\n"),
        ("false; echo X4EXIT:$?", b"X4EXIT:1\n"),
        ("getprop ro.build.version.sdk", b"33\n"),
        ("wm size", b"Physical size: 360x800\n"),
        ("dumpsys battery | grep level", b"  level: 87\n"),
        ("echo hi > /sdcard/a.txt; cat /sdcard/a.txt", b"hi\n"),
        ("nosuch 2>/dev/null; echo $?", b"127\n"),
        ("pm list packages simchat", b"package:com.simchat.app\n"),
        ("settings get secure default_input_method", b"com.android.adbkeyboard/.AdbIME\n"),
    ],
)
def test_the_shell_answers_like_a_phone(shell: Shell, line: str, expected: bytes) -> None:
    assert shell.run(line).output == expected


def test_the_media_scan_broadcast_adds_a_pushed_image(shell: Shell) -> None:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(buffer, "PNG")
    shell.handset.files.write("/sdcard/Pictures/red.png", buffer.getvalue())
    before = len(shell.handset.phone.media())
    out = shell.run(
        "am broadcast -a android.intent.action.MEDIA_SCANNER_SCAN_FILE "
        "-d file:///sdcard/Pictures/red.png"
    )
    assert b"Broadcast completed" in out.output
    assert len(shell.handset.phone.media()) == before + 1
    assert shell.handset.phone.media()[0].name == "red.png"
