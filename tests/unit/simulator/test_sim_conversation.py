"""Chatting: sending, receiving, unread counts and notification banners."""

from __future__ import annotations

from agent.devices.base import Key


def _open_chat(d, name: str) -> None:
    d.phone.goto("chat_list")
    rows = d.nodes("chat_name")
    index = [r.get("text") for r in rows].index(name)
    d.tap("chat_row", index)
    assert d.label == "conversation"
    assert d.nodes("conv_title")[0].get("text") == name


def test_send_a_message_is_delivered(driver) -> None:
    world = driver.phone.world
    before = len(world.delivered_to("张伟"))
    _open_chat(driver, "张伟")
    assert driver.nodes("btn_plus") and not driver.nodes("btn_send")
    driver.tap("input_message")
    driver.device.type_text("明天下午三点可以来取 👍")
    assert driver.nodes("btn_send") and not driver.nodes("btn_plus")
    driver.tap("btn_send")
    delivered = world.delivered_to("张伟")
    assert len(delivered) == before + 1
    assert delivered[-1].text == "明天下午三点可以来取 👍"
    bubbles = driver.nodes("msg_out")
    assert bubbles[-1].get("text") == "明天下午三点可以来取 👍"
    assert driver.nodes("input_message")[0].get("text") == ""
    assert driver.nodes("btn_plus")


def test_enter_sends_too(driver) -> None:
    _open_chat(driver, "Emily Chen")
    driver.tap("input_message")
    driver.device.type_text("Yes, we ship to Hangzhou!")
    driver.device.press_key(Key.ENTER)
    driver.settle()
    assert driver.phone.world.delivered_to("Emily Chen")[-1].text == "Yes, we ship to Hangzhou!"


def test_typing_without_focus_goes_nowhere(driver) -> None:
    _open_chat(driver, "李娜")
    driver.device.type_text("lost")
    assert driver.nodes("input_message")[0].get("text") == ""
    driver.tap("input_message")
    x, y = driver.center("msg_list")
    driver.device.tap(x, y)  # outside any clickable node: the field loses focus
    assert driver.nodes("input_message")[0].get("focused") == "false"
    driver.device.type_text("also lost")
    assert driver.nodes("input_message")[0].get("text") == ""


def test_opening_a_chat_clears_its_unread_count(driver) -> None:
    world = driver.phone.world
    assert world.unread("Emily Chen") == 2
    _open_chat(driver, "Emily Chen")
    assert world.unread("Emily Chen") == 0


def test_incoming_message_shows_a_banner_that_opens_the_chat(driver) -> None:
    world = driver.phone.world
    driver.phone.goto("discover")
    world.inject_message("王芳", "今天有新货吗？")
    assert driver.label == "banner"
    assert driver.nodes("banner_text")[0].get("text") == "今天有新货吗？"
    assert world.unread("王芳") == 1
    driver.tap("banner")
    assert driver.label == "conversation"
    assert driver.nodes("conv_title")[0].get("text") == "王芳"
    assert driver.nodes("msg_in")[-1].get("text") == "今天有新货吗？"
    assert world.unread("王芳") == 0


def test_banner_goes_away_by_itself_or_by_swipe(driver) -> None:
    world = driver.phone.world
    driver.phone.goto("chat_list")
    world.inject_message("张伟", "在吗")
    assert driver.label == "banner"
    driver.settle(3.5)
    assert driver.label == "chat_list"
    world.inject_message("张伟", "在吗？？")
    x, y = driver.center("banner")
    driver.device.swipe(x, y, x, y - 200, 200)
    assert driver.label == "chat_list"
    assert world.unread("张伟") == 3  # 1 seeded + 2 new: dismissing does not read


def test_message_into_the_open_chat_is_read_at_once(driver) -> None:
    world = driver.phone.world
    _open_chat(driver, "陈小雨")
    world.inject_message("陈小雨", "我到门口了")
    assert driver.label == "conversation"
    assert world.unread("陈小雨") == 0
    assert driver.nodes("msg_in")[-1].get("text") == "我到门口了"


def test_conversation_scrolls_back_to_older_messages(make_driver) -> None:
    d = make_driver(720, 1600, 320)
    world = d.phone.world
    for i in range(30):
        world.seed_message("李娜", "in" if i % 2 else "out", f"message {i}", world.now())
    _open_chat(d, "李娜")
    assert d.nodes("msg_in")[-1].get("text") == "message 29"
    before = [n.get("text") for n in d.nodes("msg_out") + d.nodes("msg_in")]
    x, y = d.center("msg_list")
    d.device.swipe(x, y - 300, x, y + 300, 300)
    after = [n.get("text") for n in d.nodes("msg_out") + d.nodes("msg_in")]
    assert after != before
    assert "message 29" not in after
