"""Uploaded images."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class MediaOut(BaseModel):
    """An accepted image."""

    id: str
    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    url: str
    created_at: datetime
