"""`AgentSettings`: how one agent process talks to its controller and paces its workers.

Read once by the entry point (`phonefarm agent`, the demo, tests) and passed down; nothing
in the agent reads the environment on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

HOST_PATTERN = r"^[A-Za-z0-9._-]{1,100}$"
"""A host name; it becomes part of lease owners and phone serials."""


class AgentSettings(BaseModel):
    """Everything one agent process is configured with."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    controller_url: str = Field(description="e.g. http://127.0.0.1:8000")
    token: SecretStr = Field(description="this host's agent token")
    host: str = Field(pattern=HOST_PATTERN, description="must be the token's host")
    workdir: Path = Field(description="media cache, evidence, and the finish spool")
    agent_version: str = "phonefarm-agent/0.1"

    claim_interval: float = Field(default=1.0, gt=0, description="idle poll for new jobs (s)")
    status_interval: float = Field(default=5.0, gt=0, description="idle phone probe (s)")
    offline_poll: float = Field(default=2.0, gt=0, description="probe of an offline phone (s)")
    heartbeat_interval: float | None = Field(
        default=None, gt=0, description="None: the controller's interval"
    )
    lease_seconds: float | None = Field(
        default=None, gt=0, le=3600, description="None: the controller's default lease"
    )
    backoff_initial: float = Field(default=0.5, gt=0)
    backoff_cap: float = Field(default=30.0, gt=0)
    http_timeout: float = Field(default=10.0, gt=0)
    upload_timeout: float = Field(default=120.0, gt=0)
    media_attempts: int = Field(default=5, ge=1, description="download tries per image")
    keep_evidence: bool = Field(
        default=False, description="keep evidence files after the controller has them"
    )
    chat_app: str = Field(
        default="simchat",
        min_length=1,
        description="app profile of chat jobs (sync, send) whose payload names none",
    )
    ocr_threads: int = Field(
        default=-1, ge=-1, description="OCR engine threads (-1: every core); loaded on first use"
    )

    @field_validator("controller_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:8000")
        return value.rstrip("/")

    @property
    def spool_dir(self) -> Path:
        """Finish reports waiting for the controller's acknowledgement."""
        return self.workdir / "outbox"

    @property
    def media_dir(self) -> Path:
        """Downloaded post images, named by their sha256."""
        return self.workdir / "media"

    @property
    def evidence_dir(self) -> Path:
        """Evidence screenshots of jobs in progress, one folder per job."""
        return self.workdir / "jobs"
