"""Personal API tokens: one's own (``/me/tokens``) and, for admins, anyone's."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Response
from sqlalchemy import select

from farm_controller.api.deps import CurrentUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath
from farm_controller.api.presenters import token_out
from farm_controller.auth import tokens
from farm_controller.auth.principal import User
from farm_controller.db import write_session
from farm_controller.errors import conflict, not_found
from farm_controller.models import ApiTokenRecord, UserRecord
from farm_controller.runtime import Runtime
from farm_controller.schemas.users import TokenCreate, TokenCreated, TokenOut

router = APIRouter(tags=["profile"])
admin_router = APIRouter(tags=["users"])


def _own_id(user: User) -> int:
    if user.id is None:
        raise conflict("the API token's user has no personal tokens; sign in as a person")
    return user.id


def list_for(session: SessionDep, user_id: int) -> list[TokenOut]:
    """A user's tokens, newest first (revoked ones too)."""
    rows = session.scalars(
        select(ApiTokenRecord)
        .where(ApiTokenRecord.user_id == user_id)
        .order_by(ApiTokenRecord.id.desc())
    )
    return [token_out(row) for row in rows]


def create_for(rt: Runtime, user_id: int, body: TokenCreate) -> TokenCreated:
    """Make a token; the answer is the only place it ever appears."""
    now = rt.clock()
    expires = now + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    with write_session(rt.sessions) as session:
        owner = session.get(UserRecord, user_id)
        if owner is None:
            raise not_found("user", user_id)
        record, secret = tokens.issue(session, owner, body.name, now, expires_at=expires)
        return TokenCreated(**token_out(record).model_dump(), token=secret)


def revoke_for(rt: Runtime, user_id: int, token_id: int) -> None:
    """Revoke one of the user's tokens (404 when it is someone else's)."""
    with write_session(rt.sessions) as session:
        record = session.get(ApiTokenRecord, token_id)
        if record is None or record.user_id != user_id:
            raise not_found("token", token_id)
        if record.revoked_at is None:
            record.revoked_at = rt.clock()


@router.get("/me/tokens")
def my_tokens(session: SessionDep, user: CurrentUser) -> list[TokenOut]:
    """List your personal API tokens (never the tokens themselves)."""
    return list_for(session, _own_id(user))


@router.post("/me/tokens", status_code=201)
def create_my_token(rt: RuntimeDep, user: CurrentUser, body: TokenCreate) -> TokenCreated:
    """Make a personal API token for scripts: shown once, only its hash is kept."""
    return create_for(rt, _own_id(user), body)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_my_token(rt: RuntimeDep, user: CurrentUser, token_id: IdPath) -> Response:
    """Revoke one of your tokens."""
    revoke_for(rt, _own_id(user), token_id)
    return Response(status_code=204)


@admin_router.get("/users/{user_id}/tokens")
def user_tokens(session: SessionDep, user_id: IdPath) -> list[TokenOut]:
    """List a user's personal API tokens."""
    if session.get(UserRecord, user_id) is None:
        raise not_found("user", user_id)
    return list_for(session, user_id)


@admin_router.post("/users/{user_id}/tokens", status_code=201)
def create_user_token(rt: RuntimeDep, user_id: IdPath, body: TokenCreate) -> TokenCreated:
    """Make a personal API token for a user (e.g. a script's account): shown once."""
    return create_for(rt, user_id, body)


@admin_router.delete("/users/{user_id}/tokens/{token_id}", status_code=204)
def revoke_user_token(rt: RuntimeDep, user_id: IdPath, token_id: IdPath) -> Response:
    """Revoke a user's token."""
    revoke_for(rt, user_id, token_id)
    return Response(status_code=204)
