"""Device backends and the `Device` protocol; only this package touches adbutils/uiautomator2.

base.py               Device — the protocol flows and vision callers see; Key, Image
errors.py             DeviceError and its tree
attached.py           AttachedPhone — a listed phone that follows the plug (what flows tap)
adb.py                AdbDevice — the protocol over adb alone (shell, screencap, input)
u2.py, u2_rpc.py      U2Device — the protocol over uiautomator2 on the phone
adb_backends.py       open_device(serial, backend) — "adb" or "u2"
adb_discovery.py      AdbDiscovery — follows the adb server's device list
adb_server_client.py  AdbServerClient — the adb server's host protocol
adb_errors.py         adb failure → DeviceError, operator hints
input_method.py       typing through the phone's input method
screen_capture.py     screencap decoding
"""
