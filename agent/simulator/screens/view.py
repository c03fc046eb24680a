"""What a screen renderer is given: the render context and the state to draw."""

from __future__ import annotations

from dataclasses import dataclass

from agent.simulator.app_process import Screen, Upload
from agent.simulator.canvas import RenderContext
from agent.simulator.media import MediaItem
from agent.simulator.world import World


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
