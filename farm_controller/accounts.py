"""Accounts as a whole: what deleting one means.

An account is deleted only while nothing that must be kept refers to it:

- **posts** that target it (`post_accounts`, `post_targets`): a post's history names the
  accounts it went to;
- **chat history**: its contacts and their conversations (messages, notes, tags, profiles)
  are customer data, never thrown away as a side effect.

Either refuses the delete with a `Conflict` (409, `type: in_use`) naming what holds the
account and how much of it. What exists only for the account goes with it: its chat sync
state (and the sync job it planned, cancelled when still queued) and the staff members'
assignments to it (`user_accounts`).
"""

from __future__ import annotations

import contextlib

from farm_queue import InvalidTransitionError, JobNotFoundError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from farm_controller.db import read_session, write_session
from farm_controller.errors import Conflict, conflict, not_found
from farm_controller.models import (
    Account,
    ChatSync,
    Contact,
    Conversation,
    PostAccount,
    PostTarget,
    UserAccount,
)
from farm_controller.runtime import Runtime


def holders(session: Session, account_id: int) -> list[str]:
    """What keeps the account from being deleted, in words (empty when nothing does)."""
    post_ids = set(
        session.scalars(select(PostAccount.post_id).where(PostAccount.account_id == account_id))
    )
    post_ids |= set(
        session.scalars(
            select(PostTarget.post_id).where(PostTarget.account_id == account_id).distinct()
        )
    )
    conversations = session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.account_id == account_id)
    )
    contacts = session.scalar(
        select(func.count()).select_from(Contact).where(Contact.account_id == account_id)
    )
    held = []
    if post_ids:
        example = min(post_ids)
        held.append(f"{len(post_ids)} post(s) (e.g. post {example})")
    if conversations:
        held.append(f"{conversations} conversation(s)")
    if contacts:
        held.append(f"{contacts} contact(s)")
    return held


def _in_use(account_id: int, held: list[str]) -> Conflict:
    return conflict(
        f"account {account_id} is held by {', '.join(held)}; it cannot be deleted", "in_use"
    )


def delete_account(rt: Runtime, account_id: int) -> None:
    """Delete the account, or refuse (`Conflict`) when posts or chat history hold it.

    Raises:
        NotFound: No such account.
        Conflict: Posts or chat history refer to it (nothing is changed).
    """
    try:
        with write_session(rt.sessions) as session:
            # Locked like a sync merge locks it: no contact appears while this decides.
            account = session.get(Account, account_id, with_for_update=True)
            if account is None:
                raise not_found("account", account_id)
            held = holders(session, account_id)
            if held:
                raise _in_use(account_id, held)
            state = session.get(ChatSync, account_id)
            sync_job = state.job_id if state is not None else None
            session.execute(delete(UserAccount).where(UserAccount.account_id == account_id))
            session.execute(delete(ChatSync).where(ChatSync.account_id == account_id))
            session.delete(account)
    except IntegrityError:
        # Something came to refer to it between the check and the commit.
        with read_session(rt.sessions) as session:
            held = holders(session, account_id) or ["rows stored meanwhile"]
        raise _in_use(account_id, held) from None
    if sync_job is not None:
        # A sync still queued for it would read a phone no account uses any more.
        with contextlib.suppress(InvalidTransitionError, JobNotFoundError):
            rt.jobs.cancel(sync_job)
