"""Field types that keep values the database cannot store out of the API.

A NUL character (PostgreSQL refuses it), an unpaired surrogate (not UTF-8) or an id beyond
the database's integer range would otherwise surface as a server error; these types turn
them into a 422 that names the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, Strict

MAX_DB_INT = 2_147_483_647
"""The largest id a 32-bit INTEGER column holds (PostgreSQL's `integer`)."""

NO_NUL = r"^[^\x00]*$"
"""A pattern that refuses the NUL character."""


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

DbId = Annotated[int, Strict(), Field(ge=1, le=MAX_DB_INT)]
"""An integer id in a request body: a JSON integer only (``true``, ``1.0`` and ``"1"`` are
refused, so ``account_ids: [true]`` is never account 1)."""
