"""The console's pages and their static files, from `dashboard/`.

Pages are served with a Content-Security-Policy that allows only the controller's own
scripts and styles: even if a customer's text were ever put into a page as HTML, no
script in it would run. Who may open which page is `auth.policy.ROUTE_ROLES` (a browser
without a session is sent to ``/login``); ``/`` leads each role to its home page.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
HOME = {"admin": "/charts", "operator": "/jobs", "scheduler": "/calendar", "agent_staff": "/chat"}
PAGES = {
    "/login": "login.html",
    "/account": "account.html",
    "/chat": "chat.html",
    "/farm": "farm.html",
    "/devices/{serial}": "device.html",
    "/jobs": "jobs.html",
    "/jobs/{job_id}": "job.html",
    "/review": "review.html",
    "/calendar": "calendar.html",
    "/charts": "charts.html",
    "/admin/users": "users.html",
    "/admin/audit": "audit.html",
}


_NOT_IN_A_PATH = re.compile(r"[\x00-\x20\x7f\\]")
"""Controls, spaces and backslashes: browsers drop tabs and newlines from a URL and read
``\\`` as ``/``, so ``/<TAB>/evil.example`` would open another site."""


def same_origin_path(target: str) -> str | None:
    """`target` when it can only mean a path on this site (with its query), else None.

    The sign-in page's ``next``: it must start with one ``/``, hold no control character,
    space or backslash, parse (`urllib.parse.urlsplit`) without a scheme or host, and have
    no ``.``/``..`` segment (``/.//evil.example`` is ``//evil.example`` once resolved).
    `dashboard/static/login.js` applies the same rule with the browser's URL parser.
    """
    if not target.startswith("/") or target.startswith("//") or _NOT_IN_A_PATH.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if any(unquote(segment) in {".", ".."} for segment in parts.path.split("/")):
        return None
    return target


def install_dashboard(app: FastAPI, folder: Path) -> None:
    """Serve the console in `folder`: its pages, ``/static``, and ``/`` (the role's home)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> RedirectResponse:
        role = getattr(getattr(request.state, "user", None), "role", "")
        return RedirectResponse(HOME.get(role, "/login"), status_code=303)

    def page(filename: str) -> FileResponse:
        return FileResponse(folder / filename, media_type="text/html", headers=PAGE_HEADERS)

    def login_page(request: Request) -> Response:
        # A `next` that could lead off this site is dropped before the page is shown.
        wanted = request.query_params.getlist("next")
        if any(same_origin_path(target) is None for target in wanted):
            return RedirectResponse("/login", status_code=303, headers=PAGE_HEADERS)
        return page(PAGES["/login"])

    for path, filename in PAGES.items():
        if path == "/login":
            router.add_api_route(path, login_page, methods=["GET"], name=f"page:{filename}")
            continue
        router.add_api_route(
            path, (lambda f=filename: page(f)), methods=["GET"], name=f"page:{filename}"
        )
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=folder / "static"), name="static")
