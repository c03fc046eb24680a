"""Real-time chat events: an in-process hub that fans events out to connected panes.

Services publish an event after their transaction committed, from any thread; each
WebSocket connection subscribes with its user and receives only the events of accounts
that user may see. A pane that falls too far behind (its queue is full) is dropped; it
reconnects and reloads, which is the same path as a network blip.

One controller process is one hub. Several replicas behind a load balancer would each see
only their own events: they need a shared channel (PostgreSQL ``LISTEN/NOTIFY``, see
ARCHITECTURE.md), which this module does not provide yet.

Event shapes (JSON, every one with ``type`` and ``account_id``)::

    {"type": "message.created", "account_id", "conversation_id", "message": MessageOut}
    {"type": "message.updated", "account_id", "conversation_id", "message": MessageOut}
    {"type": "conversation.updated", "account_id", "conversation_id",
     "conversation": ConversationOut}
    {"type": "note.created", "account_id", "conversation_id", "note": NoteOut}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from farm_controller.auth.principal import User

log = logging.getLogger(__name__)

QUEUE_SIZE = 1000


@dataclass(frozen=True)
class ChatEvent:
    """One event for the panes of users who may see `account_id`."""

    type: str
    account_id: int
    account_name: str
    conversation_id: int
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        """The event as sent on the WebSocket."""
        return {
            "type": self.type,
            "account_id": self.account_id,
            "conversation_id": self.conversation_id,
            **self.data,
        }


@dataclass(eq=False)
class Subscription:
    """One connected pane: its user and the queue its events wait in."""

    user: User
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    dropped: bool = False

    def offer(self, event: dict[str, Any]) -> None:
        """Queue an event (runs on the subscription's loop)."""
        if self.dropped:
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped = True
            log.warning("a pane of %s fell behind; it must reconnect", self.user.name)
            # Make room for the end marker the connection waits for.
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class Hub:
    """Fans chat events out to subscriptions (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, user: User) -> Subscription:
        """Start receiving `user`'s events (call on the connection's event loop)."""
        subscription = Subscription(user, asyncio.get_running_loop())
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """Stop delivering to `subscription`."""
        with self._lock:
            self._subscriptions.discard(subscription)

    @property
    def connections(self) -> int:
        """How many panes are connected."""
        with self._lock:
            return len(self._subscriptions)

    def publish(self, *events: ChatEvent) -> None:
        """Deliver events to every subscription whose user may see their account."""
        if not events:
            return
        with self._lock:
            subscriptions = list(self._subscriptions)
        for event in events:
            body = event.as_json()
            for subscription in subscriptions:
                if not subscription.user.may_see(event.account_id, event.account_name):
                    continue
                try:
                    subscription.loop.call_soon_threadsafe(subscription.offer, body)
                except RuntimeError:  # its loop is closed: the connection is gone
                    self.unsubscribe(subscription)
