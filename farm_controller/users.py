"""Who uses the chat, and which accounts each one may see.

Until the dashboard issue brings real users and roles, chat users come from the settings
(`Settings.users`): a name, a bearer token, a role and the accounts they serve. The API
token stays an `admin` named ``api``.

- `admin` sees and changes everything (and manages canned replies, tags and rules).
- `agent_staff` sees only the conversations of the accounts listed for them; every query
  is filtered by `User.account_filter`, and a direct request for anything else is
  answered 404, as if it did not exist. The same filter decides which real-time events
  reach their panes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy import ColumnElement, SQLColumnExpression, false, or_, true

Role = Literal["admin", "agent_staff"]

API_USER = "api"
"""The name of the API token's user (an admin)."""

AccountRef = Annotated[int | str, Field(union_mode="left_to_right")]


class UserSpec(BaseModel):
    """One chat user as configured (the token is never shown or logged)."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr
    role: Role = "agent_staff"
    accounts: list[AccountRef] = Field(
        default_factory=list, description="account ids or names this user serves"
    )
    display_name: str | None = Field(default=None, max_length=100)


@dataclass(frozen=True)
class User:
    """The person (or tool) making a chat request.

    Attributes:
        name: Unique user name (the key in `Settings.users`; ``api`` for the API token).
        role: `admin` or `agent_staff`.
        account_ids: Account ids this user serves (agent_staff).
        account_names: Account names this user serves (agent_staff).
        display_name: Shown in the pane.
    """

    name: str
    role: Role
    account_ids: frozenset[int] = frozenset()
    account_names: frozenset[str] = frozenset()
    display_name: str = ""

    @classmethod
    def from_spec(cls, name: str, spec: UserSpec) -> User:
        """The user configured under `name`."""
        return cls(
            name=name,
            role=spec.role,
            account_ids=frozenset(a for a in spec.accounts if isinstance(a, int)),
            account_names=frozenset(a for a in spec.accounts if isinstance(a, str)),
            display_name=spec.display_name or name,
        )

    @classmethod
    def api(cls) -> User:
        """The API token's user."""
        return cls(name=API_USER, role="admin", display_name="API")

    @property
    def is_admin(self) -> bool:
        """True for admins, who see every account."""
        return self.role == "admin"

    def may_see(self, account_id: int, account_name: str) -> bool:
        """True when this user may see the account's conversations."""
        return self.is_admin or account_id in self.account_ids or account_name in self.account_names

    def account_filter(
        self, id_column: SQLColumnExpression[int], name_column: SQLColumnExpression[str]
    ) -> ColumnElement[bool]:
        """A SQL condition on an account's id and name columns: the accounts this user sees."""
        if self.is_admin:
            return true()
        conditions: list[ColumnElement[bool]] = []
        if self.account_ids:
            conditions.append(id_column.in_(sorted(self.account_ids)))
        if self.account_names:
            conditions.append(name_column.in_(sorted(self.account_names)))
        return or_(*conditions) if conditions else false()


def users_of(specs: dict[str, UserSpec]) -> dict[str, User]:
    """Every configured user by name, plus the API token's user."""
    users = {name: User.from_spec(name, spec) for name, spec in specs.items()}
    users[API_USER] = User.api()
    return users
