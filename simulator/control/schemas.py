"""What the sim control API answers with."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FaultKind = Literal[
    "dialog", "crash", "freeze", "disconnect", "reconnect", "lock", "unlock", "toast"
]


class PhoneOut(BaseModel):
    """One virtual phone and what it shows."""

    serial: str
    width: int
    height: int
    density: int
    theme: str
    locale: str
    connected: bool
    locked: bool
    battery: int
    screen: str = Field(description='ground truth of what is on top, e.g. "moments_feed"')
    account: str = Field(description="the app account logged in on the phone")
    posts: int = Field(description="posts this phone's account published")
    faults: list[str] = Field(description="the last 100 faults the phone suffered, in order")


class ImageOut(BaseModel):
    """One image of a published post."""

    width: int
    height: int
    rgb_sha256: str = Field(description="sha256 of the image's raw RGB bytes (row-major)")
    media_name: str = Field(description="the file name it was picked from on the phone")


class FeedPostOut(BaseModel):
    """A post the phone's own account really published."""

    id: str
    text: str
    images: list[ImageOut]
    published_at: datetime


class ContactOut(BaseModel):
    """A contact in the phone's address book."""

    id: str
    name: str
    unread: int


class MessageOut(BaseModel):
    """One chat message; direction "in" came from the contact, "out" was sent by us."""

    id: str
    contact_id: str
    direction: Literal["in", "out"]
    text: str
    timestamp: datetime


class MessageIn(BaseModel):
    """A customer writes to the phone's account."""

    model_config = ConfigDict(extra="forbid")

    contact: str = Field(min_length=1, description="contact id or name")
    text: str = Field(min_length=1, max_length=5000)


class FaultIn(BaseModel):
    """Something goes wrong on the phone, now."""

    model_config = ConfigDict(extra="forbid")

    kind: FaultKind
    dialog: Literal["update", "permission", "crash"] = Field(
        default="update", description='for kind "dialog"'
    )
    ms: int = Field(default=1500, ge=1, le=600_000, description='for kind "freeze"')
