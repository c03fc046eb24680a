"""`create_app(settings)`: the controller as an ASGI application.

Building the app opens the database and brings its schema up to date (Alembic); starting
it (the ASGI lifespan) sweeps once for occurrences that fell due while the controller was
down and starts the clockwork (`scheduler.Scheduler`); stopping it stops the clockwork
and closes the database.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from farm_queue import Clock, JobStore, utc_now
from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from farm_controller.api.access_control import AccessControl
from farm_controller.api.audit_middleware import AuditMiddleware
from farm_controller.api.body_limit import BodyLimit
from farm_controller.api.errors import ErrorBody, install_error_handlers
from farm_controller.api.openapi import document as document_openapi
from farm_controller.api.pages import install_dashboard
from farm_controller.api.routes import (
    accounts,
    agent,
    agent_live,
    audit_log,
    auth,
    canned_replies,
    charts,
    contacts,
    conversations,
    devices,
    evidence,
    health,
    hosts,
    jobs,
    live,
    live_socket,
    me,
    media,
    posts,
    profile,
    realtime,
    review,
    schedule,
    tags,
    tokens,
    users,
)
from farm_controller.db import safe_url
from farm_controller.migrate import upgrade
from farm_controller.scheduler import Scheduler
from farm_controller.settings import Settings
from farm_controller.wiring import build_runtime

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
DESCRIPTION = """\
Schedule feed posts for the accounts of a phone farm and watch the phones publish them.

Answer every customer of every phone from one pane (the chat API, tagged `chat`; live
events on the WebSocket `/api/v1/ws`; the pane itself at `/chat`).

Authenticate with `Authorization: Bearer <token>`: the controller's API token (an admin)
or a user's personal API token (`POST /api/v1/me/tokens`); the console signs in with a
session cookie (`POST /api/v1/auth/login`) and sends `X-CSRF-Token` with every change.
Each route is open to some roles only (`admin`, `operator`, `scheduler`, `agent_staff`;
403 otherwise); a staff member sees only the conversations of their accounts. Every
change is in the audit log (`GET /api/v1/audit`), with the `X-Request-ID` of its request.

Every error is `{"detail": [{"field": ..., "message": ..., "type": ...}]}`: 422 when the
request is wrong (the field is named), 409 when it conflicts with what is stored (daily
cap, duplicate text, a job's state), 429 when an account's reply cap is reached or after
too many failed sign-ins, 403 when your role may not, 404 for what does not exist or is
not yours, 401 without a valid token or session, 415 for a body in a format the operation
does not read, 502/503/504 when a phone's agent fails, is not connected or does not answer
(remote control). Each operation lists the statuses it answers with.
"""

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "missing or invalid token or session"},
    403: {"model": ErrorBody, "description": "your role may not do this (auth.policy)"},
    422: {"model": ErrorBody, "description": "invalid request; `field` names the culprit"},
}


def create_app(
    settings: Settings, *, clock: Clock = utc_now, job_store: JobStore | None = None
) -> FastAPI:
    """Build the controller application.

    Args:
        settings: Read once by the entry point.
        clock: The time every decision is made with (tests pass a fake clock).
        job_store: The job store; a `SqlJobStore` on the settings' database by default.
    """
    rt = build_runtime(settings, clock=clock, jobs=job_store)
    if settings.migrate_on_start:
        upgrade(rt.engine)
    scheduler = Scheduler(rt)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        log.info("controller on %s", safe_url(settings.database_url))
        if settings.scheduler_enabled:
            await run_in_threadpool(scheduler.start)
        try:
            yield
        finally:
            await run_in_threadpool(scheduler.stop)
            rt.close()

    app = FastAPI(
        title="phonefarm controller",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=_ERRORS,
    )
    app.state.runtime = rt
    rt.clockwork = scheduler
    install_error_handlers(app)

    # Who may call what is decided for every route by `auth.policy.ROUTE_ROLES` in the
    # AccessControl middleware, not per router: a new route must be added to that table.
    app.add_middleware(BodyLimit, settings=settings)  # innermost: after sign-in is checked
    app.add_middleware(AccessControl)
    app.add_middleware(AuditMiddleware)  # outermost: it also records refused requests
    public = APIRouter(prefix=API_PREFIX)
    for module in (hosts, devices, accounts, media, posts, jobs, evidence, review, schedule):
        public.include_router(module.router)
    for module in (auth, me, profile, tokens, users, audit_log, charts):
        public.include_router(module.router)
    public.include_router(tokens.admin_router)
    chat = APIRouter(prefix=API_PREFIX)
    for module in (conversations, contacts, canned_replies, tags):
        chat.include_router(module.router)
    app.include_router(health.router, prefix=API_PREFIX)
    app.include_router(public)
    app.include_router(chat)
    app.include_router(realtime.router, prefix=API_PREFIX)
    app.include_router(agent.router)
    app.include_router(live.router, prefix=API_PREFIX)  # farm view, remote control
    app.include_router(live_socket.router, prefix=API_PREFIX)  # live screens
    app.include_router(agent_live.agent_router)  # the agents' screen link
    if settings.dashboard_dir is not None:
        install_dashboard(app, settings.dashboard_dir)
    document_openapi(app)
    return app
