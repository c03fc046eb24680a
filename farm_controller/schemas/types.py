"""Field types that keep values the database cannot store out of the API.

A NUL character (PostgreSQL refuses it), an unpaired surrogate (not UTF-8) or an id beyond
the database's integer range would otherwise surface as a server error; these types turn
them into a 422 that names the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, AwareDatetime, Field

MAX_DB_INT = 2_147_483_647
"""The largest id a 32-bit INTEGER column holds (PostgreSQL's `integer`)."""

_NO_NUL = r"^[^\x00]*$"


def storable(value: str) -> str:
    """Return `value` when the database can store it.

    Raises:
        ValueError: It contains a NUL character or an unpaired surrogate.
    """
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains an unpaired surrogate (not valid UTF-8)") from None
    return value


Storable = Annotated[str, AfterValidator(storable)]
"""Free text the database can store."""


def utc(value: datetime) -> datetime:
    """`value` in UTC.

    Raises:
        ValueError: It cannot be expressed in UTC (year 1 or 9999 with an offset).
    """
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range") from None


UtcAware = Annotated[AwareDatetime, AfterValidator(utc)]
"""A timezone-aware datetime (naive ones are refused), converted to UTC."""

DbId = Annotated[int, Field(ge=1, le=MAX_DB_INT)]
"""An integer id in a request body."""

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
"""An integer id in the URL path."""

KeyPath = Annotated[str, Path(min_length=1, max_length=128, pattern=_NO_NUL)]
"""A string key (job id, serial, host name, media id) in the URL path."""

IdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_INT)]
"""An optional integer id filter."""

TextQuery = Annotated[str | None, Query(max_length=200, pattern=_NO_NUL)]
"""An optional text filter."""

Offset = Annotated[int, Query(ge=0, le=MAX_DB_INT)]
"""How many results to skip."""
