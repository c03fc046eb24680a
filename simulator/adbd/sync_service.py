"""The `sync:` service: STAT, LIST, SEND, RECV and QUIT on the phone's files.

Requests are an id and a little-endian length, then that many bytes (a path; for SEND
"path,mode"). SEND is followed by DATA chunks and a DONE carrying the mtime; RECV answers
with DATA chunks (at most 64 KiB each) and DONE. Failures answer FAIL and a message.
"""

from __future__ import annotations

import struct

from simulator.adbd.filesystem import VirtualFiles
from simulator.adbd.stream import Stream, StreamClosedError
from simulator.adbd.wire_faults import WireFaults

SYNC_DATA_MAX = 64 * 1024
_REQUEST = struct.Struct("<4sI")


def _fail(stream: Stream, message: str) -> None:
    data = message.encode()
    stream.write(b"FAIL" + struct.pack("<I", len(data)) + data)


def _stat(files: VirtualFiles, stream: Stream, path: str) -> None:
    entry = files.stat(path)
    mode, size, mtime = (entry.mode, entry.size, entry.mtime) if entry else (0, 0, 0)
    stream.write(b"STAT" + struct.pack("<3I", mode, size, mtime))


def _list(files: VirtualFiles, stream: Stream, path: str) -> None:
    try:
        entries = files.listdir(path)
    except FileNotFoundError:
        entries = {}
    out = bytearray()
    for name, entry in entries.items():
        raw = name.encode()
        out += b"DENT" + struct.pack("<4I", entry.mode, entry.size, entry.mtime, len(raw)) + raw
    out += b"DONE" + struct.pack("<4I", 0, 0, 0, 0)
    stream.write(bytes(out))


def _send(files: VirtualFiles, stream: Stream, spec: str) -> None:
    path, _, mode_text = spec.rpartition(",")
    if not path:
        path, mode_text = spec, "33188"
    mode = int(mode_text) if mode_text.isdigit() else 0o644
    data = bytearray()
    while True:
        kind, length = _REQUEST.unpack(stream.read_exact(_REQUEST.size))
        if kind == b"DATA":
            if length > SYNC_DATA_MAX:
                _fail(stream, f"data chunk of {length} B exceeds {SYNC_DATA_MAX}")
                return
            data += stream.read_exact(length)
        elif kind == b"DONE":
            files.write(path, bytes(data), mode, mtime=length)
            stream.write(b"OKAY" + struct.pack("<I", 0))
            return
        else:
            _fail(stream, f"unexpected {kind!r} during SEND")
            return


def _recv(files: VirtualFiles, stream: Stream, path: str) -> None:
    try:
        data = files.read(path)
    except FileNotFoundError:
        _fail(stream, f"remote object '{path}' does not exist")
        return
    except IsADirectoryError:
        _fail(stream, f"remote object '{path}' is a directory")
        return
    out = bytearray()
    for start in range(0, len(data), SYNC_DATA_MAX):
        chunk = data[start : start + SYNC_DATA_MAX]
        out += b"DATA" + struct.pack("<I", len(chunk)) + chunk
    out += b"DONE" + struct.pack("<I", 0)
    stream.write(bytes(out))


def serve_sync(files: VirtualFiles, faults: WireFaults, stream: Stream) -> None:
    """Answer sync requests until QUIT or the stream closes."""
    while True:
        try:
            head = stream.read_exact(_REQUEST.size)
        except StreamClosedError:
            return
        kind, length = _REQUEST.unpack(head)
        argument = stream.read_exact(length).decode("utf-8", errors="replace") if length else ""
        if faults.delay_s:
            stream.closed.wait(faults.delay_s)
        if kind == b"QUIT":
            return
        if kind == b"STAT":
            _stat(files, stream, argument)
        elif kind == b"LIST":
            _list(files, stream, argument)
        elif kind == b"SEND":
            _send(files, stream, argument)
        elif kind == b"RECV":
            _recv(files, stream, argument)
        else:
            _fail(stream, f"unknown sync request {kind!r}")
            return
