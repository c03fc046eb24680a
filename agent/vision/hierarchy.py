"""Parse uiautomator hierarchy XML and select nodes the way a profile describes them."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from agent.vision.match import Box
from device_profiles.model import Selector

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


@dataclass(frozen=True)
class UiNode:
    """One node of the accessibility hierarchy."""

    resource_id: str
    text: str
    content_desc: str
    class_name: str
    package: str
    bounds: Box
    clickable: bool
    selected: bool
    focused: bool
    checked: bool


def parse_hierarchy(xml: str) -> list[UiNode]:
    """All nodes of a uiautomator dump, in document order.

    Raises:
        ValueError: the text is not a hierarchy dump.
    """
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise ValueError(f"not a hierarchy dump: {exc}") from None
    nodes = []
    for el in root.iter("node"):
        m = _BOUNDS.fullmatch(el.get("bounds", ""))
        if m is None:
            continue
        x0, y0, x1, y1 = (int(v) for v in m.groups())
        nodes.append(
            UiNode(
                resource_id=el.get("resource-id", ""),
                text=el.get("text", ""),
                content_desc=el.get("content-desc", ""),
                class_name=el.get("class", ""),
                package=el.get("package", ""),
                bounds=Box(x0, y0, x1, y1),
                clickable=el.get("clickable") == "true",
                selected=el.get("selected") == "true",
                focused=el.get("focused") == "true",
                checked=el.get("checked") == "true",
            )
        )
    return nodes


def matches(node: UiNode, selector: Selector) -> bool:
    """True when every field the selector gives matches the node (but `region`, which
    needs the screen's size: `find_nodes` applies it)."""
    checks = (
        (selector.resource_id, node.resource_id),
        (selector.text, node.text),
        (selector.content_desc, node.content_desc),
        (selector.class_name, node.class_name),
        (selector.package, node.package),
    )
    if any(want is not None and want != have for want, have in checks):
        return False
    if selector.text_contains is not None and selector.text_contains not in node.text:
        return False
    if selector.text_matches is not None and re.fullmatch(selector.text_matches, node.text) is None:
        return False
    if selector.checked is not None and selector.checked != node.checked:
        return False
    return selector.selected is None or selector.selected == node.selected


def find_nodes(
    nodes: list[UiNode], selector: Selector, screen: tuple[int, int] | None = None
) -> list[UiNode]:
    """The nodes a selector picks, with a non-empty area, in document order.

    Args:
        nodes: the parsed hierarchy.
        selector: what to pick.
        screen: (width, height) the selector's `region` is a fraction of; when None, the
            extent of the nodes (a dump's root spans the screen).
    """
    found = [n for n in nodes if matches(n, selector) and min(n.bounds.width, n.bounds.height) > 0]
    region = selector.region
    if region is None or not found:
        return found
    width, height = screen or (max(n.bounds.x1 for n in nodes), max(n.bounds.y1 for n in nodes))
    x0, x1 = region.x0 * width, region.x1 * width
    y0, y1 = region.y0 * height, region.y1 * height
    return [n for n in found if x0 <= n.bounds.center[0] <= x1 and y0 <= n.bounds.center[1] <= y1]
