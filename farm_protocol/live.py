"""Live screens and remote control: what the controller and an agent say on the screen link.

Each agent keeps one WebSocket to the controller at `SCREENS_WS_PATH` with its host token
(``Authorization: Bearer <token>``, as on the rest of the agent API). Screens are only
streamed while somebody looks (STF's rule): the controller asks for a stream per phone
and tier when a browser starts watching it and stops it when the last one leaves.

    agent → controller   text  `AgentHello` once connected
    controller → agent   text  `WatchCommand`   start, change or stop (spec None) a stream
    agent → controller   bytes `encode_frame(FrameHeader, jpeg)` at the asked rate
    controller → agent   text  `ControlCommand` take or release a phone for remote control
    controller → agent   text  `InputCommand`   a tap, swipe, text or key on a held phone
    agent → controller   text  `CommandResult`  the answer to a control or input command

A frame is ``len(header) as 2 bytes big-endian · header JSON (UTF-8) · JPEG``; the
controller forwards those bytes unchanged to the browsers that watch the stream.

Remote control (the rule the agent enforces): a person must *take* a phone first, and a
phone can only be taken while its worker has no job in hand; while it is held the worker
claims no job. The hold ends on release, after `ControlCommand.hold_seconds` without
input, or when the screen link drops. Coordinates of input are fractions (0..1) of the
screen's width and height, so the browser never needs the phone's resolution.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from farm_protocol.agent_api import AGENT_API_PREFIX

SCREENS_WS_PATH = f"{AGENT_API_PREFIX}/ws"
"""The agent's screen link on the controller."""

MAX_HEADER_BYTES = 4096


class StreamTier(StrEnum):
    """How closely a stream is watched: a grid cell, or the device page."""

    THUMB = "thumb"
    FOCUS = "focus"


class StreamSpec(BaseModel):
    """How to stream one phone's screen."""

    fps: float = Field(gt=0, le=30, description="frames per second at most")
    max_width: int = Field(ge=32, le=1440, description="frames are scaled down to this width")
    quality: int = Field(default=70, ge=10, le=95, description="JPEG quality")
    keyframe_s: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="an unchanged screen is re-sent this often (0: every frame is sent)",
    )


TIER_SPECS: dict[StreamTier, StreamSpec] = {
    StreamTier.THUMB: StreamSpec(fps=1.0, max_width=180, quality=60, keyframe_s=5.0),
    StreamTier.FOCUS: StreamSpec(fps=8.0, max_width=540, quality=70, keyframe_s=1.0),
}
"""The controller's default stream of each tier."""


# -- controller → agent ------------------------------------------------------------------


class WatchCommand(BaseModel):
    """Start, change (`spec` given) or stop (`spec` None) streaming one phone at one tier."""

    type: Literal["watch"] = "watch"
    serial: str = Field(min_length=1, max_length=128)
    tier: StreamTier
    spec: StreamSpec | None = None


class TapInput(BaseModel):
    """Touch and release at a point."""

    action: Literal["tap"] = "tap"
    x: float = Field(ge=0, le=1, description="fraction of the screen's width")
    y: float = Field(ge=0, le=1, description="fraction of the screen's height")


class LongPressInput(BaseModel):
    """Touch, hold, release."""

    action: Literal["long_press"] = "long_press"
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    duration_ms: int = Field(default=800, ge=100, le=5000)


class SwipeInput(BaseModel):
    """Drag a finger from (x, y) to (x2, y2)."""

    action: Literal["swipe"] = "swipe"
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    x2: float = Field(ge=0, le=1)
    y2: float = Field(ge=0, le=1)
    duration_ms: int = Field(default=300, ge=50, le=5000)


class TextInput(BaseModel):
    """Commit text to the focused field through the input method."""

    action: Literal["text"] = "text"
    text: str = Field(min_length=1, max_length=2000)


class KeyInput(BaseModel):
    """Press back, home or enter."""

    action: Literal["key"] = "key"
    key: Literal["back", "home", "enter"]


RemoteInput = Annotated[
    TapInput | LongPressInput | SwipeInput | TextInput | KeyInput, Field(discriminator="action")
]
"""One remote-control action, told apart by `action`."""


class ControlCommand(BaseModel):
    """Take (or renew) or release remote control of a phone for a person."""

    type: Literal["control"] = "control"
    id: str = Field(min_length=1, max_length=64, description="echoed in the CommandResult")
    serial: str = Field(min_length=1, max_length=128)
    action: Literal["take", "release"]
    user: str = Field(min_length=1, max_length=200)
    hold_seconds: float = Field(default=120.0, gt=0, le=3600)


class InputCommand(BaseModel):
    """Carry out one input on a phone the user holds."""

    type: Literal["input"] = "input"
    id: str = Field(min_length=1, max_length=64)
    serial: str = Field(min_length=1, max_length=128)
    user: str = Field(min_length=1, max_length=200)
    input: RemoteInput


ControllerMessage = Annotated[
    WatchCommand | ControlCommand | InputCommand, Field(discriminator="type")
]
CONTROLLER_MESSAGE: TypeAdapter[WatchCommand | ControlCommand | InputCommand] = TypeAdapter(
    ControllerMessage
)
"""Parses any text message the controller sends on the screen link."""


# -- agent → controller ------------------------------------------------------------------


class AgentHello(BaseModel):
    """The first message of a screen link: who is connected, with which phones."""

    type: Literal["hello"] = "hello"
    host: str = Field(min_length=1, max_length=100)
    serials: list[str] = Field(default_factory=list, max_length=500)


class ControlState(BaseModel):
    """Who holds a phone now (nobody: `holder` None)."""

    serial: str
    holder: str | None = None
    expires_in: float | None = Field(default=None, description="seconds until the hold ends")


class CommandError(StrEnum):
    """Why a control or input command was refused."""

    BUSY = "busy"
    """The phone's worker has a job in hand (or is claiming one)."""
    HELD = "held"
    """Somebody else holds the phone."""
    NOT_HELD = "not_held"
    """Input from somebody who does not hold the phone: take it first."""
    UNKNOWN_DEVICE = "unknown_device"
    OFFLINE = "offline"
    FAILED = "failed"
    """The phone refused or failed the action."""


class CommandResult(BaseModel):
    """The agent's answer to a `ControlCommand` or `InputCommand`."""

    type: Literal["result"] = "result"
    id: str
    ok: bool
    error: CommandError | None = None
    message: str = ""
    control: ControlState | None = None
    took_ms: float = 0.0


AgentMessage = Annotated[AgentHello | CommandResult, Field(discriminator="type")]
AGENT_MESSAGE: TypeAdapter[AgentHello | CommandResult] = TypeAdapter(AgentMessage)
"""Parses any text message an agent sends on the screen link."""


# -- frames ------------------------------------------------------------------------------


class FrameHeader(BaseModel):
    """What a frame is: which phone and stream, its size, and the screen's real size."""

    serial: str
    tier: StreamTier
    seq: int = Field(ge=0)
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    screen_width: int = Field(gt=0)
    screen_height: int = Field(gt=0)
    captured_ms: float = Field(description="the agent's wall clock, milliseconds since epoch")


class FrameError(ValueError):
    """Bytes that are not a frame."""


def encode_frame(header: FrameHeader, jpeg: bytes) -> bytes:
    """One frame as sent on the link (and forwarded to browsers)."""
    head = header.model_dump_json().encode()
    if len(head) > MAX_HEADER_BYTES:
        raise FrameError("frame header too long")
    return len(head).to_bytes(2, "big") + head + jpeg


def frame_key(data: bytes) -> tuple[str, StreamTier]:
    """(serial, tier) of an encoded frame, reading only its header.

    Raises:
        FrameError: `data` is not a frame.
    """
    header = decode_header(data)
    return header.serial, header.tier


def decode_header(data: bytes) -> FrameHeader:
    """The header of an encoded frame.

    Raises:
        FrameError: `data` is not a frame.
    """
    if len(data) < 2:
        raise FrameError("frame too short")
    size = int.from_bytes(data[:2], "big")
    if size == 0 or size > MAX_HEADER_BYTES or len(data) < 2 + size:
        raise FrameError("bad frame header length")
    try:
        return FrameHeader.model_validate(json.loads(data[2 : 2 + size]))
    except ValueError as exc:
        raise FrameError(f"bad frame header: {exc}") from None


def frame_jpeg(data: bytes) -> bytes:
    """The JPEG of an encoded frame (no checks beyond the header length)."""
    size = int.from_bytes(data[:2], "big")
    return data[2 + size :]
