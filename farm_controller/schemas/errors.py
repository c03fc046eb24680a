"""The one error body of every API error response (its OpenAPI schema)."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorItem(BaseModel):
    """One problem with the request (OpenAPI schema of the error body)."""

    field: str | None
    message: str
    type: str


class ErrorBody(BaseModel):
    """Every error response."""

    detail: list[ErrorItem]
