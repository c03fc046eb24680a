"""`ScriptedPhone`: a `Device` whose screens are uiautomator dumps, for selector-only profiles.

The WeChat and WeCom profiles have no templates, so the virtual phone (which draws
SimChat) cannot stand in for those apps. This fake serves the synthetic dumps in
tests/unit/vision/fixtures/real_apps/ instead: a tap on a labelled node moves to the next
dump, check boxes toggle, an EditText takes typed text, and 发表 records the post. Its
screenshots are flat colours that change whenever the hierarchy does, which is all the
flow runner needs to see a screen settle or change. It is not a model of the real apps.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agent.devices.base import Image, Key
from agent.devices.errors import DeviceCommandError
from farm_protocol.device import DeviceInfo

REAL_APPS = Path(__file__).resolve().parents[1] / "vision" / "fixtures" / "real_apps"
WIDTH, HEIGHT, DENSITY = 1080, 2400, 420
LAUNCHER = "com.android.launcher3"

Matcher = Callable[[ET.Element], bool]


def text(value: str) -> Matcher:
    """A node showing exactly this text."""
    return lambda el: el.get("text") == value


def text_starts(value: str) -> Matcher:
    """A node whose text starts so (完成(2/9))."""
    return lambda el: el.get("text", "").startswith(value)


def desc(value: str) -> Matcher:
    """A node with this content description."""
    return lambda el: el.get("content-desc") == value


def at(bounds: str) -> Matcher:
    """The node with exactly these bounds (an icon with no label)."""
    return lambda el: el.get("bounds") == bounds


@dataclass
class Post:
    """What was published: the composer's text and how many images were picked."""

    text: str
    images: int


@dataclass
class ScriptedPhone:
    """A phone showing one dump at a time (see the module docstring).

    Args:
        package: the app's package.
        version: its versionName.
        dumps: state -> dump file stem (in REAL_APPS).
        taps: (state, matcher, next state) — the first whose matcher fits the tapped node.
        resume: the state the app shows when started from the launcher.
        ask_photos_permission: the first visit to `image_picker` shows the system
            permission dialog over it until 允许 is tapped.
    """

    package: str
    version: str
    dumps: dict[str, str]
    taps: list[tuple[str, Matcher, str]]
    resume: str
    ask_photos_permission: bool = True
    state: str = "launcher"
    posts: list[Post] = field(default_factory=list)
    pushed: list[Path] = field(default_factory=list)
    checked_order: list[int] = field(default_factory=list)
    dump_errors: int = 0  # the next N hierarchy dumps fail (uiautomator busy)
    _tree: ET.Element | None = None
    _history: list[str] = field(default_factory=list)
    _picked: int = 0
    _dialog: bool = False

    def __post_init__(self) -> None:
        self._tree = self._load(self.state)

    # -- the Device protocol ----------------------------------------------------------------

    @property
    def serial(self) -> str:
        return "scripted-1"

    def info(self) -> DeviceInfo:
        return DeviceInfo(
            serial=self.serial,
            model="Scripted",
            width=WIDTH,
            height=HEIGHT,
            density=DENSITY,
            app_versions={self.package: self.version},
        )

    def window_size(self) -> tuple[int, int]:
        return WIDTH, HEIGHT

    def screenshot(self) -> Image:
        digest = hashlib.sha256(self.dump_xml().encode()).digest()
        return np.full((HEIGHT, WIDTH, 3), tuple(digest[:3]), np.uint8)

    def tap(self, x: int, y: int) -> None:
        for el in self._hits(x, y):
            if el.get("class") == "android.widget.CheckBox" and el.get("text") != "原图":
                on = el.get("checked") != "true"
                el.set("checked", "true" if on else "false")
                cells = [c for c in self._tree_now().iter("node") if _is_cell_check(c)]
                if on:
                    self.checked_order.append(cells.index(el))
                return
            if el.get("class") == "android.widget.EditText":
                for other in self._tree_now().iter("node"):
                    other.set("focused", "false")
                el.set("focused", "true")
                return
            state = "permission_dialog" if self._dialog else self.state
            for where, matcher, nxt in self.taps:
                if where == state and matcher(el):
                    self._on_tap(nxt)
                    return

    def long_press(self, x: int, y: int, duration_ms: int = 800) -> None:
        self.tap(x, y)

    def swipe(self, x1: int, y1: int, x2: int, y2: int, duration_ms: int = 300) -> None:
        pass

    def type_text(self, value: str) -> None:
        for el in self._tree_now().iter("node"):
            if el.get("focused") == "true" and el.get("class") == "android.widget.EditText":
                el.set("text", el.get("text", "") + value)

    def press_key(self, key: Key) -> None:
        if key is Key.BACK and self._history:
            self._go(self._history.pop(), remember=False)

    def push_media(self, local_path: Path) -> str:
        self.pushed.append(local_path)
        return f"/sdcard/Pictures/{local_path.name}"

    def app_start(self, package: str) -> None:
        if package == self.package and self.state == "launcher":
            self._go(self.resume)

    def app_stop(self, package: str) -> None:
        self._go("launcher", remember=False)

    def current_app(self) -> str:
        return LAUNCHER if self.state == "launcher" else self.package

    def dump_hierarchy(self) -> str:
        if self.dump_errors:
            self.dump_errors -= 1
            raise DeviceCommandError(self.serial, "uiautomator dump: could not get idle state")
        return self.dump_xml()

    # -- the script -------------------------------------------------------------------------

    def dump_xml(self) -> str:
        """What `uiautomator dump` would write now."""
        root = ET.Element("hierarchy", rotation="0")
        root.append(self._load("permission_dialog") if self._dialog else self._tree_now())
        return ET.tostring(root, encoding="unicode")

    def _tree_now(self) -> ET.Element:
        assert self._tree is not None
        return self._tree

    def _load(self, state: str) -> ET.Element:
        stem = self.dumps.get(state, state)
        root = ET.parse(REAL_APPS / f"{stem}.xml").getroot()
        return root[0]

    def _hits(self, x: int, y: int) -> list[ET.Element]:
        tree = self._load("permission_dialog") if self._dialog else self._tree_now()
        hits = []
        for el in tree.iter("node"):
            x0, y0, x1, y1 = _bounds(el.get("bounds", ""))
            if x0 <= x < x1 and y0 <= y < y1:
                hits.append(((x1 - x0) * (y1 - y0), el))
        return [el for _, el in sorted(hits, key=lambda h: h[0])]  # innermost first

    def _on_tap(self, nxt: str) -> None:
        if nxt == "allow":
            self._dialog = False
            self.ask_photos_permission = False
            return
        if self.state == "image_picker" and nxt == "composer":
            self._picked = sum(1 for c in self._tree_now().iter("node") if _is_checked(c))
        if self.state == "composer" and nxt == "moments_feed":
            field_ = next(e for e in self._tree_now().iter("node") if _is_edit(e))
            self.posts.append(Post(field_.get("text", ""), self._picked))
        self._go(nxt)
        if nxt == "image_picker" and self.ask_photos_permission:
            self._dialog = True

    def _go(self, state: str, *, remember: bool = True) -> None:
        if remember:
            self._history.append(self.state)
        self.state = state
        self._tree = self._load(state)


def _bounds(text: str) -> tuple[int, int, int, int]:
    parts = text.replace("][", ",").strip("[]").split(",")
    x0, y0, x1, y1 = (int(p) for p in parts)
    return x0, y0, x1, y1


def _is_cell_check(el: ET.Element) -> bool:
    return el.get("class") == "android.widget.CheckBox" and el.get("text") != "原图"


def _is_checked(el: ET.Element) -> bool:
    return _is_cell_check(el) and el.get("checked") == "true"


def _is_edit(el: ET.Element) -> bool:
    return el.get("class") == "android.widget.EditText"


WECHAT_SCREENS = (
    *("chat_list", "contacts", "discover", "me", "moments_feed", "post_menu"),
    *("image_picker", "composer", "conversation"),
)


def wechat_phone() -> ScriptedPhone:
    """WeChat 8.0.49, left on the 我 tab: 发现 → 朋友圈 → camera → 从相册选择 → 发表."""
    tabs = [("微信", "chat_list"), ("通讯录", "contacts"), ("发现", "discover"), ("我", "me")]
    taps = [
        (s, text(label), nxt)
        for s in ("chat_list", "contacts", "discover", "me")
        for label, nxt in tabs
    ]
    taps += [
        ("discover", text("朋友圈"), "moments_feed"),
        ("moments_feed", desc("拍照分享"), "post_menu"),
        ("post_menu", text("从相册选择"), "image_picker"),
        ("post_menu", text("取消"), "moments_feed"),
        ("permission_dialog", text("允许"), "allow"),
        ("image_picker", text_starts("完成"), "composer"),
        ("composer", text("发表"), "moments_feed"),
    ]
    dumps = {name: f"wechat_{name}" for name in WECHAT_SCREENS}
    dumps["launcher"] = "launcher"
    return ScriptedPhone("com.tencent.mm", "8.0.49", dumps, taps, resume="me")


def wecom_phone() -> ScriptedPhone:
    """WeCom 4.1.22, left on 通讯录: 工作台 → 客户朋友圈 → compose → add images → 发表."""
    tabs = [("消息", "chat_list"), ("工作台", "workbench"), ("通讯录", "contacts")]
    taps = [
        (s, text(label), nxt) for s in ("chat_list", "workbench", "contacts") for label, nxt in tabs
    ]
    taps += [
        ("workbench", text("客户朋友圈"), "moments_feed"),
        ("moments_feed", at("[960,130][1060,230]"), "composer"),
        ("composer", at("[40,700][340,1000]"), "image_picker"),
        ("permission_dialog", text("允许"), "allow"),
        ("image_picker", text_starts("完成"), "composer"),
        ("composer", text("发表"), "moments_feed"),
    ]
    dumps = {
        "chat_list": "wecom_chat_list",
        "workbench": "wecom_workbench",
        "contacts": "wecom_contacts",
        "moments_feed": "wecom_customer_moments",
        "composer": "wecom_composer",
        "image_picker": "wecom_image_picker",
        "conversation": "wecom_conversation",
        "launcher": "launcher",
    }
    return ScriptedPhone("com.tencent.wework", "4.1.22", dumps, taps, resume="contacts")
