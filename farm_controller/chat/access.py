"""Loading chat rows the way a user may see them: anything outside their accounts is a 404.

A staff member asking for another account's conversation learns nothing, not even that it
exists; the same answer as for an id that was never used.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller.auth.principal import User
from farm_controller.errors import FieldProblem, Forbidden, not_found
from farm_controller.models import Account, Contact, Conversation, Message


def visible_accounts(session: Session, user: User) -> list[Account]:
    """The accounts `user` serves, by id."""
    return list(
        session.scalars(
            select(Account)
            .where(user.account_filter(Account.id, Account.name))
            .order_by(Account.name, Account.id)
        )
    )


def conversation_for(
    session: Session, user: User, conversation_id: int, *, lock: bool = False
) -> Conversation:
    """The conversation, when `user` may see it.

    Raises:
        NotFound: when it does not exist or belongs to another account.
    """
    query = (
        select(Conversation)
        .join(Account, Account.id == Conversation.account_id)
        .where(Conversation.id == conversation_id, user.account_filter(Account.id, Account.name))
    )
    if lock:
        query = query.with_for_update(of=Conversation)
    conversation = session.scalars(query).first()
    if conversation is None:
        raise not_found("conversation", conversation_id)
    return conversation


def contact_for(session: Session, user: User, contact_id: int) -> Contact:
    """The contact, when `user` may see its account.

    Raises:
        NotFound: otherwise.
    """
    contact = session.scalars(
        select(Contact)
        .join(Account, Account.id == Contact.account_id)
        .where(Contact.id == contact_id, user.account_filter(Account.id, Account.name))
    ).first()
    if contact is None:
        raise not_found("contact", contact_id)
    return contact


def message_of(session: Session, conversation: Conversation, message_id: int) -> Message:
    """A message of the conversation.

    Raises:
        NotFound: when the conversation has no such message.
    """
    message = session.get(Message, message_id)
    if message is None or message.conversation_id != conversation.id:
        raise not_found(f"message in conversation {conversation.id}", message_id)
    return message


def require_admin(user: User, what: str) -> None:
    """Refuse staff members.

    Raises:
        Forbidden: unless `user` is an admin.
    """
    if not user.is_admin:
        raise Forbidden(FieldProblem(None, f"only an admin may {what}", "forbidden"))
