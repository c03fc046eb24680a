"""Turn a virtual phone's world into the sim control API's answers."""

from __future__ import annotations

import hashlib

from PIL import Image

from simulator.control.schemas import FeedPostOut, ImageOut, MessageOut, PhoneOut
from simulator.phone import VirtualPhone
from simulator.world import Message, Post


def rgb_sha256(image: Image.Image) -> str:
    """sha256 of an image's raw RGB bytes: equal for equal pixels, whatever the file format."""
    return hashlib.sha256(image.convert("RGB").tobytes()).hexdigest()


def phone_out(phone: VirtualPhone) -> PhoneOut:
    """A phone's facts and state."""
    phone.tick()
    return PhoneOut(
        serial=phone.serial,
        width=phone.width,
        height=phone.height,
        density=phone.density,
        theme=phone.theme,
        locale=phone.locale,
        connected=phone.connected,
        locked=phone.locked,
        battery=phone.battery,
        screen=phone.screen_label(),
        account=phone.world.account.name,
        posts=len(phone.world.published_posts()),
        faults=phone.fault_log[-100:],
    )


def post_out(post: Post) -> FeedPostOut:
    """A published post with a hash of each image's pixels."""
    names = list(post.media_names) + [""] * (len(post.images) - len(post.media_names))
    return FeedPostOut(
        id=post.id,
        text=post.text,
        images=[
            ImageOut(
                width=image.width,
                height=image.height,
                rgb_sha256=rgb_sha256(image),
                media_name=name,
            )
            for image, name in zip(post.images, names, strict=False)
        ],
        published_at=post.published_at,
    )


def message_out(message: Message) -> MessageOut:
    """One chat message."""
    return MessageOut(
        id=message.id,
        contact_id=message.contact_id,
        direction=message.direction,
        text=message.text,
        timestamp=message.timestamp,
    )
