"""Users, sign-in, sessions and personal API tokens as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from farm_controller.auth.principal import Role
from farm_controller.schemas.types import DbId, Storable

Username = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[\w.@+-]+$",
        description="letters, digits and . _ @ + -",
    ),
]
DisplayName = Annotated[Storable, Field(max_length=100)]
Password = Annotated[SecretStr, Field(min_length=1, max_length=200)]
TokenName = Annotated[Storable, Field(min_length=1, max_length=100)]


class LoginIn(BaseModel):
    """A sign-in with user name and password."""

    model_config = ConfigDict(extra="forbid")

    username: Annotated[Storable, Field(min_length=1, max_length=100)]
    password: Password


class Principal(BaseModel):
    """Who is signed in."""

    id: int | None = Field(description="null for the API token's service user")
    username: str
    display_name: str
    role: Role
    account_ids: list[int]
    via: str = Field(description="session | token | service")


class SessionOut(BaseModel):
    """The signed-in user and the CSRF token to send as X-CSRF-Token with changes."""

    user: Principal
    csrf_token: str | None = Field(description="null unless signed in with the cookie")


class UserCreate(BaseModel):
    """A new user; without a password, one is generated and shown once."""

    model_config = ConfigDict(extra="forbid")

    username: Username
    display_name: DisplayName = ""
    role: Role
    password: Password | None = None
    account_ids: list[DbId] = Field(
        default_factory=list, max_length=1000, description="agent_staff: the accounts served"
    )


class UserUpdate(BaseModel):
    """Changes to a user; a new password or deactivation signs their sessions out."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    role: Role | None = None
    active: bool | None = None
    password: Password | None = None
    account_ids: list[DbId] | None = Field(default=None, max_length=1000)


class UserOut(BaseModel):
    """A user (never their password or tokens)."""

    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    account_ids: list[int]
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None
    has_password: bool
    tokens: int = Field(description="live personal API tokens")


class UserCreated(UserOut):
    """A new user, with the generated password when none was given (shown once)."""

    generated_password: str | None


class PasswordChange(BaseModel):
    """Change one's own password."""

    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password


class TokenCreate(BaseModel):
    """A new personal API token."""

    model_config = ConfigDict(extra="forbid")

    name: TokenName
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenOut(BaseModel):
    """A personal API token (never the token itself)."""

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    """A new token: `token` is shown this once; only its hash is kept."""

    token: str
