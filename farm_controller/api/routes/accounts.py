"""Accounts: the app identity on each phone, with its time zone, caps and publish mode."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from farm_controller import accounts as account_rows
from farm_controller.api.deps import RuntimeDep, SessionDep
from farm_controller.api.params import IdPath, TextQuery
from farm_controller.api.presenters import account_out
from farm_controller.db import write_session
from farm_controller.errors import conflict, not_found
from farm_controller.models import Account, Device
from farm_controller.schemas.accounts import AccountCreate, AccountOut, AccountUpdate

router = APIRouter(prefix="/accounts", tags=["accounts"])


def _out(session: Session, account: Account) -> AccountOut:
    return account_out(account, session.get(Device, account.device_serial))


def _name_taken(session: Session, name: str, other_than: int | None = None) -> bool:
    query = select(Account.id).where(Account.name == name)
    if other_than is not None:
        query = query.where(Account.id != other_than)
    return session.scalar(query) is not None


@router.get("")
def list_accounts(
    session: SessionDep, device_serial: TextQuery = None, tag: TextQuery = None
) -> list[AccountOut]:
    """List accounts, optionally those of one phone or with one tag."""
    query = select(Account).order_by(Account.id)
    if device_serial is not None:
        query = query.where(Account.device_serial == device_serial)
    accounts = [a for a in session.scalars(query) if tag is None or tag in a.tags]
    return [_out(session, account) for account in accounts]


@router.post("", status_code=201)
def create_account(rt: RuntimeDep, body: AccountCreate) -> AccountOut:
    """Create an account (the phone may register later)."""
    now = rt.clock()
    with write_session(rt.sessions) as session:
        if _name_taken(session, body.name):
            raise conflict(f"an account named {body.name!r} exists", "duplicate", "name")
        account = Account(
            name=body.name,
            device_serial=body.device_serial,
            app=body.app or rt.settings.default_app,
            timezone=body.timezone,
            daily_post_cap=body.daily_post_cap,
            quiet_start=body.quiet_hours.start if body.quiet_hours else None,
            quiet_end=body.quiet_hours.end if body.quiet_hours else None,
            publish_mode=body.publish_mode,
            tags=list(body.tags),
            messages_per_minute=body.messages_per_minute,
            created_at=now,
            updated_at=now,
        )
        session.add(account)
        session.flush()
        return _out(session, account)


@router.get("/{account_id}")
def get_account(session: SessionDep, account_id: IdPath) -> AccountOut:
    """Show one account."""
    account = session.get(Account, account_id)
    if account is None:
        raise not_found("account", account_id)
    return _out(session, account)


@router.patch("/{account_id}")
def update_account(rt: RuntimeDep, account_id: IdPath, body: AccountUpdate) -> AccountOut:
    """Change an account; scheduled posts are checked against the new limits when due."""
    changes = body.model_dump(exclude_unset=True)
    with write_session(rt.sessions) as session:
        account = session.get(Account, account_id)
        if account is None:
            raise not_found("account", account_id)
        if "name" in changes and _name_taken(session, changes["name"], account_id):
            raise conflict(f"an account named {changes['name']!r} exists", "duplicate", "name")
        for key in ("name", "device_serial", "app", "timezone", "daily_post_cap", "tags"):
            if changes.get(key) is not None:
                setattr(account, key, changes[key])
        if "messages_per_minute" in changes:
            account.messages_per_minute = body.messages_per_minute
        if changes.get("publish_mode") is not None:
            account.publish_mode = body.publish_mode or account.publish_mode
        if "quiet_hours" in changes:
            quiet = body.quiet_hours
            account.quiet_start = quiet.start if quiet else None
            account.quiet_end = quiet.end if quiet else None
        account.updated_at = rt.clock()
        return _out(session, account)


@router.delete("/{account_id}", status_code=204)
def delete_account(rt: RuntimeDep, account_id: IdPath) -> Response:
    """Delete an account; 409 naming what holds it (posts, chat history) when kept."""
    account_rows.delete_account(rt, account_id)
    return Response(status_code=204)
