"""Chat on the wire: what a `sync_chats` job asks and reads, what a `send_message` job sends.

Messages read off a phone screen have no ids. The controller gives the agent, per
conversation, the tail of what it already knows (an *anchor*); the agent reads the
conversation's bubbles from the newest upwards, scrolling back until it sees the anchor
(or the top of the history), and reports that window. The controller aligns the window
with its stored tail and appends only what follows the overlap, so re-reading a screen
never duplicates a message and a burst larger than one screen is not skipped.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from farm_protocol.jobs import TASK_CONFIG, JobKind

Direction = Literal["in", "out"]


class KnownMessage(BaseModel):
    """A message the controller already has, as the screen would show it."""

    direction: Direction
    text: str


class ChatAnchor(BaseModel):
    """The newest messages the controller knows for one contact (oldest first)."""

    contact_name: str = Field(min_length=1)
    tail: list[KnownMessage] = Field(default_factory=list, max_length=10)


class SyncChatsTask(BaseModel):
    """What a `sync_chats` job asks of the phone: read what is new in the account's chats."""

    model_config = TASK_CONFIG
    kind: Literal[JobKind.SYNC_CHATS] = JobKind.SYNC_CHATS
    account_id: int | None = Field(default=None, description="the account whose chats are read")
    anchors: list[ChatAnchor] = Field(default_factory=list)
    app: str | None = Field(default=None, description="the app profile (the account's app)")
    max_conversations: int = Field(default=20, ge=1, le=200)
    max_scrolls: int = Field(default=30, ge=0, le=500, description="per conversation")


class BubbleRead(BaseModel):
    """One message bubble as read off the screen."""

    direction: Direction
    text: str
    time_label: str | None = Field(default=None, description="the time separator above it")
    via: Literal["hierarchy", "ocr"] = "hierarchy"
    image: bool = Field(default=False, description="the bubble is a picture")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)


class ConversationRead(BaseModel):
    """What was read in one conversation, oldest bubble first."""

    contact_name: str
    unread_badge: int = Field(default=0, ge=0)
    bubbles: list[BubbleRead]
    reached_anchor: bool = Field(description="the window overlaps the anchor's tail")
    reached_top: bool = Field(description="the window starts at the conversation's beginning")


class SyncChatsResult(BaseModel):
    """Everything a `sync_chats` job read; the agent reports it as `FlowData.sync`."""

    conversations: list[ConversationRead] = Field(default_factory=list)
    chat_list_unread: dict[str, int] = Field(
        default_factory=dict, description="contact name → badge count seen on the chat list"
    )


class SendMessageTask(BaseModel):
    """What a `send_message` job asks of the phone: send a reply a person wrote."""

    model_config = TASK_CONFIG
    kind: Literal[JobKind.SEND_MESSAGE] = JobKind.SEND_MESSAGE
    account_id: int | None = Field(default=None, description="the account the reply is sent from")
    message_id: int
    conversation_id: int
    contact_name: str = Field(min_length=1)
    text: str = Field(min_length=1)
    check_first: bool = Field(
        default=False, description="an earlier attempt's outcome is unknown: read the chat first"
    )
    app: str | None = Field(default=None, description="the app profile (the account's app)")
