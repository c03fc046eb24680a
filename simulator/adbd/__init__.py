"""A virtual phone on the wire: the device side of ADB, so real ADB clients can drive it.

    server.py            AdbdServer — listens on a loopback port; start/stop = plug/unplug
    connection.py        one transport: CNXN/AUTH handshake, OPEN/OKAY/WRTE/CLSE streams
    packet.py            the 24-byte message header, checksums, versions, max payload
    stream.py            one stream's device end, with write flow control
    services.py          shell:, shell,v2:, exec:, sync:, tcp: — the service router
    sync_service.py      STAT/LIST/SEND/RECV/QUIT on the phone's files
    shell.py             a small /system/bin/sh (lists, pipes, redirections, $?)
    coreutils.py         echo, cat, ls, grep, md5sum…
    system_commands.py   getprop, wm, dumpsys, settings, svc, ime, pm, ps
    activity_commands.py input, am (start, force-stop, broadcast), monkey
    screen_commands.py   screencap, uiautomator dump
    frame_encoder.py     the screen as PNG, raw RGBA and JPEG (cached per frame)
    handset.py           Handset — the Android system around a VirtualPhone
    filesystem.py        the phone's files (pushed media, dumps, the u2 jar)
    uiautomator_server.py / uiautomator_rpc.py / ui_selector.py
                         the uiautomator2 JSON-RPC server `app_process` starts
    wire_faults.py       refuse the host's key, be slow, drop the link mid-command

It implements the protocol itself: nothing here imports adbutils or uiautomator2.
"""

from simulator.adbd.handset import ADB_KEYBOARD, U2_KEYBOARD, Handset, InputMethodSpec
from simulator.adbd.server import AdbdServer
from simulator.adbd.wire_faults import WireFaults

__all__ = [
    "ADB_KEYBOARD",
    "U2_KEYBOARD",
    "AdbdServer",
    "Handset",
    "InputMethodSpec",
    "WireFaults",
]
