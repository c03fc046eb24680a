"""Who is calling, with which role, and which accounts' chats they may see.

Users live in the database (`models.UserRecord`, managed under ``/api/v1/users``); a
request is made by a `User`, built once per request by `api.access_control` from the
session cookie or a bearer token. The settings' API token is the admin service user
``api``.

Roles (what each may call is one table: `auth.policy.ROUTE_ROLES`):

- `admin`: users, settings, the audit log, and everything else.
- `operator`: devices, remote control, jobs and the review queue.
- `scheduler`: posts, media, the calendar, accounts' posting time slots.
- `agent_staff`: the chat, only for the accounts assigned to them; every chat query is
  filtered by `User.account_filter`, a direct request for anything else answers 404, and
  the same filter decides which real-time events reach their panes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import ColumnElement, SQLColumnExpression, false, true

Role = Literal["admin", "operator", "scheduler", "agent_staff"]
ROLES: tuple[Role, ...] = get_args(Role)

Via = Literal["service", "token", "session"]

API_USER = "api"
"""The name of the settings' API token's user (an admin; no database row)."""


@dataclass(frozen=True)
class User:
    """The person (or tool) making a request.

    Attributes:
        name: Unique user name (``api`` for the settings' API token).
        role: What they may do.
        account_ids: Account ids this user serves (agent_staff).
        display_name: Shown in the console.
        id: The database row (None for the API token's user).
        via: How the request authenticated: the API token, a personal token or a session.
        session_id: The session's key (sessions only), for sign-out and CSRF.
        csrf_token: The session's CSRF token (sessions only).
    """

    name: str
    role: Role
    account_ids: frozenset[int] = frozenset()
    display_name: str = ""
    id: int | None = None
    via: Via = "service"
    session_id: str | None = None
    csrf_token: str | None = None

    @classmethod
    def api(cls) -> User:
        """The API token's user."""
        return cls(name=API_USER, role="admin", display_name="API")

    @property
    def is_admin(self) -> bool:
        """True for admins, who see every account."""
        return self.role == "admin"

    def may_see(self, account_id: int, account_name: str = "") -> bool:
        """True when this user may see the account's conversations."""
        del account_name  # kept for the callers' signature; ids decide
        return self.is_admin or account_id in self.account_ids

    def account_filter(
        self, id_column: SQLColumnExpression[int], name_column: SQLColumnExpression[str]
    ) -> ColumnElement[bool]:
        """A SQL condition on an account's id (and name) columns: the accounts this user sees."""
        del name_column
        if self.is_admin:
            return true()
        if self.account_ids:
            return id_column.in_(sorted(self.account_ids))
        return false()
