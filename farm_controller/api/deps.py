"""What routes depend on, as typed aliases: the runtime, a session, who is calling.

Two kinds of callers, never interchangeable: people and tools (the public API: a session
cookie, a personal API token or the settings' API token, checked for every request by
`api.access_control.AccessControl` against `auth.policy.ROUTE_ROLES`), and host agents
with their host's token (the agent API, checked here). A token of one kind is refused
by the other API with 401.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from farm_controller.auth.principal import User
from farm_controller.errors import FieldProblem, Unauthenticated
from farm_controller.runtime import Runtime

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


def _unauthorized(message: str) -> Unauthenticated:
    return Unauthenticated(FieldProblem("Authorization", message, "unauthorized"))


def _token(credentials: HTTPAuthorizationCredentials | None) -> bytes:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("send Authorization: Bearer <token>")
    return credentials.credentials.encode()


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


AgentHost = Annotated[str, Depends(require_agent_host)]


def current_user(request: Request, _credentials: Credentials) -> User:
    """The signed-in user `api.access_control.AccessControl` found (401 if none, defensively).

    The bearer scheme is declared here so the OpenAPI page offers "Authorize".
    """
    user = getattr(request.state, "user", None)
    if not isinstance(user, User):
        raise _unauthorized("sign in, or send Authorization: Bearer <token>")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
ChatUser = CurrentUser
"""The chat routes' name for the caller (their account filter applies)."""
