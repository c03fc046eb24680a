"""System commands of the virtual phone: getprop, wm, dumpsys, settings, svc, ime, pm, ps.

Their output copies the lines real Android 13 prints that clients parse (`Physical size:`,
`level:`, `mCurrentFocus=`, `versionName=`, `package:`…).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from simulator.adbd.handset import Handset
from simulator.adbd.shell import Command, Invocation, Outcome, fail, ok


def activity_of(handset: Handset, package: str) -> str:
    """The full component name of a package's launcher activity."""
    info = handset.packages.get(package)
    activity = info.activity if info else ".MainActivity"
    return f"{package}/{package}{activity}" if activity.startswith(".") else f"{package}/{activity}"


def getprop(inv: Invocation) -> Outcome:
    """`getprop [NAME]`."""
    props = inv.handset.properties()
    if len(inv.argv) > 1:
        return ok(props.get(inv.argv[1], "") + "\n")
    return ok("".join(f"[{k}]: [{v}]\n" for k, v in sorted(props.items())))


def wm(inv: Invocation) -> Outcome:
    """`wm size` / `wm density`."""
    phone = inv.handset.phone
    what = inv.argv[1] if len(inv.argv) > 1 else ""
    if what == "size":
        return ok(f"Physical size: {phone.width}x{phone.height}\n")
    if what == "density":
        return ok(f"Physical density: {phone.density}\n")
    return fail("wm: unknown command\n", 255)


def _battery(inv: Invocation) -> Outcome:
    phone = inv.handset.phone
    if len(inv.argv) >= 5 and inv.argv[2] == "set" and inv.argv[3] == "level":
        phone.battery = int(inv.argv[4])
        return Outcome()
    return ok(
        "Current Battery Service state:\n"
        "  AC powered: false\n  USB powered: true\n  Wireless powered: false\n"
        "  Max charging current: 500000\n  status: 2\n  health: 2\n  present: true\n"
        f"  level: {phone.battery}\n  scale: 100\n  voltage: 4200\n  temperature: 250\n"
        "  technology: Li-ion\n"
    )


def _power(inv: Invocation) -> Outcome:
    handset = inv.handset
    on = handset.screen_on
    stay = handset.setting("global", "stay_on_while_plugged_in") not in (None, "0")
    return ok(
        "POWER MANAGER (dumpsys power)\n\nPower Manager State:\n"
        f"  mWakefulness={'Awake' if on else 'Asleep'}\n"
        f"  mStayOn={'true' if stay else 'false'}\n"
        f"  mHoldingDisplaySuspendBlocker={'true' if on else 'false'}\n"
        f"Display Power: state={'ON' if on else 'OFF'}\n"
    )


def _window(inv: Invocation) -> Outcome:
    handset = inv.handset
    phone = handset.phone
    package = phone.current_app()
    component = activity_of(handset, package)
    locked = "true" if phone.locked else "false"
    return ok(
        "WINDOW MANAGER WINDOWS (dumpsys window windows)\n"
        f"  mCurrentFocus=Window{{5a1b2c3 u0 {component}}}\n"
        f"  mFocusedApp=ActivityRecord{{8d7e6f5 u0 {component} t12}}\n"
        f"  mDreamingLockscreen={locked} mShowingLockscreen={locked}\n"
        f"  mScreenOn={'true' if handset.screen_on else 'false'}\n"
        f"  mUnrestrictedScreen=(0,0) {phone.width}x{phone.height}\n"
    )


def _package(inv: Invocation) -> Outcome:
    packages = inv.handset.packages
    names = [a for a in inv.argv[2:] if not a.startswith("-")] or sorted(packages)
    out = ["Packages:\n"]
    for name in names:
        info = packages.get(name)
        if info is None:
            continue
        out.append(
            f"  Package [{name}] (3c4d5e6):\n"
            f"    versionCode={info.version_code} minSdk=24 targetSdk=33\n"
            f"    versionName={info.version_name}\n"
        )
    return ok("".join(out))


def dumpsys(inv: Invocation) -> Outcome:
    """`dumpsys battery|power|window|package [PKG]`."""
    service = inv.argv[1] if len(inv.argv) > 1 else ""
    handlers = {
        "battery": _battery,
        "power": _power,
        "window": _window,
        "package": _package,
    }
    handler = handlers.get(service)
    if handler is None:
        return ok(f"Can't find service: {service}\n")
    return handler(inv)


def settings(inv: Invocation) -> Outcome:
    """`settings get|put|list NAMESPACE [KEY [VALUE]]`."""
    handset = inv.handset
    verb, namespace = inv.argv[1], inv.argv[2]
    if verb == "get":
        value = handset.setting(namespace, inv.argv[3])
        return ok(f"{'null' if value is None else value}\n")
    if verb == "put":
        handset.set_setting(namespace, inv.argv[3], inv.argv[4])
        return Outcome()
    if verb == "list":
        items = sorted((k, v) for (ns, k), v in handset.settings.items() if ns == namespace)
        return ok("".join(f"{k}={v}\n" for k, v in items))
    return fail(f"settings: unknown verb {verb}\n", 255)


def svc(inv: Invocation) -> Outcome:
    """`svc power stayon true|false|usb|ac|wireless`."""
    if inv.argv[1:3] == ["power", "stayon"]:
        value = inv.argv[3]
        level = {"true": "7", "false": "0", "usb": "2", "ac": "1", "wireless": "4"}[value]
        inv.handset.set_setting("global", "stay_on_while_plugged_in", level)
        return Outcome()
    return fail("svc: unknown command\n", 1)


def ime(inv: Invocation) -> Outcome:
    """`ime list [-s] [-a]`, `ime enable|disable|set ID`."""
    handset = inv.handset
    verb = inv.argv[1]
    if verb == "list":
        every = "-a" in inv.argv
        ids = [i for i in handset.all_imes() if every or i in handset.enabled_imes]
        return ok("".join(f"{i}\n" for i in ids))
    ime_id = inv.argv[2]
    if ime_id not in handset.all_imes():
        return fail(f"Unknown input method {ime_id} cannot be {verb}d for user #0\n", 255)
    if verb == "enable":
        handset.enabled_imes.add(ime_id)
        return ok(f"Input method {ime_id}: now enabled for user #0\n")
    if verb == "disable":
        handset.enabled_imes.discard(ime_id)
        return ok(f"Input method {ime_id}: now disabled for user #0\n")
    if verb == "set":
        if ime_id not in handset.enabled_imes:
            return fail(f"Input method {ime_id} is not enabled for user #0\n", 255)
        handset.set_setting("secure", "default_input_method", ime_id)
        return ok(f"Input method {ime_id} selected for user #0\n")
    return fail(f"ime: unknown command {verb}\n", 255)


def pm(inv: Invocation) -> Outcome:
    """`pm list packages [-3] [FILTER]`, `pm path PKG`, `pm uninstall PKG`, `pm grant …`."""
    handset = inv.handset
    args = inv.argv[1:]
    if args[:2] == ["list", "packages"]:
        words = [a for a in args[2:] if not a.startswith("-")]
        names = sorted(p for p in handset.packages if not words or words[0] in p)
        return ok("".join(f"package:{name}\n" for name in names))
    if args[0] == "path":
        if args[1] not in handset.packages:
            return Outcome(code=1)
        return ok(f"package:/data/app/{args[1]}-1/base.apk\n")
    if args[0] == "uninstall":
        return ok("Success\n") if handset.uninstall(args[-1]) else fail("Failure [DELETE_FAILED]\n")
    if args[0] == "install":
        return fail("Failure [INSTALL_FAILED_INVALID_APK: not supported on a virtual phone]\n")
    if args[0] in ("grant", "revoke"):
        return Outcome()
    return fail(f"pm: unknown command {args[0]}\n", 255)


def ps(inv: Invocation) -> Outcome:
    """`ps [-A]`: the processes a client may look for."""
    rows = ["USER PID PPID VSZ RSS WCHAN ADDR S NAME"]
    rows.append("root 1 0 100 10 0 0 S init")
    app = inv.handset.phone.current_app()
    rows.append(f"u0_a120 4321 700 1000 100 0 0 S {app}")
    if inv.handset.port(9008) is not None:
        rows.append("shell 5432 5430 1000 100 0 0 S app_process")
    return ok("\n".join(rows) + "\n")


SYSTEM_COMMANDS: Mapping[str, Command] = MappingProxyType(
    {
        "getprop": getprop,
        "wm": wm,
        "dumpsys": dumpsys,
        "settings": settings,
        "svc": svc,
        "ime": ime,
        "pm": pm,
        "ps": ps,
    }
)
