"""`create_sim_control_app(phones)`: see and steer the virtual phones of a sim-mode agent.

GET  /phones                              every phone and what it shows
GET  /phones/{serial}                     one phone
GET  /phones/{serial}/feed                posts its account really published
GET  /phones/{serial}/contacts            its address book, with unread counts
GET  /phones/{serial}/messages?contact=   one chat, oldest first ("in" and "out")
POST /phones/{serial}/messages            a customer writes: {"contact", "text"}
POST /phones/{serial}/faults              {"kind": dialog|crash|freeze|disconnect|
                                           reconnect|lock|unlock|toast, ...}
GET  /phones/{serial}/screenshot          what the screen shows now (PNG)
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Response

from simulator.control.ground_truth import message_out, phone_out, post_out
from simulator.control.schemas import (
    ContactOut,
    FaultIn,
    FeedPostOut,
    MessageIn,
    MessageOut,
    PhoneOut,
)
from simulator.phone import VirtualPhone


def create_sim_control_app(phones: Sequence[VirtualPhone]) -> FastAPI:
    """The control API over these phones (they must have unique serials)."""
    by_serial = {phone.serial: phone for phone in phones}
    app = FastAPI(
        title="phonefarm sim control",
        version="0.1.0",
        description="Ground truth and faults of a sim-mode agent's virtual phones. "
        "Loopback only; a test instrument, not part of the product API.",
    )

    def phone_for(serial: str) -> VirtualPhone:
        phone = by_serial.get(serial)
        if phone is None:
            raise HTTPException(404, f"no virtual phone {serial!r}; see GET /phones")
        return phone

    @app.get("/phones")
    def list_phones() -> list[PhoneOut]:
        """Every virtual phone and what it shows."""
        return [phone_out(phone) for phone in by_serial.values()]

    @app.get("/phones/{serial}")
    def get_phone(serial: str) -> PhoneOut:
        """One virtual phone."""
        return phone_out(phone_for(serial))

    @app.get("/phones/{serial}/feed")
    def feed(serial: str) -> list[FeedPostOut]:
        """Posts the phone's account really published, oldest first."""
        phone = phone_for(serial)
        phone.tick()  # settle uploads that completed since the phone was last touched
        return [post_out(post) for post in phone.world.published_posts()]

    @app.get("/phones/{serial}/contacts")
    def contacts(serial: str) -> list[ContactOut]:
        """The phone's address book."""
        world = phone_for(serial).world
        return [ContactOut(id=c.id, name=c.name, unread=world.unread(c)) for c in world.contacts()]

    @app.get("/phones/{serial}/messages")
    def messages(
        serial: str, contact: Annotated[str, Query(min_length=1, description="id or name")]
    ) -> list[MessageOut]:
        """One chat, oldest first: "in" from the contact, "out" really delivered by us."""
        phone = phone_for(serial)
        phone.tick()
        try:
            return [message_out(m) for m in phone.world.messages_with(contact)]
        except KeyError:
            raise HTTPException(404, f"no contact {contact!r} on {serial}") from None

    @app.post("/phones/{serial}/messages", status_code=201)
    def inject(serial: str, body: MessageIn) -> MessageOut:
        """A customer writes to the phone's account now."""
        phone = phone_for(serial)
        try:
            message = phone.world.inject_message(body.contact, body.text)
        except KeyError:
            raise HTTPException(404, f"no contact {body.contact!r} on {serial}") from None
        phone.tick()
        return message_out(message)

    @app.post("/phones/{serial}/faults")
    def fault(serial: str, body: FaultIn) -> PhoneOut:
        """Make something go wrong on the phone now."""
        phone = phone_for(serial)
        if body.kind == "dialog":
            phone.show_dialog(body.dialog)
        elif body.kind == "crash":
            phone.crash_app()
        elif body.kind == "freeze":
            phone.freeze(body.ms)
        elif body.kind == "disconnect":
            phone.disconnect()
        elif body.kind == "reconnect":
            phone.reconnect()
        elif body.kind == "lock":
            phone.lock_screen()
        elif body.kind == "unlock":
            phone.unlock()
        else:
            phone.show_toast("network")
        return phone_out(phone)

    @app.get(
        "/phones/{serial}/screenshot",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def screenshot(serial: str) -> Response:
        """What the screen shows now, as PNG (even while the phone is disconnected)."""
        buffer = io.BytesIO()
        phone_for(serial).screenshot().save(buffer, format="PNG")
        return Response(buffer.getvalue(), media_type="image/png")

    return app
