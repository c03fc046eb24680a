"""The audit log and the review queue as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from farm_controller.schemas.media import MediaOut
from farm_controller.schemas.posts import TargetOut


class AuditEventOut(BaseModel):
    """One recorded action."""

    id: int
    at: datetime
    request_id: str
    actor: str | None = Field(description="null: not signed in")
    actor_role: str | None
    via: str
    action: str = Field(description="<area>.<route>, e.g. posts.submit_post")
    method: str
    path: str
    status: int
    devices: list[str]
    account_ids: list[int]
    target: str | None
    ip: str
    detail: dict[str, Any]


class AuditPage(BaseModel):
    """A page of the audit log, newest first."""

    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class ReviewItem(BaseModel):
    """A post parked on a phone in confirm mode, waiting for a person."""

    target: TargetOut
    text: str
    media: list[MediaOut]
    device_serial: str
    post_created_by: str
    waiting: bool = Field(description="false: decided, the phone has not acted yet")
