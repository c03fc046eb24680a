"""The chat API's request and response models (conversations, messages, contacts, tags,
canned replies, notes, the current user)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from farm_controller.auth.principal import Role
from farm_controller.schemas.types import DbId, Storable, TypeableLine, TypeableText, UtcAware
from farm_protocol.device import DeviceState


class ConversationStatus(StrEnum):
    """Where a conversation is: `open` needs staff, `pending` waits, `resolved` is done."""

    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"


class DeliveryStatus(StrEnum):
    """How far a reply got: ``queued → sent → delivered | failed | unconfirmed``.

    `sent` means a phone is sending it now; `delivered` that its bubble was seen on the
    phone's screen; `unconfirmed` that the phone's answer is unknown (it is checked on the
    screen before any new attempt); `cancelled` that a person withdrew a scheduled reply.
    """

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"


_SHORTCODE = re.compile(r"^[\w.-]{1,64}$")


def _shortcode(value: str) -> str:
    if not _SHORTCODE.match(value):
        raise ValueError("use letters, digits, '_', '-' or '.' (at most 64), without spaces")
    return value


def _color(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError("a colour like #3b82f6")
    return value.lower()


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


ReplyText = Annotated[TypeableText, Field(max_length=4000), AfterValidator(_not_blank)]
NoteText = Annotated[Storable, Field(min_length=1, max_length=4000), AfterValidator(_not_blank)]
Shortcode = Annotated[str, AfterValidator(_shortcode)]
TagName = Annotated[TypeableLine, Field(min_length=1, max_length=64), AfterValidator(_not_blank)]
Color = Annotated[str, AfterValidator(_color)]
UserName = Annotated[Storable, Field(min_length=1, max_length=100)]


class Strict(BaseModel):
    """Refuses unknown fields (a typo is an error, not a silent no-op)."""

    model_config = ConfigDict(extra="forbid")


class TagOut(BaseModel):
    """A customer label."""

    id: int
    name: str
    color: str


class ContactOut(BaseModel):
    """A customer of one account (客户画像)."""

    id: int
    account_id: int
    name: str = Field(description="as the phone shows it")
    display_name: str | None
    notes: str
    attributes: dict[str, str]
    tags: list[TagOut]
    created_at: datetime


class MessageOut(BaseModel):
    """One message; `status` and `job_id` only for replies."""

    id: int
    conversation_id: int
    seq: int = Field(description="with the conversation, the message's de-duplication key")
    position: int | None = Field(
        description="its place on the phone's screen (messages are listed in this order); "
        "null until seen there — a reply not delivered yet, listed last"
    )
    direction: Literal["in", "out"]
    author: str | None = Field(description="the staff user of a reply; null when read off a phone")
    text: str
    image: bool
    media_id: str | None
    status: DeliveryStatus | None
    job_id: str | None
    attempts: int
    send_at: datetime | None
    error: str | None
    screen: dict[str, Any] = Field(description="how it was read off the screen")
    created_at: datetime
    delivered_at: datetime | None


class LastMessage(BaseModel):
    """The newest message, for the conversation list."""

    text: str
    direction: Literal["in", "out"] | None


class ConversationOut(BaseModel):
    """A conversation as the list shows it."""

    id: int
    account_id: int
    account_name: str
    device_serial: str
    device_state: DeviceState | None
    contact: ContactOut
    status: ConversationStatus
    assignee: str | None
    unread_count: int
    waiting_since: datetime | None
    first_response_at: datetime | None
    first_response_seconds: float | None
    last_message: LastMessage
    last_activity_at: datetime
    created_at: datetime


class NoteOut(BaseModel):
    """A private note on a conversation."""

    id: int
    conversation_id: int
    author: str
    text: str
    created_at: datetime


class ConversationDetail(ConversationOut):
    """A conversation with its messages (oldest first) and notes."""

    messages: list[MessageOut]
    has_more: bool = Field(
        description="older messages exist (ask again with before_seq = the first one's seq)"
    )
    notes: list[NoteOut]


class ConversationPage(BaseModel):
    """One page of the conversation list, newest activity first."""

    items: list[ConversationOut]
    total: int
    limit: int
    offset: int


class ReplyCreate(Strict):
    """A reply a person wrote: text, or a canned reply (its text is used when text is
    omitted); `send_at` schedules it."""

    text: ReplyText | None = None
    canned_reply_id: DbId | None = None
    send_at: UtcAware | None = Field(default=None, description="send later (UTC instant)")


class AssignBody(Strict):
    """Who handles the conversation (null: nobody)."""

    assignee: UserName | None


class StatusBody(Strict):
    """The conversation's new status."""

    status: ConversationStatus


class NoteCreate(Strict):
    """A private note."""

    text: NoteText


class ContactUpdate(Strict):
    """Changes to a contact's profile; omitted fields stay."""

    display_name: Annotated[TypeableLine, Field(max_length=200)] | None = None
    notes: Annotated[Storable, Field(max_length=10_000)] | None = None
    attributes: (
        dict[
            Annotated[Storable, Field(min_length=1, max_length=64)],
            Annotated[Storable, Field(max_length=500)],
        ]
        | None
    ) = Field(default=None, max_length=50)


class ContactTagsBody(Strict):
    """The contact's tags, by name (unknown names are created)."""

    tags: list[TagName] = Field(max_length=50)


class TagCreate(Strict):
    """A new tag."""

    name: TagName
    color: Color = "#64748b"


class TagUpdate(Strict):
    """Changes to a tag."""

    name: TagName | None = None
    color: Color | None = None


class RuleCreate(Strict):
    """An auto-tag rule: an inbound message containing `keyword` tags its contact."""

    keyword: Annotated[
        TypeableLine, Field(min_length=1, max_length=100), AfterValidator(_not_blank)
    ]
    tag: TagName = Field(description="the tag's name (created when unknown)")


class RuleOut(BaseModel):
    """An auto-tag rule."""

    id: int
    keyword: str
    tag: TagOut
    created_by: str
    created_at: datetime


class CannedReplyCreate(Strict):
    """A canned reply (话术)."""

    shortcode: Shortcode
    text: ReplyText
    media_id: Annotated[Storable, Field(max_length=32)] | None = None


class CannedReplyUpdate(Strict):
    """Changes to a canned reply; `media_id: null` removes the image."""

    shortcode: Shortcode | None = None
    text: ReplyText | None = None
    media_id: Annotated[Storable, Field(max_length=32)] | None = None


class CannedReplyOut(BaseModel):
    """A canned reply."""

    id: int
    shortcode: str
    text: str
    media_id: str | None
    created_by: str
    updated_at: datetime


class AccountBrief(BaseModel):
    """An account the user serves."""

    id: int
    name: str
    device_serial: str
    device_state: DeviceState | None


class MeOut(BaseModel):
    """The calling user and what they may see."""

    name: str
    display_name: str
    role: Role
    accounts: list[AccountBrief] = Field(description="the accounts whose chats they see")
    users: list[str] = Field(description="users serving one of these accounts (assignees)")
