"""What a renderer produces: pixels plus the nodes it drew them for.

Every tappable or readable thing on screen is a `Node`, created by the same code that
draws it, so hit-testing and the accessibility hierarchy always agree with the pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

Bounds = tuple[int, int, int, int]
APP_PACKAGE = "com.simchat.app"
LAUNCHER_PACKAGE = "com.android.launcher3"
SYSTEM_UI_PACKAGE = "com.android.systemui"
PERMISSION_PACKAGE = "com.android.permissioncontroller"
ANDROID_PACKAGE = "android"


@dataclass(frozen=True)
class Action:
    """What touching a node does, by name (the phone's interaction layer executes it).

    Attributes:
        name: the verb, e.g. "open_conversation" or "switch_tab".
        arg: its argument (a contact id, a tab name, a media name…), if any.
    """

    name: str
    arg: str | None = None


@dataclass(frozen=True)
class Node:
    """One view: its bounds in pixels and the attributes uiautomator reports.

    Attributes:
        bounds: (x0, y0, x1, y1) in screen pixels, x1/y1 exclusive.
        resource_id: the full id, e.g. "com.simchat.app:id/btn_send", or "".
        private_text: the text is chat content (hidden when the hierarchy hides chat text).
        action: what a tap does (None: nothing).
        long_action: what a long press does (None: same as a tap).
        scroll_area: the scroll position a swipe on this node moves.
    """

    bounds: Bounds
    resource_id: str = ""
    text: str = ""
    content_desc: str = ""
    class_name: str = "android.view.View"
    package: str = APP_PACKAGE
    clickable: bool = False
    long_clickable: bool = False
    focusable: bool = False
    focused: bool = False
    selected: bool = False
    checkable: bool = False
    checked: bool = False
    scrollable: bool = False
    enabled: bool = True
    password: bool = False
    private_text: bool = False
    action: Action | None = None
    long_action: Action | None = None
    scroll_area: str | None = None

    @property
    def id_name(self) -> str:
        """The id without its package: "btn_send"."""
        return self.resource_id.rsplit("/", 1)[-1] if self.resource_id else ""

    @property
    def center(self) -> tuple[int, int]:
        """The centre point, where a finger would tap."""
        x0, y0, x1, y1 = self.bounds
        return ((x0 + x1) // 2, (y0 + y1) // 2)

    def contains(self, x: int, y: int) -> bool:
        """True when the point lies inside the bounds."""
        x0, y0, x1, y1 = self.bounds
        return x0 <= x < x1 and y0 <= y < y1


@dataclass(frozen=True)
class StatusBarLook:
    """How the status bar should look over a frame.

    Attributes:
        background: colour behind the glyphs, or None to let the screen show through.
        light_glyphs: draw white glyphs (for dark backgrounds).
    """

    background: tuple[int, int, int] | None
    light_glyphs: bool


@dataclass(frozen=True)
class Frame:
    """A rendered screen: the image, its nodes (draw order, topmost last) and scroll limits.

    Attributes:
        image: RGB image of the whole screen.
        nodes: every node drawn, parents before children, topmost last.
        scroll_limits: the largest scroll offset of each scroll area, in pixels.
        status_bar: how the status bar should be drawn over this frame.
    """

    image: Image.Image
    nodes: tuple[Node, ...]
    scroll_limits: dict[str, int] = field(default_factory=dict)
    status_bar: StatusBarLook = StatusBarLook(None, False)

    def find(self, id_name: str) -> list[Node]:
        """All nodes whose id ends with `/<id_name>`."""
        return [n for n in self.nodes if n.id_name == id_name]
