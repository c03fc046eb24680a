"""What routes depend on, as typed aliases: the runtime, a session, who is calling.

Two kinds of callers, never interchangeable: people and tools with the API token (the
public API), and host agents with their host's token (the agent API). A token of one kind
is refused by the other API with 401. The chat API also takes the chat users' own tokens
(`users.py`); it answers with their `User`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from farm_controller.errors import ApiError, FieldProblem
from farm_controller.runtime import Runtime
from farm_controller.users import API_USER, User

_bearer = HTTPBearer(auto_error=False, description="the API token, or a host's agent token")


def get_runtime(request: Request) -> Runtime:
    """The runtime `create_app` attached to the application."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_session(rt: RuntimeDep) -> Iterator[Session]:
    """A session for reading; writes go through the services' own write sessions."""
    with rt.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401,
        FieldProblem("Authorization", message, "unauthorized"),
        headers={"WWW-Authenticate": "Bearer"},
    )


def _token(credentials: HTTPAuthorizationCredentials | None) -> bytes:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("send Authorization: Bearer <token>")
    return credentials.credentials.encode()


def require_api_token(rt: RuntimeDep, credentials: Credentials) -> str:
    """The caller of the public API; 401 unless it sent the API token."""
    token = _token(credentials)
    expected = rt.settings.api_token
    if expected is None or not hmac.compare_digest(token, expected.get_secret_value().encode()):
        raise _unauthorized("invalid API token")
    return "api"


def require_agent_host(rt: RuntimeDep, credentials: Credentials) -> str:
    """The host an agent token belongs to; 401 for any other token."""
    token = _token(credentials)
    found: str | None = None
    for host, secret in rt.settings.agent_tokens.items():
        # Compare with every token, so the time taken does not tell which one is close.
        if hmac.compare_digest(token, secret.get_secret_value().encode()):
            found = host
    if found is None:
        raise _unauthorized("invalid agent token")
    return found


ApiUser = Annotated[str, Depends(require_api_token)]
AgentHost = Annotated[str, Depends(require_agent_host)]


def user_for_token(rt: Runtime, token: bytes) -> User | None:
    """The chat user a token belongs to (the API token is the admin ``api``), or None."""
    found: User | None = None
    expected = rt.settings.api_token
    if expected is not None and hmac.compare_digest(token, expected.get_secret_value().encode()):
        found = rt.users[API_USER]
    for name, spec in rt.settings.users.items():
        # Every token is compared, so the time taken does not tell which one is close.
        if hmac.compare_digest(token, spec.token.get_secret_value().encode()):
            found = rt.users[name]
    return found


def require_user(rt: RuntimeDep, credentials: Credentials) -> User:
    """The chat user calling; 401 unless the token is the API token or a user's token."""
    user = user_for_token(rt, _token(credentials))
    if user is None:
        raise _unauthorized("invalid token")
    return user


ChatUser = Annotated[User, Depends(require_user)]
