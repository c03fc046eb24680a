"""The world: ground truth, lookups and thread safety."""

from __future__ import annotations

import threading

import pytest
from PIL import Image

from simulator.world import World


def test_demo_world() -> None:
    world = World()
    assert len(world.contacts()) == 6
    assert world.published_posts() == []
    assert len(world.feed()) == 3
    assert world.contact("张伟") == world.contact(world.contact("张伟").id)
    with pytest.raises(KeyError):
        world.contact("nobody")


def test_published_posts_keep_order_and_images() -> None:
    world = World(demo=False)
    image = Image.new("RGB", (10, 10), (1, 2, 3))
    first = world.publish_post("one", [image], ["a.png"])
    second = world.publish_post("two", [], [])
    assert world.published_posts() == [first, second]
    assert world.feed()[0] in (first, second)
    assert first.images[0].getpixel((0, 0)) == (1, 2, 3)


def test_inject_from_many_threads() -> None:
    world = World(demo=False)
    contact = world.add_contact("客户")
    cursor = world.inbound_cursor()

    def send(n: int) -> None:
        for i in range(50):
            world.inject_message(contact, f"{n}-{i}")

    threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    arrived, _ = world.inbound_after(cursor)
    assert len(arrived) == 200 == world.unread(contact)
    assert len({m.id for m in arrived}) == 200
