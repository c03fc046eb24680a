"""Users as rows: create and change them, check their input, load them as `principal.User`."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from farm_controller.auth import sessions
from farm_controller.auth.names import KEY_MAX_LENGTH, name_key
from farm_controller.auth.passwords import Passwords, password_problem
from farm_controller.auth.principal import API_USER, Role, User, Via
from farm_controller.errors import FieldProblem, Invalid, conflict
from farm_controller.models import Account, ApiTokenRecord, UserAccount, UserRecord

RESERVED_NAMES = frozenset({API_USER, "system", "anonymous"})


def principal(
    user: UserRecord,
    via: Via,
    *,
    session_id: str | None = None,
    csrf_token: str | None = None,
) -> User:
    """The `User` a request by this row is made as."""
    role: Role = user.role  # type: ignore[assignment]  # checked on write
    return User(
        name=user.username,
        role=role,
        account_ids=frozenset(link.account_id for link in user.accounts),
        display_name=user.display_name or user.username,
        id=user.id,
        via=via,
        session_id=session_id,
        csrf_token=csrf_token,
    )


def generate_password() -> str:
    """A random password people can type (16 characters)."""
    return secrets.token_urlsafe(12)


def by_name(session: Session, username: str) -> UserRecord | None:
    """The user called `username` in any case or Unicode form (`names.name_key`), or None."""
    return session.scalars(
        select(UserRecord).where(UserRecord.username_key == name_key(username))
    ).first()


def check_password(password: str, username: str, field: str = "password") -> None:
    """Raises Invalid: naming `field` when the password is not acceptable."""
    problem = password_problem(password, username)
    if problem is not None:
        raise Invalid(FieldProblem(field, problem, "weak_password"))


def _accounts(session: Session, ids: Sequence[int]) -> list[int]:
    found = set(session.scalars(select(Account.id).where(Account.id.in_(set(ids)))))
    problems = [
        FieldProblem(f"account_ids[{i}]", f"no account with id {account_id}", "not_found")
        for i, account_id in enumerate(ids)
        if account_id not in found
    ]
    if problems:
        raise Invalid(problems)
    return sorted(set(ids))


def set_accounts(session: Session, user: UserRecord, ids: Sequence[int]) -> None:
    """Replace the accounts `user` serves (422 naming the unknown ones)."""
    wanted = _accounts(session, ids)
    user.accounts = [UserAccount(user_id=user.id, account_id=a) for a in wanted]


def create(
    session: Session,
    passwords: Passwords,
    *,
    username: str,
    role: Role,
    now: datetime,
    display_name: str = "",
    password: str | None = None,
    account_ids: Sequence[int] = (),
) -> UserRecord:
    """Store a new user.

    Raises:
        Conflict: when the user name is taken, 422 for a reserved name, a weak
            password or an unknown account.
    """
    username = username.strip()
    key = name_key(username)
    if key in RESERVED_NAMES:
        raise Invalid(FieldProblem("username", f"{username!r} is reserved", "reserved"))
    if len(key) > KEY_MAX_LENGTH:
        raise Invalid(FieldProblem("username", "the user name is too long", "too_long"))
    existing = by_name(session, username)
    if existing is not None:
        raise conflict(
            f"a user named {existing.username!r} exists ({username!r} is the same name)"
            if existing.username != username
            else f"a user named {username!r} exists",
            "duplicate",
            "username",
        )
    if password is not None:
        check_password(password, username)
    user = UserRecord(
        username=username,
        username_key=key,
        display_name=display_name.strip(),
        role=role,
        password_hash=passwords.hash(password) if password is not None else None,
        active=True,
        created_at=now,
        updated_at=now,
        password_changed_at=now if password is not None else None,
    )
    session.add(user)
    session.flush()
    set_accounts(session, user, account_ids)
    session.flush()
    return user


def set_password(
    session: Session,
    passwords: Passwords,
    user: UserRecord,
    password: str,
    now: datetime,
    *,
    keep_session: str | None = None,
) -> None:
    """Change the password and sign out every other session of the user."""
    check_password(password, user.username)
    user.password_hash = passwords.hash(password)
    user.password_changed_at = now
    user.updated_at = now
    sessions.end_all(session, user.id, keep=keep_session)


def live_tokens(session: Session, user_ids: Sequence[int], now: datetime) -> dict[int, int]:
    """How many unrevoked, unexpired tokens each user has."""
    rows = session.execute(
        select(ApiTokenRecord.user_id, func.count(ApiTokenRecord.id))
        .where(
            ApiTokenRecord.user_id.in_(list(user_ids)),
            ApiTokenRecord.revoked_at.is_(None),
            (ApiTokenRecord.expires_at.is_(None)) | (ApiTokenRecord.expires_at > now),
        )
        .group_by(ApiTokenRecord.user_id)
    )
    return {user_id: int(count) for user_id, count in rows}


def assignable(session: Session, account_ids: Sequence[int]) -> list[str]:
    """Active users who may be assigned a conversation of one of these accounts."""
    served = select(UserAccount.user_id).where(UserAccount.account_id.in_(list(account_ids)))
    names = session.scalars(
        select(UserRecord.username)
        .where(
            UserRecord.active.is_(True),
            (UserRecord.role == "admin")
            | ((UserRecord.role == "agent_staff") & UserRecord.id.in_(served)),
        )
        .order_by(UserRecord.username)
    )
    return list(names)
