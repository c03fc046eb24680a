"""The world around a virtual phone: its account, contacts, chats, the feed — ground truth.

The phone renders what the world holds and records into it what really happened (a
message delivered, a post published). Tests and the control API read it to check what
the agent claims. All methods are thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from PIL import Image

from simulator.demo_content import populate
from simulator.theme import Color, hex_color

Direction = Literal["in", "out"]

_AVATAR_COLORS = ("#E57373", "#64B5F6", "#FFB74D", "#9575CD", "#4DB6AC", "#F06292", "#A1887F")


@dataclass(frozen=True)
class Account:
    """The app identity logged in on the phone."""

    id: str
    name: str
    avatar_color: Color


@dataclass(frozen=True)
class Contact:
    """A customer or friend in the address book."""

    id: str
    name: str
    avatar_color: Color

    @property
    def initial(self) -> str:
        """The character drawn on the avatar."""
        return self.name[:1].upper()


@dataclass(frozen=True)
class Message:
    """One chat message; `direction` is "in" (from the contact) or "out" (from us)."""

    id: str
    contact_id: str
    direction: Direction
    text: str
    timestamp: datetime


@dataclass(frozen=True)
class Post:
    """A Moments post: text and images (with the media names they were picked from)."""

    id: str
    author_id: str
    author_name: str
    text: str
    images: tuple[Image.Image, ...]
    media_names: tuple[str, ...]
    published_at: datetime


@dataclass(frozen=True)
class ChatSummary:
    """One chat-list row: the contact, their newest message and the unread count."""

    contact: Contact
    last: Message | None
    unread: int


class World:
    """Ground truth for one phone's account.

    Args:
        now: wall clock returning aware datetimes (UTC by default).
        account: the logged-in identity; a default shop account when None.
        demo: fill in demo contacts, chat history and friends' posts.
    """

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        account: Account | None = None,
        demo: bool = True,
    ) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self._account = account or Account("simchat_mia01", "Mia 好物", hex_color("#F2A65A"))
        self._contacts: dict[str, Contact] = {}
        self._messages: dict[str, list[Message]] = {}
        self._unread: dict[str, int] = {}
        self._inbound: list[Message] = []
        self._posts: list[Post] = []
        self._revision = 0
        self._next_id = 1
        if demo:
            populate(self)

    # -- basics ------------------------------------------------------------------------

    def now(self) -> datetime:
        """The world's current wall-clock time."""
        return self._now()

    @property
    def revision(self) -> int:
        """A counter that changes whenever anything in the world changes."""
        with self._lock:
            return self._revision

    @property
    def account(self) -> Account:
        """The logged-in identity."""
        return self._account

    def _new_id(self, prefix: str) -> str:
        value = self._next_id
        self._next_id += 1
        return f"{prefix}{value:05d}"

    def _changed(self) -> None:
        self._revision += 1

    # -- contacts ----------------------------------------------------------------------

    def add_contact(self, name: str, avatar_color: Color | None = None) -> Contact:
        """Add a contact and return it."""
        with self._lock:
            color = avatar_color or hex_color(_AVATAR_COLORS[len(self._contacts) % 7])
            contact = Contact(self._new_id("c"), name, color)
            self._contacts[contact.id] = contact
            self._messages[contact.id] = []
            self._unread[contact.id] = 0
            self._changed()
            return contact

    def contacts(self) -> list[Contact]:
        """All contacts, in the order they were added."""
        with self._lock:
            return list(self._contacts.values())

    def contact(self, key: str | Contact) -> Contact:
        """The contact with this id or name.

        Raises:
            KeyError: no such contact.
        """
        if isinstance(key, Contact):
            key = key.id
        with self._lock:
            found = self._contacts.get(key)
            if found is None:
                found = next((c for c in self._contacts.values() if c.name == key), None)
            if found is None:
                raise KeyError(f"no contact {key!r}")
            return found

    # -- chats -------------------------------------------------------------------------

    def _append(self, contact_id: str, direction: Direction, text: str, when: datetime) -> Message:
        message = Message(self._new_id("m"), contact_id, direction, text, when)
        self._messages[contact_id].append(message)
        self._changed()
        return message

    def seed_message(
        self, contact: str | Contact, direction: Direction, text: str, when: datetime
    ) -> Message:
        """Add history (no notification): a message that was exchanged before the run."""
        with self._lock:
            c = self.contact(contact)
            message = self._append(c.id, direction, text, when)
            self._unread[c.id] = self._unread[c.id] + 1 if direction == "in" else 0
            return message

    def inject_message(self, contact: str | Contact, text: str) -> Message:
        """A customer sends a message now: it arrives unread and the phone notifies."""
        with self._lock:
            c = self.contact(contact)
            message = self._append(c.id, "in", text, self._now())
            self._unread[c.id] += 1
            self._inbound.append(message)
            return message

    def record_outgoing(self, contact: str | Contact, text: str) -> Message:
        """The phone sent `text` to the contact (it is delivered)."""
        with self._lock:
            c = self.contact(contact)
            return self._append(c.id, "out", text, self._now())

    def messages_with(self, contact: str | Contact) -> list[Message]:
        """The whole conversation with a contact, oldest first."""
        with self._lock:
            return list(self._messages[self.contact(contact).id])

    def delivered_to(self, contact: str | Contact) -> list[Message]:
        """Outgoing messages the contact really received, oldest first (history included)."""
        return [m for m in self.messages_with(contact) if m.direction == "out"]

    def unread(self, contact: str | Contact) -> int:
        """How many messages from the contact are unread."""
        with self._lock:
            return self._unread[self.contact(contact).id]

    def mark_read(self, contact: str | Contact) -> None:
        """The conversation was opened: nothing in it is unread any more."""
        with self._lock:
            cid = self.contact(contact).id
            if self._unread[cid]:
                self._unread[cid] = 0
                self._changed()

    def chats(self) -> list[ChatSummary]:
        """One summary per contact with messages, newest conversation first."""
        with self._lock:
            rows = [
                ChatSummary(c, self._messages[c.id][-1], self._unread[c.id])
                for c in self._contacts.values()
                if self._messages[c.id]
            ]
        never = datetime.min.replace(tzinfo=UTC)
        rows.sort(key=lambda r: r.last.timestamp if r.last else never, reverse=True)
        return rows

    def inbound_cursor(self) -> int:
        """A position in the stream of arriving messages (for `inbound_after`)."""
        with self._lock:
            return len(self._inbound)

    def inbound_after(self, cursor: int) -> tuple[list[Message], int]:
        """Messages that arrived after `cursor`, and the new cursor."""
        with self._lock:
            return list(self._inbound[cursor:]), len(self._inbound)

    # -- the feed ----------------------------------------------------------------------

    def add_post(
        self,
        author: str | Contact | Account,
        text: str,
        images: Sequence[Image.Image] = (),
        media_names: Sequence[str] = (),
        published_at: datetime | None = None,
    ) -> Post:
        """Put a post in the feed (a friend's, or our own when `author` is the account)."""
        with self._lock:
            who = author if isinstance(author, Account) else self.contact(author)
            post = Post(
                id=self._new_id("p"),
                author_id=who.id,
                author_name=who.name,
                text=text,
                images=tuple(images),
                media_names=tuple(media_names),
                published_at=published_at or self._now(),
            )
            self._posts.append(post)
            self._changed()
            return post

    def publish_post(
        self, text: str, images: Sequence[Image.Image], media_names: Sequence[str]
    ) -> Post:
        """Our account published a post now (called when the upload completes)."""
        return self.add_post(self._account, text, images, media_names)

    def feed(self) -> list[Post]:
        """Every post, newest first."""
        with self._lock:
            return sorted(self._posts, key=lambda p: p.published_at, reverse=True)

    def published_posts(self) -> list[Post]:
        """Our own posts, in the order they were published."""
        with self._lock:
            return [p for p in self._posts if p.author_id == self._account.id]
