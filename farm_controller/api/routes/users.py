"""Users (admins only): create, list, change role, accounts, password; deactivate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from farm_controller.api.deps import CurrentUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath, TextQuery
from farm_controller.api.presenters import user_out
from farm_controller.auth import sessions
from farm_controller.auth import users as user_rows
from farm_controller.auth.names import name_key
from farm_controller.auth.principal import Role
from farm_controller.db import write_session
from farm_controller.errors import conflict, not_found
from farm_controller.models import UserRecord
from farm_controller.schemas.users import UserCreate, UserCreated, UserOut, UserUpdate

router = APIRouter(prefix="/users", tags=["users"])


def _out(session: Session, now: datetime, user: UserRecord) -> UserOut:
    live = user_rows.live_tokens(session, [user.id], now)
    return user_out(user, live.get(user.id, 0))


@router.get("")
def list_users(
    rt: RuntimeDep,
    session: SessionDep,
    role: Role | None = None,
    q: TextQuery = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[UserOut]:
    """List users by name, optionally by role, activity or a name search."""
    query = select(UserRecord).options(selectinload(UserRecord.accounts))
    if role is not None:
        query = query.where(UserRecord.role == role)
    if active is not None:
        query = query.where(UserRecord.active.is_(active))
    if q:
        needle = q.strip().lower()
        query = query.where(
            UserRecord.username_key.contains(name_key(q), autoescape=True)
            | func.lower(UserRecord.display_name).contains(needle, autoescape=True)
        )
    users = list(session.scalars(query.order_by(UserRecord.username).limit(limit)))
    live = user_rows.live_tokens(session, [u.id for u in users], rt.clock())
    return [user_out(u, live.get(u.id, 0)) for u in users]


@router.post("", status_code=201)
def create_user(rt: RuntimeDep, body: UserCreate) -> UserCreated:
    """Create a user; without a password one is generated and answered once."""
    generated = None if body.password is not None else user_rows.generate_password()
    password = body.password.get_secret_value() if body.password is not None else generated
    with write_session(rt.sessions) as session:
        user = user_rows.create(
            session,
            rt.passwords,
            username=body.username,
            role=body.role,
            now=rt.clock(),
            display_name=body.display_name,
            password=password,
            account_ids=body.account_ids,
        )
        out = _out(session, rt.clock(), user)
    return UserCreated(**out.model_dump(), generated_password=generated)


@router.get("/{user_id}")
def get_user(rt: RuntimeDep, session: SessionDep, user_id: IdPath) -> UserOut:
    """Show a user."""
    user = session.get(UserRecord, user_id)
    if user is None:
        raise not_found("user", user_id)
    return _out(session, rt.clock(), user)


@router.patch("/{user_id}")
def update_user(rt: RuntimeDep, me: CurrentUser, user_id: IdPath, body: UserUpdate) -> UserOut:
    """Change a user; a new password or deactivation signs all their sessions out."""
    now = rt.clock()
    with write_session(rt.sessions) as session:
        user = session.get(UserRecord, user_id)
        if user is None:
            raise not_found("user", user_id)
        if me.id == user.id and (body.active is False or (body.role and body.role != "admin")):
            raise conflict("you cannot demote or deactivate yourself", "self", "role")
        if body.display_name is not None:
            user.display_name = body.display_name.strip()
        if body.role is not None:
            user.role = body.role
        if body.account_ids is not None:
            user_rows.set_accounts(session, user, body.account_ids)
        if body.password is not None:
            user_rows.set_password(
                session, rt.passwords, user, body.password.get_secret_value(), now
            )
        if body.active is not None and body.active != user.active:
            user.active = body.active
            if not body.active:
                sessions.end_all(session, user.id)
        user.updated_at = now
        session.flush()
        return _out(session, now, user)
