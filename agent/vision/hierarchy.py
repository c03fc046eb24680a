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
    """True when every field the selector gives matches the node."""
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
    if selector.checked is not None and selector.checked != node.checked:
        return False
    return selector.selected is None or selector.selected == node.selected


def find_nodes(nodes: list[UiNode], selector: Selector) -> list[UiNode]:
    """The nodes a selector picks, with a non-empty area, in document order."""
    return [n for n in nodes if matches(n, selector) and n.bounds.width > 0 and n.bounds.height > 0]
