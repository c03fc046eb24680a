"""The web UI: `/chat` (the unified chat pane) and its static files, from `dashboard/`.

Pages are served with a Content-Security-Policy that allows only the controller's own
scripts and styles: even if a customer's text were ever put into the page as HTML, no
script in it would run.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
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


def install_dashboard(app: FastAPI, folder: Path) -> None:
    """Serve the dashboard in `folder` at ``/chat`` and ``/static``; ``/`` leads to it."""
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def home() -> RedirectResponse:
        return RedirectResponse("/chat")

    @router.get("/chat")
    def chat_page() -> FileResponse:
        return FileResponse(folder / "chat.html", media_type="text/html", headers=PAGE_HEADERS)

    app.include_router(router)
    app.mount("/static", StaticFiles(directory=folder / "static"), name="static")
