"""What a screen renderer is given: the render context and the state to draw."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.app_process import Screen, Upload
from simulator.canvas import RenderContext
from simulator.media import MediaItem
from simulator.world import World


@dataclass(frozen=True)
class View:
    """Everything one screen renderer reads.

    Attributes:
        ctx: size, density, theme, locale, assets and time of the frame.
        screen: the screen's own state (scroll, typed text, selection…).
        world: contacts, chats and feed.
        media: the media store, newest first.
        uploads: posts being published, oldest first, each with its progress (0..1).
    """

    ctx: RenderContext
    screen: Screen
    world: World
    media: tuple[MediaItem, ...] = ()
    uploads: tuple[tuple[Upload, float], ...] = ()
