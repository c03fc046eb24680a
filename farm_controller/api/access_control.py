"""`AccessControl`: every request is authenticated and checked against `policy.ROUTE_ROLES`
before any route runs.

1. The route is found the way the router will find it; no route → the router's 404/405.
2. Its entry in the table: missing → 403 for everyone (fail closed); `PUBLIC` and
   `AGENT` (the route checks the host token itself) pass.
3. Who is calling: ``Authorization: Bearer`` with the settings' API token (the admin
   ``api``) or a personal API token; otherwise the session cookie. Nobody → 401 (pages:
   a redirect to ``/login``).
4. The role must be in the entry → else 403 (pages: a 403 page).
5. A cookie-authenticated request that changes something must carry the session's CSRF
   token in ``X-CSRF-Token`` → else 403 (``type: csrf``).

The `users.User` is left in the request's state for the routes (`api.deps.CurrentUser`)
and the audit log. WebSockets authenticate in their handler (the first message may carry
the token); `websocket_user` does it with the same table.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute, iter_route_contexts
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Match, Mount, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from farm_controller.api.pages import PAGE_HEADERS, same_origin_path
from farm_controller.auth import sessions
from farm_controller.auth.credentials import (
    Credential,
    authenticate,
    authenticate_session,
    authenticate_token,
)
from farm_controller.auth.policy import Access, access_for, is_page
from farm_controller.auth.principal import User
from farm_controller.errors import FieldProblem
from farm_controller.runtime import Runtime

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WS = "WS"


@dataclass(frozen=True)
class RouteMatch:
    """The route a request goes to: its table key, the route object and path parameters."""

    method: str
    path: str
    route: Any
    params: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        """The route's key in `policy.ROUTE_ROLES`."""
        return (self.method, self.path)


def match_route(app: FastAPI, scope: Scope) -> RouteMatch | None:
    """The route the router will run for `scope` (None: 404 or 405, the router answers)."""
    websocket = scope["type"] == "websocket"
    method = WS if websocket else ("GET" if scope["method"] == "HEAD" else scope["method"])
    for context in iter_route_contexts(app.routes):
        matched, child = context.matches(scope)
        if matched is not Match.FULL:
            continue
        route = context.original_route
        if isinstance(route, Mount):
            path = context.path or route.path
        else:
            path = context.path_format or context.path or ""
        if websocket != isinstance(route, WebSocketRoute | APIWebSocketRoute):
            continue
        return RouteMatch(method, path, route, dict(child.get("path_params", {})))
    return None


def _problem(status: int, problem: FieldProblem, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"detail": [problem.as_json()]}, status_code=status, headers=headers)


_FORBIDDEN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>403 · phonefarm</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/console.css"></head>
<body class="plain"><main class="notice"><h1>403</h1>
<p>Your role may not open this page. 你的角色无权打开此页面。</p>
<p><a href="/">Home · 首页</a> · <a href="/login">Sign in as someone else · 切换账号</a></p>
</main></body></html>
"""


def _unauthorized(scope: Scope, message: str) -> Response:
    path = scope.get("path", "/")
    if is_page(path):
        query = scope.get("query_string", b"").decode("latin-1")
        target = same_origin_path(f"{path}?{query}" if query else path)
        if target is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    return _problem(
        401,
        FieldProblem("Authorization", message, "unauthorized"),
        headers={"WWW-Authenticate": "Bearer"},
    )


def _forbidden(scope: Scope, message: str, kind: str = "forbidden") -> Response:
    if is_page(scope.get("path", "/")):
        return HTMLResponse(_FORBIDDEN_PAGE, status_code=403, headers=PAGE_HEADERS)
    return _problem(403, FieldProblem(None, message, kind))


def client_ip(scope: Scope) -> str:
    """The peer's address (no proxy headers are trusted)."""
    client = scope.get("client")
    return str(client[0]) if client else ""


def bearer_of(header: str | None) -> bytes | None:
    """The token of an ``Authorization: Bearer`` header (b"" for another scheme)."""
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return b""
    return value.strip().encode("utf-8", "replace")


class AccessControl:
    """ASGI middleware enforcing `policy.ROUTE_ROLES` (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        fastapi_app: FastAPI = scope["app"]
        found = match_route(fastapi_app, scope)
        state = scope.setdefault("state", {})
        if found is None:
            await self.app(scope, receive, send)
            return
        state["route_match"] = found
        access = access_for(found.method, found.path)
        if access is None:
            log.error("route %s %s is not in auth.policy.ROUTE_ROLES: refused", *found.key)
        if scope["type"] == "websocket":
            if access is None:
                await send({"type": "websocket.close", "code": 4403, "reason": "forbidden"})
                return
            await self.app(scope, receive, send)  # the handler authenticates
            return
        response = await self._check(fastapi_app, scope, access)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _check(self, app: FastAPI, scope: Scope, access: Access | None) -> Response | None:
        if access is None:
            return _forbidden(scope, "this route is not open to anyone", "forbidden")
        if access.kind in ("public", "agent"):
            return None
        rt: Runtime = app.state.runtime
        connection = HTTPConnection(scope)
        token = bearer_of(connection.headers.get("authorization"))
        user: User | None = None
        if token is not None:
            if not token:
                return _unauthorized(scope, "send Authorization: Bearer <token>")
            user = await anyio.to_thread.run_sync(authenticate_token, rt, token)
            if user is None:
                return _unauthorized(scope, "invalid token")
        else:
            secret = connection.cookies.get(sessions.COOKIE)
            if secret:
                user = await anyio.to_thread.run_sync(authenticate_session, rt, secret)
            if user is None:
                return _unauthorized(scope, "sign in, or send Authorization: Bearer <token>")
        scope["state"]["user"] = user
        if not access.allows(user.role):
            return _forbidden(scope, f"the {user.role} role may not do this")
        if user.via == "session" and scope["method"] not in SAFE_METHODS:
            sent = connection.headers.get(sessions.CSRF_HEADER, "")
            if not user.csrf_token or not hmac.compare_digest(
                sent.encode("utf-8", "replace"), user.csrf_token.encode()
            ):
                return _forbidden(scope, "missing or wrong X-CSRF-Token", "csrf")
        return None


def _same_origin(websocket: WebSocket) -> bool:
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: a cookie cannot have been sent for it cross-site
    return urlsplit(origin).netloc == websocket.headers.get("host", "")


def websocket_credential(websocket: WebSocket, token: str | None) -> Credential | None:
    """What a WebSocket authenticates with: `token` from its first message, else the
    session cookie.

    The cookie only counts when the page that opened the socket is the controller's own
    (the Origin matches): otherwise any site could open it with the user's cookie.
    Returns None when there is nothing to authenticate with.
    """
    if token:
        return Credential(token=token.encode("utf-8", "replace"))
    secret = websocket.cookies.get(sessions.COOKIE)
    if not secret or not _same_origin(websocket):
        return None
    return Credential(session_secret=secret)


async def websocket_user(websocket: WebSocket, token: str | None) -> tuple[User, Credential] | None:
    """Who opened a WebSocket (see `websocket_credential`), and with what; None: nobody."""
    rt: Runtime = websocket.app.state.runtime
    credential = websocket_credential(websocket, token)
    if credential is None:
        return None
    user = await anyio.to_thread.run_sync(authenticate, rt, credential)
    return None if user is None else (user, credential)


def websocket_allowed(websocket: WebSocket, user: User) -> bool:
    """True when `user`'s role may use this WebSocket route (per `policy.ROUTE_ROLES`)."""
    found = websocket.scope.get("state", {}).get("route_match")
    if not isinstance(found, RouteMatch):
        return False
    access = access_for(WS, found.path)
    return access is not None and access.allows(user.role)
