"""uiautomator selectors matched against a hierarchy dump, as the uiautomator2 server does.

A selector is the dict uiautomator2's `Selector` sends (`text`, `textContains`,
`resourceId`, `className`, `description…`, boolean flags, `index`, `instance`; the
`mask` says which keys are set). Regex keys (`…Matches`) must match the whole value, as
Java's `String.matches` does. Child and sibling selectors are not supported.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")

_ATTRIBUTE: Mapping[str, str] = MappingProxyType(
    {
        "text": "text",
        "className": "class",
        "description": "content-desc",
        "packageName": "package",
        "resourceId": "resource-id",
    }
)
_FLAGS: Mapping[str, str] = MappingProxyType(
    {
        "checkable": "checkable",
        "checked": "checked",
        "clickable": "clickable",
        "longClickable": "long-clickable",
        "scrollable": "scrollable",
        "enabled": "enabled",
        "focusable": "focusable",
        "focused": "focused",
        "selected": "selected",
    }
)
_IGNORED = ("mask", "childOrSibling", "childOrSiblingSelector", "instance")


@dataclass(frozen=True)
class UiNode:
    """One node of a hierarchy dump."""

    attrs: Mapping[str, str]
    child_count: int

    @property
    def bounds(self) -> tuple[int, int, int, int]:
        """(left, top, right, bottom)."""
        match = _BOUNDS.match(self.attrs.get("bounds", ""))
        if match is None:
            return (0, 0, 0, 0)
        left, top, right, bottom = (int(v) for v in match.groups())
        return (left, top, right, bottom)

    @property
    def center(self) -> tuple[int, int]:
        """The middle of the node."""
        left, top, right, bottom = self.bounds
        return ((left + right) // 2, (top + bottom) // 2)

    def info(self) -> dict[str, Any]:
        """The node as uiautomator2's `objInfo` describes it."""
        left, top, right, bottom = self.bounds
        box = {"left": left, "top": top, "right": right, "bottom": bottom}
        a = self.attrs
        info: dict[str, Any] = {
            "bounds": box,
            "visibleBounds": dict(box),
            "childCount": self.child_count,
            "className": a.get("class", ""),
            "contentDescription": a.get("content-desc", ""),
            "packageName": a.get("package", ""),
            "resourceName": a.get("resource-id", ""),
            "text": a.get("text", ""),
        }
        for key, attr in _FLAGS.items():
            info[key] = a.get(attr) == "true"
        return info


def parse_nodes(xml: str) -> list[UiNode]:
    """Every node of a dump, in document order."""
    root = ET.fromstring(xml.encode("utf-8"))
    return [UiNode(dict(el.attrib), len(el.findall("node"))) for el in root.iter("node")]


def _test(key: str, expected: Any) -> Callable[[UiNode], bool]:
    if key in _ATTRIBUTE:
        attr = _ATTRIBUTE[key]
        return lambda n: n.attrs.get(attr, "") == expected
    if key in _FLAGS:
        attr = _FLAGS[key]
        return lambda n: (n.attrs.get(attr) == "true") == bool(expected)
    if key == "index":
        return lambda n: n.attrs.get("index") == str(expected)
    for suffix, kind in (("Contains", "in"), ("StartsWith", "start"), ("Matches", "re")):
        if key.endswith(suffix) and key[: -len(suffix)] in _ATTRIBUTE:
            attr = _ATTRIBUTE[key[: -len(suffix)]]
            if kind == "in":
                return lambda n: str(expected) in n.attrs.get(attr, "")
            if kind == "start":
                return lambda n: n.attrs.get(attr, "").startswith(str(expected))
            pattern = re.compile(str(expected), re.DOTALL)
            return lambda n: pattern.fullmatch(n.attrs.get(attr, "")) is not None
    raise ValueError(f"unsupported selector key {key}")


def select(nodes: list[UiNode], selector: Mapping[str, Any]) -> list[UiNode]:
    """The nodes a selector matches; `instance` picks one of them.

    Raises:
        ValueError: the selector uses a key (or child/sibling selectors) not supported.
    """
    if selector.get("childOrSibling"):
        raise ValueError("child and sibling selectors are not supported")
    tests = [_test(key, value) for key, value in selector.items() if key not in _IGNORED]
    matches = [n for n in nodes if all(t(n) for t in tests)]
    if "instance" in selector:
        index = int(selector["instance"])
        return matches[index : index + 1]
    return matches
