"""parse_hierarchy / find_nodes on the committed uiautomator dumps."""

from __future__ import annotations

import pytest
from vision_support import FIXTURES, shot

from agent.flows.app import App
from agent.vision.hierarchy import UiNode, find_nodes, matches, parse_hierarchy
from agent.vision.match import Box
from device_profiles.model import Selector

CHAT_LIST = "chat_list__1080x2400@420__light__zh-CN"
PICKER = "image_picker__1080x2400@420__light__en"
APP_ID = "com.simchat.app:id/"


def _nodes(name: str) -> list[UiNode]:
    return parse_hierarchy((FIXTURES / f"{name}.xml").read_text(encoding="utf-8"))


def test_every_node_is_parsed_in_document_order() -> None:
    nodes = _nodes(CHAT_LIST)

    root = nodes[0]
    assert root.bounds == Box(0, 0, 1080, 2400)
    assert root.class_name == "android.widget.FrameLayout"
    assert root.package == "com.simchat.app"
    ids = [n.resource_id.removeprefix(APP_ID) for n in nodes]
    assert ids.index("chat_list") < ids.index("chat_row") < ids.index("tab_chats")
    tabs = [i for i in ids if i.startswith("tab_") and i != "tab_badge"]
    assert tabs == ["tab_chats", "tab_contacts", "tab_discover", "tab_me"]


def test_a_selected_selector_picks_the_selected_tab_only() -> None:
    nodes = _nodes(CHAT_LIST)

    chats = find_nodes(nodes, Selector(resource_id=f"{APP_ID}tab_chats", selected=True))
    discover = find_nodes(nodes, Selector(resource_id=f"{APP_ID}tab_discover", selected=True))
    unselected = find_nodes(nodes, Selector(resource_id=f"{APP_ID}tab_discover", selected=False))

    assert [n.bounds for n in chats] == [shot(CHAT_LIST).node("tab_chats").bounds]
    assert discover == []
    assert [n.bounds for n in unselected] == [shot(CHAT_LIST).node("tab_discover").bounds]


def test_the_profiles_screen_selectors_agree_with_the_dump(app: App) -> None:
    nodes = _nodes(CHAT_LIST)

    for name, screen in app.profile.screens.items():
        hit = all(find_nodes(nodes, s) for s in screen.selectors) if screen.selectors else None
        if hit is not None:
            assert hit == (name == "chat_list"), name


@pytest.mark.parametrize(
    ("selector", "texts"),
    [
        (Selector(resource_id=f"{APP_ID}chat_name", text="张伟"), ["张伟"]),
        (Selector(text="Emily Chen"), ["Emily Chen"]),
        (
            Selector(resource_id=f"{APP_ID}chat_snippet", text_contains="Hangzhou"),
            ["Do you ship to Hangzhou?"],
        ),
        (Selector(text="张"), []),  # text is exact; text_contains is for parts
        (Selector(text_contains="张"), ["张伟"]),
        (Selector(class_name="androidx.recyclerview.widget.RecyclerView"), [""]),
    ],
)
def test_text_and_class_selectors(selector: Selector, texts: list[str]) -> None:
    found = find_nodes(_nodes(CHAT_LIST), selector)

    assert [n.text for n in found] == texts


def test_a_checked_selector_splits_the_picker_checks() -> None:
    nodes = _nodes(PICKER)
    recorded = shot(PICKER).nodes["picker_check"]

    checked = find_nodes(nodes, Selector(resource_id=f"{APP_ID}picker_check", checked=True))
    unchecked = find_nodes(nodes, Selector(resource_id=f"{APP_ID}picker_check", checked=False))

    assert [n.bounds for n in checked] == [r.bounds for r in recorded if r.checked]
    assert [n.bounds for n in unchecked] == [r.bounds for r in recorded if not r.checked]
    assert len(checked) == 3 and len(unchecked) == 3
    done = find_nodes(nodes, Selector(resource_id=f"{APP_ID}btn_picker_done"))
    assert [n.text for n in done] == ["Done (3)"]


def test_content_description_and_package_selectors() -> None:
    nodes = _nodes(PICKER)

    photo = find_nodes(nodes, Selector(content_desc="IMG_20240412.jpg"))
    system = find_nodes(nodes, Selector(package="com.android.systemui"))

    assert [n.resource_id for n in photo] == [f"{APP_ID}picker_item"]
    assert photo[0].clickable
    assert system and all(n.resource_id.startswith("com.android.systemui:id/") for n in system)


def test_nodes_without_bounds_are_skipped_and_empty_ones_never_selected() -> None:
    xml = (
        "<hierarchy rotation='0'>"
        "<node resource-id='a:id/x' bounds='[0,0][10,10]' checked='true' focused='true'/>"
        "<node resource-id='a:id/x' bounds='[5,5][5,20]'/>"
        "<node resource-id='a:id/x' bounds='nowhere'/>"
        "<node resource-id='a:id/x'/>"
        "</hierarchy>"
    )
    nodes = parse_hierarchy(xml)

    assert [n.bounds for n in nodes] == [Box(0, 0, 10, 10), Box(5, 5, 5, 20)]
    assert nodes[0].checked and nodes[0].focused and not nodes[0].selected
    assert matches(nodes[1], Selector(resource_id="a:id/x"))
    assert find_nodes(nodes, Selector(resource_id="a:id/x")) == [nodes[0]]


@pytest.mark.parametrize("text", ["", "not xml", "<hierarchy><node></hierarchy>"])
def test_text_that_is_not_a_dump_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a hierarchy dump"):
        parse_hierarchy(text)
