"""The drawing surface screen renderers use: density-aware shapes, text, icons and nodes.

Renderers think in dp (`canvas.dp(16)`) and draw in pixels; every call that draws
something tappable or readable also records a `Node` with the same bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from PIL import Image, ImageDraw

from simulator.assets import RenderAssets
from simulator.node import APP_PACKAGE, Action, Bounds, Frame, Node, StatusBarLook
from simulator.shapes import disc, rounded_rect
from simulator.strings import Strings
from simulator.theme import Color, Theme

STATUS_BAR_DP = 24
NAV_BAR_DP = 48
TOP_BAR_DP = 56
TAB_BAR_DP = 56


@dataclass(frozen=True)
class RenderContext:
    """What every renderer needs to know about the phone it draws for.

    Attributes:
        width: screen width in pixels.
        height: screen height in pixels.
        density: dots per inch (160 = 1 px per dp).
        theme: the palette.
        strings: UI text in the phone's locale.
        assets: fonts, masks and picture caches.
        zone: the phone's time zone (for clock texts).
        now: the wall-clock time of this frame.
    """

    width: int
    height: int
    density: int
    theme: Theme
    strings: Strings
    assets: RenderAssets
    zone: tzinfo
    now: datetime

    @property
    def scale(self) -> float:
        """Pixels per dp."""
        return self.density / 160.0

    def dp(self, value: float) -> int:
        """`value` dp in whole pixels."""
        return round(value * self.density / 160.0)

    @property
    def status_bar(self) -> int:
        """Status bar height in pixels."""
        return self.dp(STATUS_BAR_DP)

    @property
    def nav_bar(self) -> int:
        """Navigation bar height in pixels."""
        return self.dp(NAV_BAR_DP)

    @property
    def content_bottom(self) -> int:
        """The y where the navigation bar starts."""
        return self.height - self.nav_bar


@dataclass
class TextBlock:
    """Wrapped text laid out by `Canvas.paragraph`: its lines and the box they fill."""

    lines: list[str]
    bounds: Bounds
    line_height: int = 0
    widths: list[int] = field(default_factory=list)


class Canvas:
    """A full-screen RGB image plus the nodes drawn on it.

    Args:
        ctx: the phone's render context.
        background: fill colour of the whole screen (ignored when `image` is given).
        package: package reported by nodes created here.
        image: draw over this image (in place) instead of a new one.
        nodes: nodes already on the screen (new ones are appended, so they are on top).
    """

    def __init__(
        self,
        ctx: RenderContext,
        background: Color,
        package: str = APP_PACKAGE,
        image: Image.Image | None = None,
        nodes: tuple[Node, ...] = (),
    ) -> None:
        self.ctx = ctx
        self.theme = ctx.theme
        self.strings = ctx.strings
        self.assets = ctx.assets
        self.package = package
        self.image = image or Image.new("RGB", (ctx.width, ctx.height), background)
        self.draw = ImageDraw.Draw(self.image)
        self.nodes: list[Node] = list(nodes)
        self.clip: Bounds | None = None

    # -- units -----------------------------------------------------------------------

    def dp(self, value: float) -> int:
        """`value` dp in whole pixels."""
        return self.ctx.dp(value)

    def sp(self, value: float) -> int:
        """A text size of `value` sp in pixels (font scale 1.0)."""
        return max(1, round(value * self.ctx.scale))

    @property
    def width(self) -> int:
        """Screen width in pixels."""
        return self.ctx.width

    @property
    def height(self) -> int:
        """Screen height in pixels."""
        return self.ctx.height

    # -- shapes ----------------------------------------------------------------------

    def fill(self, box: Bounds, color: Color) -> None:
        """Fill a rectangle (x1/y1 exclusive)."""
        x0, y0, x1, y1 = box
        if x1 > x0 and y1 > y0:
            self.draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=color)

    def rrect(
        self,
        box: Bounds,
        radius: int,
        color: Color,
        alpha: float = 1.0,
        corners: tuple[bool, bool, bool, bool] = (True, True, True, True),
    ) -> None:
        """Fill an anti-aliased rounded rectangle."""
        rounded_rect(self.image, box, radius, color, self.assets.shapes, alpha, corners)

    def disc(
        self,
        center: tuple[int, int],
        diameter: int,
        color: Color,
        ring: int = 0,
        alpha: float = 1.0,
    ) -> None:
        """Fill an anti-aliased disc (or ring)."""
        disc(self.image, center, diameter, color, self.assets.shapes, ring, alpha)

    def hline(self, x0: int, x1: int, y: int, color: Color, thickness: int = 1) -> None:
        """A horizontal divider."""
        self.fill((x0, y, x1, y + thickness), color)

    def icon(self, name: str, box: Bounds, color: Color, filled: bool = False) -> None:
        """Paint icon `name` centred in `box` at the box's smaller side."""
        x0, y0, x1, y1 = box
        size = min(x1 - x0, y1 - y0)
        ox = x0 + (x1 - x0 - size) // 2
        oy = y0 + (y1 - y0 - size) // 2
        mask = self.assets.icons.mask(name, size, filled)
        self.image.paste(color, (ox, oy, ox + size, oy + size), mask)

    def paste(self, picture: Image.Image, xy: tuple[int, int]) -> None:
        """Paste an RGB or RGBA picture with its top-left corner at `xy`."""
        if picture.mode == "RGBA":
            self.image.paste(picture, xy, picture)
        else:
            self.image.paste(picture, xy)

    def dim(self, amount: float) -> None:
        """Darken the whole image towards black by `amount` (0..1)."""
        self.fade_from(Image.new("RGB", self.image.size, (0, 0, 0)), 1.0 - amount)

    def fade_from(self, before: Image.Image, alpha: float) -> None:
        """Blend: `before` at 1 - `alpha`, what is drawn now at `alpha`."""
        self.image = Image.blend(before, self.image, alpha)
        self.draw = ImageDraw.Draw(self.image)

    # -- text ------------------------------------------------------------------------

    def measure(self, text: str, size_sp: float, bold: bool = False) -> int:
        """Width of one line of text in pixels."""
        return self.assets.fonts.measure(text, self.sp(size_sp), bold)

    def line_height(self, size_sp: float) -> int:
        """Height of one line of text in pixels."""
        return self.assets.fonts.line_height(self.sp(size_sp))

    def text(
        self,
        x: int,
        y: int,
        text: str,
        size_sp: float,
        color: Color,
        bold: bool = False,
        max_width: int | None = None,
        align: str = "left",
    ) -> Bounds:
        """Draw one line; `y` is the top of its line box, `x` its left, centre or right.

        The text is ellipsized to `max_width` when given. Returns the line's bounds.
        """
        fonts = self.assets.fonts
        size = self.sp(size_sp)
        if max_width is not None:
            text = fonts.ellipsize(text, size, max_width, bold)
        width = fonts.measure(text, size, bold)
        left = x - width // 2 if align == "center" else x - width if align == "right" else x
        fonts.draw(self.image, (left, y), text, size, color, bold)
        return (left, y, left + width, y + fonts.line_height(size))

    def text_mid(
        self,
        x: int,
        center_y: int,
        text: str,
        size_sp: float,
        color: Color,
        bold: bool = False,
        max_width: int | None = None,
        align: str = "left",
    ) -> Bounds:
        """Like `text`, with the line vertically centred on `center_y`."""
        top = center_y - self.line_height(size_sp) // 2
        return self.text(x, top, text, size_sp, color, bold, max_width, align)

    def paragraph(
        self,
        x: int,
        y: int,
        text: str,
        size_sp: float,
        color: Color,
        max_width: int,
        max_lines: int | None = None,
        align: str = "left",
        bold: bool = False,
    ) -> TextBlock:
        """Draw wrapped text starting at (`x`, `y`); returns the lines and their box."""
        fonts = self.assets.fonts
        size = self.sp(size_sp)
        lines = fonts.wrap(text, size, max_width, bold)
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = fonts.ellipsize(lines[-1] + "……", size, max_width, bold)
        lh = fonts.line_height(size)
        widths = []
        for i, line in enumerate(lines):
            w = fonts.measure(line, size, bold)
            widths.append(w)
            lx = x + (max_width - w) // 2 if align == "center" else x
            fonts.draw(self.image, (lx, y + i * lh), line, size, color, bold)
        used = max(widths, default=0)
        left = x + (max_width - used) // 2 if align == "center" else x
        return TextBlock(lines, (left, y, left + used, y + lh * len(lines)), lh, widths)

    def wrap(self, text: str, size_sp: float, max_width: int) -> list[str]:
        """Lines `text` would wrap into (nothing is drawn)."""
        return self.assets.fonts.wrap(text, self.sp(size_sp), max_width)

    # -- nodes -----------------------------------------------------------------------

    def node(
        self,
        bounds: Bounds,
        id_name: str = "",
        *,
        text: str = "",
        desc: str = "",
        cls: str = "android.view.View",
        action: Action | None = None,
        long_action: Action | None = None,
        package: str | None = None,
        **flags: bool | str | None,
    ) -> Node | None:
        """Record a node (clipped to the current clip box); None when fully clipped away.

        Args:
            bounds: the node's box in pixels.
            id_name: short resource id ("btn_send"); the package prefix is added.
            action: what a tap does; makes the node clickable.
            flags: any other `Node` field (focused, selected, scrollable, private_text…).
        """
        x0, y0, x1, y1 = bounds
        if self.clip is not None:
            cx0, cy0, cx1, cy1 = self.clip
            x0, y0, x1, y1 = max(x0, cx0), max(y0, cy0), min(x1, cx1), min(y1, cy1)
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, self.width), min(y1, self.height)
        if x1 <= x0 or y1 <= y0:
            return None
        pkg = package or self.package
        options: dict[str, object] = {"clickable": action is not None}
        options.update(flags)
        node = Node(
            bounds=(x0, y0, x1, y1),
            resource_id=f"{pkg}:id/{id_name}" if id_name else "",
            text=text,
            content_desc=desc,
            class_name=cls,
            package=pkg,
            action=action,
            long_action=long_action,
            **options,  # type: ignore[arg-type]
        )
        self.nodes.append(node)
        return node

    def frame(
        self,
        status_bar: StatusBarLook,
        scroll_limits: dict[str, int] | None = None,
    ) -> Frame:
        """Finish: the image and nodes as a `Frame`."""
        return Frame(self.image, tuple(self.nodes), scroll_limits or {}, status_bar)
