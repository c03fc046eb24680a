"""THE table of who may call what: every route of the controller → who is allowed.

`api.access_control.AccessControl` looks every request up here before the route runs; a
route missing from the table is refused (403) for everyone, and the test
``tests/controller/test_roles_matrix.py`` fails, so a new route cannot be left out by
accident. Keys are ``(method, path)`` with the route's path template (``WS`` for
WebSockets, the mount point for static files).

- `PUBLIC`: no sign-in (health, sign-in, the API docs, static files, the login page).
- `AGENT`: the agent API; the route itself checks the host's agent token.
- `ANYONE`: any signed-in user, whatever the role.
- otherwise the set of roles.

Chat routes also filter by the user's accounts (`users.User.account_filter`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from farm_controller.auth.principal import ROLES, Role


@dataclass(frozen=True)
class Access:
    """Who may call a route."""

    kind: Literal["public", "agent", "roles"]
    roles: frozenset[Role] = frozenset()

    def allows(self, role: Role) -> bool:
        """True when a signed-in user with `role` may call the route."""
        return self.kind == "public" or (self.kind == "roles" and role in self.roles)


def only(*roles: Role) -> Access:
    """Access for these roles."""
    return Access("roles", frozenset(roles))


PUBLIC = Access("public")
AGENT = Access("agent")
ANYONE = only(*ROLES)

ADMIN = only("admin")
FLEET = only("admin", "operator")
"""Devices, hosts, jobs: the farm operators'."""
PLANNING = only("admin", "scheduler")
"""Posts, media uploads, the calendar: the schedulers'."""
OVERSIGHT = only("admin", "operator", "scheduler")
"""Reading posts, accounts and charts; reviewing confirm-mode posts."""
CHAT = only("admin", "agent_staff")
"""The unified inbox (staff see only their accounts)."""

API = "/api/v1"

ROUTE_ROLES: dict[tuple[str, str], Access] = {
    # --- no sign-in ----------------------------------------------------------------------
    ("GET", f"{API}/health"): PUBLIC,
    ("POST", f"{API}/auth/login"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    # --- the agent API (per-host tokens) ------------------------------------------------
    ("POST", f"{API}/agent/register"): AGENT,
    ("POST", f"{API}/agent/heartbeat"): AGENT,
    ("POST", f"{API}/agent/claim"): AGENT,
    ("GET", f"{API}/agent/media/{{media_id}}"): AGENT,
    ("POST", f"{API}/agent/jobs/{{job_id}}/renew"): AGENT,
    ("POST", f"{API}/agent/jobs/{{job_id}}/steps"): AGENT,
    ("POST", f"{API}/agent/jobs/{{job_id}}/park"): AGENT,
    ("POST", f"{API}/agent/jobs/{{job_id}}/finish"): AGENT,
    ("WS", f"{API}/agent/ws"): AGENT,
    # --- oneself ------------------------------------------------------------------------
    ("POST", f"{API}/auth/logout"): ANYONE,
    ("GET", f"{API}/auth/session"): ANYONE,
    ("GET", f"{API}/me"): ANYONE,
    ("POST", f"{API}/me/password"): ANYONE,
    ("GET", f"{API}/me/tokens"): ANYONE,
    ("POST", f"{API}/me/tokens"): ANYONE,
    ("DELETE", f"{API}/me/tokens/{{token_id}}"): ANYONE,
    # --- users and the audit log --------------------------------------------------------
    ("GET", f"{API}/users"): ADMIN,
    ("POST", f"{API}/users"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}"): ADMIN,
    ("PATCH", f"{API}/users/{{user_id}}"): ADMIN,
    ("GET", f"{API}/users/{{user_id}}/tokens"): ADMIN,
    ("POST", f"{API}/users/{{user_id}}/tokens"): ADMIN,
    ("DELETE", f"{API}/users/{{user_id}}/tokens/{{token_id}}"): ADMIN,
    ("GET", f"{API}/audit"): ADMIN,
    # --- the fleet and its jobs ---------------------------------------------------------
    ("GET", f"{API}/hosts"): FLEET,
    ("GET", f"{API}/hosts/{{name}}"): FLEET,
    ("GET", f"{API}/devices"): FLEET,
    ("GET", f"{API}/devices/{{serial}}"): FLEET,
    ("GET", f"{API}/farm"): FLEET,
    ("GET", f"{API}/devices/{{serial}}/live"): FLEET,
    ("POST", f"{API}/devices/{{serial}}/move"): FLEET,
    ("POST", f"{API}/devices/{{serial}}/control"): FLEET,
    ("DELETE", f"{API}/devices/{{serial}}/control"): FLEET,
    ("POST", f"{API}/devices/{{serial}}/input"): FLEET,
    ("WS", f"{API}/ws/screens"): FLEET,
    ("GET", f"{API}/jobs"): FLEET,
    ("GET", f"{API}/jobs/{{job_id}}"): FLEET,
    ("POST", f"{API}/jobs/{{job_id}}/retry"): FLEET,
    ("POST", f"{API}/jobs/{{job_id}}/cancel"): FLEET,
    ("GET", f"{API}/evidence/{{evidence_id}}"): OVERSIGHT,
    # --- accounts -----------------------------------------------------------------------
    ("GET", f"{API}/accounts"): OVERSIGHT,
    ("GET", f"{API}/accounts/{{account_id}}"): OVERSIGHT,
    ("POST", f"{API}/accounts"): FLEET,
    ("PATCH", f"{API}/accounts/{{account_id}}"): FLEET,
    ("DELETE", f"{API}/accounts/{{account_id}}"): FLEET,
    ("PUT", f"{API}/accounts/{{account_id}}/slots"): PLANNING,
    # --- posts, media, the calendar -----------------------------------------------------
    ("POST", f"{API}/media"): PLANNING,
    ("GET", f"{API}/media/{{media_id}}"): OVERSIGHT,
    ("GET", f"{API}/media/{{media_id}}/content"): OVERSIGHT,
    ("GET", f"{API}/posts"): OVERSIGHT,
    ("POST", f"{API}/posts"): PLANNING,
    ("GET", f"{API}/posts/{{post_id}}"): OVERSIGHT,
    ("POST", f"{API}/posts/{{post_id}}/cancel"): PLANNING,
    ("POST", f"{API}/posts/{{post_id}}/targets/{{account_id}}/confirm"): OVERSIGHT,
    ("POST", f"{API}/posts/{{post_id}}/targets/{{account_id}}/reject"): OVERSIGHT,
    ("GET", f"{API}/review"): OVERSIGHT,
    ("GET", f"{API}/calendar"): PLANNING,
    ("POST", f"{API}/schedule/check"): PLANNING,
    ("POST", f"{API}/schedule/next-slot"): PLANNING,
    ("GET", f"{API}/schedule/export"): PLANNING,
    ("POST", f"{API}/schedule/import"): PLANNING,
    ("GET", f"{API}/charts/posts"): OVERSIGHT,
    ("GET", f"{API}/charts/first-response"): OVERSIGHT,
    ("GET", f"{API}/charts/device-online"): OVERSIGHT,
    # --- the chat -----------------------------------------------------------------------
    ("GET", f"{API}/conversations"): CHAT,
    ("GET", f"{API}/conversations/{{conversation_id}}"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/read"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/assign"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/status"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/notes"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/messages"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/messages/{{message_id}}/retry"): CHAT,
    ("POST", f"{API}/conversations/{{conversation_id}}/messages/{{message_id}}/cancel"): CHAT,
    ("GET", f"{API}/contacts/{{contact_id}}"): CHAT,
    ("PATCH", f"{API}/contacts/{{contact_id}}"): CHAT,
    ("PUT", f"{API}/contacts/{{contact_id}}/tags"): CHAT,
    ("GET", f"{API}/canned-replies"): CHAT,
    ("POST", f"{API}/canned-replies"): CHAT,
    ("PATCH", f"{API}/canned-replies/{{reply_id}}"): CHAT,
    ("DELETE", f"{API}/canned-replies/{{reply_id}}"): CHAT,
    ("GET", f"{API}/tags"): CHAT,
    ("POST", f"{API}/tags"): CHAT,
    ("PATCH", f"{API}/tags/{{tag_id}}"): ADMIN,
    ("DELETE", f"{API}/tags/{{tag_id}}"): ADMIN,
    ("GET", f"{API}/auto-tag-rules"): CHAT,
    ("POST", f"{API}/auto-tag-rules"): ADMIN,
    ("DELETE", f"{API}/auto-tag-rules/{{rule_id}}"): ADMIN,
    ("WS", f"{API}/ws"): CHAT,
    # --- pages (a browser without a session is sent to /login) --------------------------
    ("GET", "/"): ANYONE,
    ("GET", "/account"): ANYONE,
    ("GET", "/chat"): CHAT,
    ("GET", "/farm"): FLEET,
    ("GET", "/devices/{serial}"): FLEET,
    ("GET", "/jobs"): FLEET,
    ("GET", "/jobs/{job_id}"): FLEET,
    ("GET", "/review"): OVERSIGHT,
    ("GET", "/calendar"): PLANNING,
    ("GET", "/charts"): OVERSIGHT,
    ("GET", "/admin/users"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
}


def access_for(method: str, path: str) -> Access | None:
    """Who may call the route `(method, path template)`; None when it is not in the table."""
    return ROUTE_ROLES.get(("GET" if method == "HEAD" else method, path))


def is_page(path: str) -> bool:
    """True for the console's HTML pages (they redirect to /login instead of a 401)."""
    return not path.startswith("/api/") and not path.startswith("/static")
