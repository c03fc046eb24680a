"""The controller's tables (SQLAlchemy 2 ORM, typed `Mapped[]` columns).

The queue's `jobs` table belongs to `farm_queue` (its own `metadata`); rows here refer to
jobs by id only, so the queue stays independent. Times are aware UTC datetimes in every
database (`UtcDateTime`); enums are stored as their string values, so adding a state needs
no migration.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from uuid import uuid4

from farm_queue.tables import NAMING_CONVENTION, EnumString, UtcDateTime
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, MetaData, String, Text, Time
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from farm_protocol.device import DeviceState
from farm_protocol.posts import Decision, PublishMode, TargetState

JSONType: Any = JSON().with_variant(JSONB(), "postgresql")


def new_id() -> str:
    """A public id for media and evidence: a uuid4 as 32 hex characters."""
    return uuid4().hex


class Base(DeclarativeBase):
    """Base of the controller's models; its metadata is half of the migrations' target."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Host(Base):
    """A machine running an agent, identified by the name its token is issued for."""

    __tablename__ = "hosts"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    agent_version: Mapped[str] = mapped_column(String(100), default="")
    online: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())

    devices: Mapped[list[Device]] = relationship(back_populates="host", order_by="Device.serial")


class Device(Base):
    """A phone on a host."""

    __tablename__ = "devices"

    serial: Mapped[str] = mapped_column(String(128), primary_key=True)
    host_name: Mapped[str] = mapped_column(ForeignKey("hosts.name"), index=True)
    model: Mapped[str] = mapped_column(String(200), default="")
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    sdk: Mapped[int] = mapped_column(default=0)
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    density: Mapped[int] = mapped_column(default=0)
    state: Mapped[DeviceState] = mapped_column(EnumString(DeviceState, 16))
    battery: Mapped[int | None] = mapped_column(default=None)
    screen_on: Mapped[bool] = mapped_column(default=True)
    locked: Mapped[bool] = mapped_column(default=False)
    app_versions: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    current_job_id: Mapped[str | None] = mapped_column(String(32), default=None)
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())

    host: Mapped[Host] = relationship(back_populates="devices")


class DeviceStateSpan(Base):
    """An interval during which a phone stayed in one state on one host (`fleet.set_state`).

    `busy` is recorded as `online`: a phone flips between the two on every job (a chat
    sync at least once a minute), which would multiply the rows without changing its
    online time.
    The open span (`ended_at` null) is the phone's present state.
    """

    __tablename__ = "device_state_spans"
    __table_args__ = (
        Index("ix_device_state_spans_serial_ended_at", "serial", "ended_at"),
        Index("ix_device_state_spans_ended_at", "ended_at"),
        Index("ix_device_state_spans_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(ForeignKey("devices.serial"))
    host_name: Mapped[str] = mapped_column(String(100))
    state: Mapped[DeviceState] = mapped_column(EnumString(DeviceState, 16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Account(Base):
    """The app identity logged in on one phone, with the limits it must respect."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # Not a foreign key: accounts may be set up before their phone's agent registers it.
    device_serial: Mapped[str] = mapped_column(String(128), index=True)
    app: Mapped[str] = mapped_column(String(64))
    timezone: Mapped[str] = mapped_column(String(64))
    daily_post_cap: Mapped[int] = mapped_column()
    quiet_start: Mapped[time | None] = mapped_column(Time(), default=None)
    quiet_end: Mapped[time | None] = mapped_column(Time(), default=None)
    publish_mode: Mapped[PublishMode] = mapped_column(EnumString(PublishMode, 16))
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    messages_per_minute: Mapped[int | None] = mapped_column(
        default=None, doc="reply cap; the settings' default when null"
    )
    posting_slots: Mapped[list[str]] = mapped_column(
        JSONType, default=list, doc='local "HH:MM" times posts prefer ("next free slot")'
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Media(Base):
    """An uploaded image, stored once per content (by sha256) under the media folder."""

    __tablename__ = "media"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    path: Mapped[str] = mapped_column(String(200), doc="relative to the media folder")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Post(Base):
    """Text and images for some accounts, at one run time or on a recurrence."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text())
    timezone: Mapped[str] = mapped_column(String(64), doc="IANA zone of cron recurrences")
    run_at: Mapped[datetime] = mapped_column(UtcDateTime(), doc="the first occurrence")
    interval_seconds: Mapped[int | None] = mapped_column(default=None)
    cron: Mapped[str | None] = mapped_column(String(200), default=None)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), doc="scheduled | dispatched | cancelled")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    media: Mapped[list[PostMedia]] = relationship(
        order_by="PostMedia.position", cascade="all, delete-orphan"
    )
    accounts: Mapped[list[PostAccount]] = relationship(cascade="all, delete-orphan")
    targets: Mapped[list[PostTarget]] = relationship(
        back_populates="post",
        order_by="(PostTarget.occurrence_at, PostTarget.account_id)",
        cascade="all, delete-orphan",
    )

    @property
    def recurring(self) -> bool:
        """True when the post repeats."""
        return self.interval_seconds is not None or self.cron is not None


class PostMedia(Base):
    """The images of a post, in order."""

    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id"), index=True)

    item: Mapped[Media] = relationship()


class PostAccount(Base):
    """An account a post goes to (every occurrence makes one target per account)."""

    __tablename__ = "post_accounts"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class PostTarget(Base):
    """One occurrence of a post for one account, and what became of it."""

    __tablename__ = "post_targets"
    __table_args__ = (
        # One target per (post, account, occurrence): a double fire cannot make two.
        Index("uq_post_targets_occurrence", "post_id", "account_id", "occurrence_at", unique=True),
        Index("ix_post_targets_state_occurrence_at", "state", "occurrence_at"),
        Index("ix_post_targets_account_id_occurrence_at", "account_id", "occurrence_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    occurrence_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[TargetState] = mapped_column(EnumString(TargetState, 32))
    job_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    decision: Mapped[Decision | None] = mapped_column(EnumString(Decision, 16), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(200), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    parked_evidence_id: Mapped[str | None] = mapped_column(String(32), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(Text(), default=None)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    post: Mapped[Post] = relationship(back_populates="targets")
    account: Mapped[Account] = relationship()

    @property
    def idempotency_key(self) -> str:
        """The queue key of this target's job: one job per (post, account, occurrence)."""
        return f"post:{self.post_id}:{self.account_id}:{self.occurrence_at.isoformat()}"


class JobStep(Base):
    """A flow step an agent reported for a job, shown on the job's page."""

    __tablename__ = "job_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    owner: Mapped[str] = mapped_column(String(255))
    attempt: Mapped[int] = mapped_column()
    index: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class JobReport(Base):
    """The result an agent reported at the end of one attempt of a job."""

    __tablename__ = "job_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    owner: Mapped[str] = mapped_column(String(255))
    attempt: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(32))
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, doc="the FlowResult as JSON")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Evidence(Base):
    """A screenshot an agent uploaded for a job (stored once per job and content)."""

    __tablename__ = "evidence"
    __table_args__ = (Index("uq_evidence_job_id_sha256", "job_id", "sha256", unique=True),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    job_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="finish | park")
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column()
    path: Mapped[str] = mapped_column(String(200), doc="relative to the evidence folder")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- chat ----------------------------------------------------------------------------------


class Contact(Base):
    """A customer of one account, known by the name the app shows for them."""

    __tablename__ = "contacts"
    __table_args__ = (Index("uq_contacts_account_id_name", "account_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), doc="as shown on the phone (the agent's key)")
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    notes: Mapped[str] = mapped_column(Text(), default="", doc="the profile (客户画像) text")
    attributes: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    # Written through `ContactTag` rows (they record who added the tag); read here.
    tags: Mapped[list[Tag]] = relationship(
        secondary="contact_tags", order_by="Tag.name", viewonly=True
    )


class Tag(Base):
    """A customer label (标签)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    color: Mapped[str] = mapped_column(String(16), default="#64748b")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactTag(Base):
    """A tag on a contact, and who (or which rule) put it there."""

    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)
    added_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AutoTagRule(Base):
    """An inbound message containing `keyword` (case-insensitive) tags its contact."""

    __tablename__ = "auto_tag_rules"
    __table_args__ = (Index("uq_auto_tag_rules_keyword_tag", "keyword", "tag_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    keyword: Mapped[str] = mapped_column(String(100))
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    tag: Mapped[Tag] = relationship()


class Conversation(Base):
    """Everything said between one account and one contact (Chatwoot's conversation)."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_account_id_last_activity_at", "account_id", "last_activity_at"),
        Index("ix_conversations_last_activity_at", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), doc="open | pending | resolved")
    assignee: Mapped[str | None] = mapped_column(String(100), default=None, index=True)
    unread_count: Mapped[int] = mapped_column(default=0)
    waiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    first_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_text: Mapped[str] = mapped_column(Text(), default="")
    last_direction: Mapped[str | None] = mapped_column(String(3), default=None)
    next_seq: Mapped[int] = mapped_column(default=1, doc="the next message's sequence number")
    next_position: Mapped[int] = mapped_column(default=1, doc="the next on-screen position")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    account: Mapped[Account] = relationship()
    contact: Mapped[Contact] = relationship()


class Message(Base):
    """One message of a conversation.

    `seq` numbers messages in the order the controller learnt of them (with the
    conversation, the de-duplication key); `position` is their order on the phone's
    screen, known once a message was read there or delivered (the sync alignment uses it).
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("uq_messages_conversation_id_seq", "conversation_id", "seq", unique=True),
        Index("ix_messages_conversation_id_position", "conversation_id", "position"),
        Index("ix_messages_status_send_at", "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    seq: Mapped[int] = mapped_column()
    position: Mapped[int | None] = mapped_column(default=None)
    direction: Mapped[str] = mapped_column(String(3), doc="in | out")
    author: Mapped[str | None] = mapped_column(
        String(100), default=None, doc="the staff user of a reply; null when read off the phone"
    )
    text: Mapped[str] = mapped_column(Text())
    image: Mapped[bool] = mapped_column(Boolean(), default=False)
    media_id: Mapped[str | None] = mapped_column(ForeignKey("media.id"), default=None)
    canned_reply_id: Mapped[int | None] = mapped_column(default=None)
    status: Mapped[str | None] = mapped_column(
        String(16), default=None, doc="replies: queued | sent | delivered | failed | unconfirmed"
    )
    job_id: Mapped[str | None] = mapped_column(String(32), default=None, index=True)
    attempts: Mapped[int] = mapped_column(default=0, doc="send jobs made for this reply")
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    error: Mapped[str | None] = mapped_column(Text(), default=None)
    screen: Mapped[dict[str, Any]] = mapped_column(
        JSONType, default=dict, doc="how it was read: time_label, via, confidence, sync job"
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class Note(Base):
    """A private note on a conversation, seen by staff only."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CannedReply(Base):
    """A canned reply (话术) staff insert with ``/shortcode``."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shortcode: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text())
    media_id: Mapped[str | None] = mapped_column(ForeignKey("media.id"), default=None)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ChatSync(Base):
    """When an account's chats were last read, and whether to read them again soon."""

    __tablename__ = "chat_sync"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    job_id: Mapped[str | None] = mapped_column(String(32), default=None)
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    unread_seen: Mapped[int] = mapped_column(default=0, doc="badges the last sync saw")
    rounds: Mapped[int] = mapped_column(default=0, doc="sync jobs made so far")


# --- people: users, their sessions and tokens, the audit log -------------------------------


class UserRecord(Base):
    """A person (or a script's owner) who signs in to the console; see `users.User`."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True, doc="as typed, shown")
    username_key: Mapped[str] = mapped_column(
        String(255), unique=True, doc="the name as compared: NFKC + casefold (`auth.names`)"
    )
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16), doc="admin | operator | scheduler | agent_staff")
    password_hash: Mapped[str | None] = mapped_column(
        String(255), default=None, doc="argon2id; null: cannot sign in with a password"
    )
    active: Mapped[bool] = mapped_column(Boolean(), default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    password_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    accounts: Mapped[list[UserAccount]] = relationship(
        cascade="all, delete-orphan", order_by="UserAccount.account_id"
    )


class UserAccount(Base):
    """An account an `agent_staff` user serves (their chat shows only these)."""

    __tablename__ = "user_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True, index=True)


class ApiTokenRecord(Base):
    """A personal API token for scripts; only its sha256 is stored (it is shown once)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), doc="the token's first characters, to tell")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)


class WebSession(Base):
    """A signed-in browser: the cookie holds a secret, the table only its sha256."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, doc="sha256 of the cookie")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class LoginFailure(Base):
    """A refused sign-in, counted by the login rate limit (`auth.ratelimit`)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_name_key_at", "name_key", "at"),
        Index("ix_login_failures_ip_at", "ip", "at"),
        Index("ix_login_failures_device_at", "device", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_key: Mapped[str] = mapped_column(String(255), doc="the user name tried, as compared")
    ip: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(
        String(64), default=None, doc="a known browser's device key; null: an unknown browser"
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class LoginDevice(Base):
    """A browser a user signed in on: the `pf_device` cookie holds a secret, this its sha256.

    A known browser passes the sign-in limits that failures elsewhere fill up.
    """

    __tablename__ = "login_devices"

    key: Mapped[str] = mapped_column(String(64), primary_key=True, doc="sha256 of the cookie")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_used_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditEvent(Base):
    """Something a person or script changed, or did to a phone: who, what, where, when.

    `devices` and `accounts` list every phone serial and account id the action concerned,
    as ``,a,b,`` (so one ``LIKE '%,a,%'`` finds it in any database).
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    request_id: Mapped[str] = mapped_column(String(64), index=True)
    actor: Mapped[str | None] = mapped_column(String(100), default=None, doc="null: anonymous")
    actor_role: Mapped[str | None] = mapped_column(String(16), default=None)
    via: Mapped[str] = mapped_column(String(16), doc="session | token | service | anonymous")
    action: Mapped[str] = mapped_column(String(100), index=True, doc="e.g. posts.submit")
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    status: Mapped[int] = mapped_column()
    devices: Mapped[str] = mapped_column(String(2000), default="")
    accounts: Mapped[str] = mapped_column(String(2000), default="")
    target: Mapped[str | None] = mapped_column(String(200), default=None, doc="e.g. post:12")
    ip: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
