"""Nodes → a uiautomator-style hierarchy dump (the XML `uiautomator dump` writes).

Nesting follows geometry: a node becomes the child of the most recent earlier node whose
bounds contain it, which matches how renderers emit containers before their contents.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from simulator.node import Node

XML_DECLARATION = "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _contains(outer: Node, inner: Node) -> bool:
    ox0, oy0, ox1, oy1 = outer.bounds
    ix0, iy0, ix1, iy1 = inner.bounds
    return ox0 <= ix0 and oy0 <= iy0 and ix1 <= ox1 and iy1 <= oy1


def _attributes(node: Node, index: int, hide_text: bool) -> dict[str, str]:
    x0, y0, x1, y1 = node.bounds
    text = "" if hide_text and node.private_text else node.text
    return {
        "index": str(index),
        "text": text,
        "resource-id": node.resource_id,
        "class": node.class_name,
        "package": node.package,
        "content-desc": node.content_desc,
        "checkable": _flag(node.checkable),
        "checked": _flag(node.checked),
        "clickable": _flag(node.clickable),
        "enabled": _flag(node.enabled),
        "focusable": _flag(node.focusable),
        "focused": _flag(node.focused),
        "scrollable": _flag(node.scrollable),
        "long-clickable": _flag(node.long_clickable),
        "password": _flag(node.password),
        "selected": _flag(node.selected),
        "bounds": f"[{x0},{y0}][{x1},{y1}]",
    }


def hierarchy_xml(
    nodes: Sequence[Node], width: int, height: int, package: str, hide_text: bool = False
) -> str:
    """Serialise `nodes` as a uiautomator dump.

    Args:
        nodes: the frame's nodes in draw order.
        width: screen width in pixels (bounds of the root window node).
        height: screen height in pixels.
        package: package of the foreground window.
        hide_text: blank the text of chat content (bubbles, chat-list snippets), as some
            app versions do.

    Returns:
        The XML text, declaration included.
    """
    root = ET.Element("hierarchy", {"rotation": "0"})
    window = Node(
        bounds=(0, 0, width, height), class_name="android.widget.FrameLayout", package=package
    )
    top = ET.SubElement(root, "node", _attributes(window, 0, hide_text))
    stack: list[tuple[Node, ET.Element]] = [(window, top)]
    for node in nodes:
        if node.bounds[2] <= node.bounds[0] or node.bounds[3] <= node.bounds[1]:
            continue
        while len(stack) > 1 and not _contains(stack[-1][0], node):
            stack.pop()
        parent = stack[-1][1]
        element = ET.SubElement(parent, "node", _attributes(node, len(parent), hide_text))
        stack.append((node, element))
    body = ET.tostring(root, encoding="unicode")
    return f"{XML_DECLARATION}\r\n{body}"
