"""What a phone is, as the agent reports it and the controller stores it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class DeviceState(StrEnum):
    """The state of one phone as seen from its host."""

    ONLINE = "online"
    OFFLINE = "offline"
    BUSY = "busy"
    ERROR = "error"
    UNAUTHORIZED = "unauthorized"


class DeviceInfo(BaseModel):
    """Static and slowly changing facts about one phone."""

    serial: str = Field(min_length=1)
    model: str = ""
    manufacturer: str = ""
    sdk: int = 0
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    density: int = Field(gt=0, description="dots per inch, as `wm density` reports it")
    battery: int | None = Field(default=None, ge=0, le=100)
    screen_on: bool = True
    locked: bool = False
    app_versions: dict[str, str] = Field(default_factory=dict)

    @property
    def scale(self) -> float:
        """Pixels per dp (Android's density / 160)."""
        return self.density / 160.0
