"""Field types that keep values the database cannot store, or a phone cannot type, out of
the API.

A NUL character (PostgreSQL refuses it), an unpaired surrogate (not UTF-8) or an id beyond
the database's integer range would otherwise surface as a server error; these types turn
them into a 422 that names the field.

A control character (ESC, BEL, DEL, …: Unicode's `Cc`) cannot be typed on a phone: a post,
reply or name holding one would be accepted and then fail on every phone it is sent to.
`TypeableText` (posts, replies, canned replies: several lines) keeps newlines and tabs and
reads CR LF or a lone CR as a newline; `TypeableLine` (names, tags, keywords) has none.
Every field whose text reaches a phone, or names something as a phone shows it, uses one.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, Strict
from pydantic_core import PydanticCustomError

from farm_protocol.agent_api import MAX_INT, storable_text

MAX_DB_INT = MAX_INT
"""The largest id a 32-bit INTEGER column holds (PostgreSQL's `integer`)."""

NO_NUL = r"^[^\x00]*$"
"""A pattern that refuses the NUL character."""


storable = storable_text
"""Return a string when the database can store it (the agent API's rule, one for both)."""


Storable = Annotated[str, AfterValidator(storable)]
"""Free text the database can store."""

_CONTROL_NAMES = {
    0x07: "BEL",
    0x08: "backspace",
    0x09: "tab",
    0x0A: "newline",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "ESC",
    0x7F: "DEL",
}


def _refuse_controls(value: str, allowed: str, what: str) -> None:
    for index, char in enumerate(value):
        if char not in allowed and unicodedata.category(char) == "Cc":
            code = ord(char)
            name = _CONTROL_NAMES.get(code, "a control character")
            raise PydanticCustomError(
                "control_character",
                "contains U+{code} ({name}) at character {index}, which a phone cannot type; "
                "{what}",
                {"code": f"{code:04X}", "name": name, "index": index + 1, "what": what},
            )


def typeable_text(value: str) -> str:
    """Return `value` (CR LF and lone CRs read as newlines) when a phone can type it.

    Raises:
        PydanticCustomError: It holds a control character other than a newline or a tab
            (type ``control_character``).
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    _refuse_controls(value, "\n\t", "only newlines and tabs may be in this text")
    return value


def typeable_line(value: str) -> str:
    """Return `value` when it is one line a phone can type.

    Raises:
        PydanticCustomError: It holds a control character, a newline or a tab included
            (type ``control_character``).
    """
    _refuse_controls(value, "", "this is one line, without newlines or tabs")
    return value


TypeableText = Annotated[Storable, AfterValidator(typeable_text)]
"""Text a phone types (a post, a reply, a canned reply): newlines and tabs allowed."""

TypeableLine = Annotated[Storable, AfterValidator(typeable_line)]
"""One line a phone types or shows (a name, a tag, a keyword): no control characters."""


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
