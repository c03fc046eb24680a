"""The uiautomator-style dump."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from simulator.hierarchy import XML_DECLARATION, hierarchy_xml
from simulator.node import Node


def test_dump_format_and_nesting(driver) -> None:
    driver.phone.goto("chat_list")
    xml = driver.device.dump_hierarchy()
    assert xml.startswith(XML_DECLARATION)
    root = ET.fromstring(xml)
    assert root.tag == "hierarchy" and root.get("rotation") == "0"
    window = root[0]
    assert window.get("bounds") == "[0,0][1080,2400]"
    assert window.get("package") == "com.simchat.app"
    row = next(n for n in root.iter("node") if n.get("resource-id").endswith("/chat_row"))
    children = {c.get("resource-id").rsplit("/", 1)[-1] for c in row}
    assert {"chat_name", "chat_snippet", "chat_time"} <= children
    assert row.get("clickable") == "true"
    keys = list(row.attrib)
    assert keys[:3] == ["index", "text", "resource-id"] and keys[-1] == "bounds"


def test_hiding_chat_text_blanks_bubbles_and_snippets(make_driver) -> None:
    d = make_driver(hierarchy_hides_chat_text=True)
    d.phone.goto("chat_list")
    assert all(n.get("text") == "" for n in d.nodes("chat_snippet"))
    assert any(n.get("text") for n in d.nodes("chat_name"))
    d.phone.goto("conversation", contact="张伟")
    assert d.nodes("msg_in") and all(n.get("text") == "" for n in d.nodes("msg_in"))
    assert d.nodes("conv_title")[0].get("text") == "张伟"


def test_escaping_and_empty_nodes() -> None:
    nodes = [
        Node((0, 0, 100, 100), "com.simchat.app:id/a", text='<&"quoted">'),
        Node((10, 10, 10, 50), "com.simchat.app:id/empty"),
    ]
    root = ET.fromstring(hierarchy_xml(nodes, 100, 100, "com.simchat.app"))
    found = [n for n in root.iter("node") if n.get("resource-id")]
    assert [n.get("text") for n in found] == ['<&"quoted">']
