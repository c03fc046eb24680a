"""Signing in and out of the console (session cookie), and who is signed in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from farm_controller.api.access_control import client_ip
from farm_controller.api.audit_middleware import note
from farm_controller.api.deps import CurrentUser, RuntimeDep
from farm_controller.auth import ratelimit, sessions
from farm_controller.auth.principal import User
from farm_controller.auth.users import by_name, principal
from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Unauthenticated
from farm_controller.runtime import Runtime
from farm_controller.schemas.users import LoginIn, Principal, SessionOut

router = APIRouter(prefix="/auth", tags=["auth"])


def principal_out(user: User) -> Principal:
    """The signed-in user as the API shows them."""
    return Principal(
        id=user.id,
        username=user.name,
        display_name=user.display_name or user.name,
        role=user.role,
        account_ids=sorted(user.account_ids),
        via=user.via,
    )


def _cookie_secure(rt: Runtime, request: Request) -> bool:
    configured = rt.settings.cookie_secure
    return configured if configured is not None else request.url.scheme == "https"


@router.post("/login")
def login(rt: RuntimeDep, request: Request, response: Response, body: LoginIn) -> SessionOut:
    """Sign in with user name and password: sets the session cookie (429 after failures,
    see `auth.ratelimit`; a browser the user signed in on before is not closed by
    failures elsewhere)."""
    now = rt.clock()
    ip = client_ip(request.scope)
    username = body.username.strip()
    password = body.password.get_secret_value()
    note(request, username=username[:100])
    secret = ""
    device_secret = request.cookies.get(ratelimit.DEVICE_COOKIE)
    with write_session(rt.sessions) as session:
        user = by_name(session, username)
        attempt = ratelimit.Attempt.of(session, username, ip, device_secret, user)
        ratelimit.check(session, rt.settings, attempt, now)
        ok = rt.passwords.verify(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            ratelimit.record_failure(session, rt.settings, attempt, now)
            signed_in = None
        else:
            ratelimit.clear(session, attempt)
            device_secret = ratelimit.remember_device(session, user, device_secret, now)
            previous = request.cookies.get(sessions.COOKIE)
            if previous:  # signing in as someone else ends the browser's old session
                sessions.end(session, sessions.session_key(previous))
            if user.password_hash and rt.passwords.needs_rehash(user.password_hash):
                user.password_hash = rt.passwords.hash(password)
            user.last_login_at = now
            web, secret = sessions.start(
                session,
                rt.settings,
                user,
                now,
                ip=ip,
                user_agent=request.headers.get("user-agent", ""),
            )
            signed_in = principal(user, "session", session_id=web.id, csrf_token=web.csrf_token)
    if signed_in is None:
        raise Unauthenticated(
            FieldProblem("password", "wrong user name or password", "invalid_credentials")
        )
    request.state.user = signed_in  # the audit log's actor
    secure = _cookie_secure(rt, request)
    response.set_cookie(
        sessions.COOKIE,
        secret,
        max_age=rt.settings.session_max_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(  # this browser is now known to the user (`auth.ratelimit`)
        ratelimit.DEVICE_COOKIE,
        device_secret or "",
        max_age=ratelimit.DEVICE_DAYS * 86400,
        path="/api/v1/auth",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return SessionOut(user=principal_out(signed_in), csrf_token=signed_in.csrf_token)


@router.post("/logout", status_code=204)
def logout(rt: RuntimeDep, request: Request, user: CurrentUser) -> Response:
    """Sign out: ends this session and clears its cookie (tokens are not affected)."""
    if user.session_id is not None:
        with write_session(rt.sessions) as session:
            sessions.end(session, user.session_id)
    response = Response(status_code=204)
    response.delete_cookie(
        sessions.COOKIE, path="/", httponly=True, samesite="lax", secure=_cookie_secure(rt, request)
    )
    return response


@router.get("/session")
def current_session(user: CurrentUser) -> SessionOut:
    """Who is signed in, and the CSRF token to send as X-CSRF-Token with changes."""
    return SessionOut(user=principal_out(user), csrf_token=user.csrf_token)
