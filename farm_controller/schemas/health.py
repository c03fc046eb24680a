"""The health check."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class HealthOut(BaseModel):
    """Is the controller working, and what is it holding."""

    status: Literal["ok", "degraded"]
    time: datetime
    database: bool
    scheduler: bool
    jobs: dict[str, int]
    devices: dict[str, int]
    hosts_online: int
    posts_scheduled: int
