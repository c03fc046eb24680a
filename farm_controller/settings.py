"""The controller's settings: one pydantic-settings class, read once at the entry point.

Values come from keyword arguments (CLI flags), then ``PHONEFARM_*`` environment
variables, then the defaults. The class refuses unsafe values instead of guessing: no
API or agent token, or a short one, stops the start-up unless `demo` is set, in which
case the missing tokens are generated (and can be printed by the demo command).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from device_profiles import bundled_apps

MIN_TOKEN_LENGTH = 24
DEFAULT_DATABASE_URL = "sqlite:///var/phonefarm.db"
DEMO_HOST = "local"
REPO_DASHBOARD = Path(__file__).resolve().parent.parent / "dashboard"


UPLOAD_FILES = 30
"""Most files one multipart request carries (a finish report's evidence, `jobs.evidence`)."""


class Settings(BaseSettings):
    """Everything one controller process is configured with."""

    # hide_input_in_errors: a validation error must not print the tokens it was given.
    model_config = SettingsConfigDict(
        env_prefix="PHONEFARM_", extra="forbid", hide_input_in_errors=True
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: a SQLite file (default) or postgresql+psycopg://…",
    )
    media_dir: Path = Field(default=Path("var/media"), description="uploaded images")
    evidence_dir: Path = Field(default=Path("var/evidence"), description="agents' screenshots")
    api_token: SecretStr | None = Field(default=None, description="bearer token of /api/v1")
    agent_tokens: dict[str, SecretStr] = Field(
        default_factory=dict, description='host → bearer token, e.g. {"rack-1": "…"}'
    )
    demo: bool = Field(default=False, description="generate missing tokens (demo only)")

    session_idle_minutes: int = Field(
        default=720, ge=1, le=60 * 24 * 30, description="a console session ends when idle this long"
    )
    session_max_hours: int = Field(
        default=168, ge=1, le=24 * 90, description="a console session ends this long after sign-in"
    )
    cookie_secure: bool | None = Field(
        default=None, description="Secure session cookie; None: when the request came over https"
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="failed sign-ins per user name and address (or per browser known to "
        "the user) per login_window; see auth.ratelimit",
    )
    login_max_failures_per_name: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="failed sign-ins per user name from browsers it never signed in on, "
        "from any address, per login_window (browsers known to the user still sign in)",
    )
    login_max_failures_per_ip: int = Field(
        default=30,
        ge=1,
        le=100_000,
        description="failed sign-ins per address on any names from unknown browsers "
        "per login_window",
    )
    login_window_seconds: int = Field(default=300, ge=1, le=86_400)
    password_hash_memory_kib: int = Field(
        default=65_536, ge=8, description="argon2id memory cost (lower only for tests)"
    )
    password_hash_time_cost: int = Field(
        default=3, ge=1, le=20, description="argon2id passes (lower only for tests)"
    )

    max_image_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        gt=0,
        description="the largest request body that is not multipart (JSON); 422 beyond",
    )
    max_image_side: int = Field(default=20_000, gt=0, description="pixels, either side")
    default_app: str = Field(default="simchat", description="app profile of new accounts")

    heartbeat_interval: float = Field(default=5.0, gt=0)
    heartbeat_timeout: float = Field(default=20.0, gt=0)
    lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    reaper_interval: float = Field(default=2.0, gt=0)
    sweep_interval: float = Field(default=15.0, gt=0)
    run_at_grace: float = Field(
        default=60.0, ge=0, description="how far in the past a run time may be (seconds)"
    )
    schedule_horizon_days: int = Field(
        default=730, gt=0, description="how far ahead a run time may be"
    )
    duplicate_window_hours: float = Field(default=24.0, ge=0)
    publish_max_attempts: int = Field(default=3, ge=1)
    requeue_unconfirmed: bool = Field(
        default=True, description="requeue unconfirmed publish jobs with check_first"
    )
    chat_sync_enabled: bool = Field(
        default=True, description="plan sync_chats jobs (off: chats are only read on demand)"
    )
    chat_sync_interval: float = Field(
        default=20.0, gt=0, description="seconds between sync_chats jobs of a quiet account"
    )
    chat_sync_busy_interval: float = Field(
        default=5.0,
        gt=0,
        description="seconds between syncs when the last one saw unread or a customer waits",
    )
    chat_sync_tick: float = Field(default=2.0, gt=0, description="how often syncs are planned")
    chat_anchor_size: int = Field(
        default=5, ge=1, le=10, description="known messages per contact sent as its anchor"
    )
    chat_max_anchors: int = Field(default=200, ge=1, le=2000, description="contacts per sync")
    messages_per_minute: int = Field(
        default=6, ge=1, le=600, description="replies per account per minute (default cap)"
    )
    send_max_attempts: int = Field(default=3, ge=1)
    dashboard_dir: Path | None = Field(
        default=REPO_DASHBOARD if REPO_DASHBOARD.is_dir() else None,
        description="the web UI's folder, served at /chat (none: no UI)",
    )
    migrate_on_start: bool = True
    scheduler_enabled: bool = Field(default=True, description="off: tests drive the sweeps")

    @model_validator(mode="before")
    @classmethod
    def _generate_demo_tokens(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("demo"):
            return data
        data = dict(data)
        if not data.get("api_token"):
            data["api_token"] = secrets.token_urlsafe(32)
        if not data.get("agent_tokens"):
            data["agent_tokens"] = {DEMO_HOST: secrets.token_urlsafe(32)}
        return data

    @field_validator("default_app")
    @classmethod
    def _installed_app(cls, app: str) -> str:
        installed = bundled_apps()
        if app not in installed:
            raise ValueError(f"{app!r} is not an installed app profile ({', '.join(installed)})")
        return app

    @property
    def max_upload_body_bytes(self) -> int:
        """The largest multipart body: `UPLOAD_FILES` files of `max_image_bytes`, and
        `max_body_bytes` for the rest of the form (302 MiB by default)."""
        return UPLOAD_FILES * self.max_image_bytes + self.max_body_bytes

    @model_validator(mode="after")
    def _refuse_unsafe_tokens(self) -> Settings:
        if self.api_token is None or len(self.api_token.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"api_token (PHONEFARM_API_TOKEN) must be at least {MIN_TOKEN_LENGTH} "
                "characters; use `demo` to generate one for a local demo"
            )
        seen = {self.api_token.get_secret_value()}
        for host, token in self.agent_tokens.items():
            value = token.get_secret_value()
            if len(value) < MIN_TOKEN_LENGTH:
                raise ValueError(
                    f"agent_tokens[{host!r}] must be at least {MIN_TOKEN_LENGTH} characters"
                )
            if value in seen:
                # One token for two principals would let an agent call the public API.
                raise ValueError(f"agent_tokens[{host!r}] reuses another token")
            seen.add(value)
        if self.heartbeat_timeout <= self.heartbeat_interval:
            raise ValueError("heartbeat_timeout must be longer than heartbeat_interval")
        return self
