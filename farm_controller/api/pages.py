"""The console's pages and their static files, from `dashboard/`.

Pages are served with a Content-Security-Policy that allows only the controller's own
scripts and styles: even if a customer's text were ever put into a page as HTML, no
script in it would run. Who may open which page is `auth.policy.ROUTE_ROLES` (a browser
without a session is sent to ``/login``); ``/`` leads each role to its home page.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse
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


def install_dashboard(app: FastAPI, folder: Path) -> None:
    """Serve the console in `folder`: its pages, ``/static``, and ``/`` (the role's home)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home(request: Request) -> RedirectResponse:
        role = getattr(getattr(request.state, "user", None), "role", "")
        return RedirectResponse(HOME.get(role, "/login"), status_code=303)

    def page(filename: str) -> FileResponse:
        return FileResponse(folder / filename, media_type="text/html", headers=PAGE_HEADERS)

    for path, filename in PAGES.items():
        router.add_api_route(
            path, (lambda f=filename: page(f)), methods=["GET"], name=f"page:{filename}"
        )
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=folder / "static"), name="static")
