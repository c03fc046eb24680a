"""Screen renderers, one module per screen; `RENDERERS` maps screen names to them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from simulator.node import Frame
from simulator.screens import (
    chat_list,
    composer,
    contacts,
    conversation,
    discover,
    image_picker,
    launcher,
    lock_screen,
    me,
    moments_feed,
)
from simulator.screens.view import View

RENDERERS: Mapping[str, Callable[[View], Frame]] = MappingProxyType(
    {
        "launcher": launcher.render,
        "lock_screen": lock_screen.render,
        "chat_list": chat_list.render,
        "contacts": contacts.render,
        "discover": discover.render,
        "me": me.render,
        "moments_feed": moments_feed.render,
        "composer": composer.render,
        "image_picker": image_picker.render,
        "conversation": conversation.render,
    }
)

__all__ = ["RENDERERS", "View"]
