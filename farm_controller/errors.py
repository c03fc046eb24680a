"""The controller's domain errors: what services raise when a request cannot be done.

Services know nothing of HTTP. Each error carries `FieldProblem`s; `api.errors` is the one
place that turns them into responses (the status for each class, the one error body)::

    DomainError        something the caller asked for cannot be done
    ├── Invalid           the request itself is wrong (a field's value)       → 422
    ├── Unauthenticated   no valid credentials                                → 401
    ├── Forbidden         the caller may not do this                          → 403
    ├── NotFound          it does not exist (or is not the caller's)          → 404
    ├── Conflict          it conflicts with what is stored (a state, a cap)   → 409
    ├── Unsupported       the request's format is not one we read             → 415
    ├── TooMany           a rate or cap is reached; `retry_after` seconds     → 429
    ├── RemoteFailed      a phone or its agent tried and failed               → 502
    ├── Unavailable       a part it needs (an agent) is not connected         → 503
    └── TimedOut          a part it needs did not answer in time              → 504

`field` names the offending request field in dotted form (``text``, ``account_ids[2]``,
``recurrence.cron``) or is None when no single field is to blame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_SOURCES = {"body", "query", "path", "header", "cookie", "form"}


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with a request."""

    field: str | None
    message: str
    type: str = "value_error"

    def as_json(self) -> dict[str, Any]:
        """The problem as it appears in the response body."""
        return {"field": self.field, "message": self.message, "type": self.type}


class DomainError(Exception):
    """A request that cannot be done, with what is wrong.

    Args:
        problems: one problem or several.
        retry_after: seconds after which trying again may succeed (rate limits and caps).
    """

    def __init__(
        self, problems: FieldProblem | Sequence[FieldProblem], *, retry_after: float | None = None
    ) -> None:
        self.problems = [problems] if isinstance(problems, FieldProblem) else list(problems)
        self.retry_after = retry_after
        super().__init__("; ".join(p.message for p in self.problems))


class Invalid(DomainError):
    """The request itself is wrong."""


class Unauthenticated(DomainError):
    """No valid credentials came with the request."""


class Forbidden(DomainError):
    """The caller may not do this."""


class NotFound(DomainError):
    """What the request names does not exist (or is not the caller's to see)."""


class Conflict(DomainError):
    """The request conflicts with what is stored."""


class Unsupported(DomainError):
    """The request comes in a format the controller does not read."""


class TooMany(DomainError):
    """A rate limit or a cap is reached."""


class RemoteFailed(DomainError):
    """A phone, or its agent, tried what the request asked and failed."""


class Unavailable(DomainError):
    """Something the request needs (an agent's link) is not there now."""


class TimedOut(DomainError):
    """Something the request needs did not answer in time."""


def not_found(what: str, key: object) -> NotFound:
    """A `NotFound` for an unknown `what` with this id."""
    return NotFound(FieldProblem(None, f"no {what} with id {key!r}", "not_found"))


def conflict(message: str, kind: str = "conflict", field: str | None = None) -> Conflict:
    """A `Conflict` with one problem."""
    return Conflict(FieldProblem(field, message, kind))


def dotted(loc: Sequence[int | str]) -> str | None:
    """``("body", "account_ids", 2)`` → ``"account_ids[2]"``; the source part is dropped."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or None


def problems_from_validation(
    errors: Sequence[Any], prefix: Sequence[int | str] = ()
) -> list[FieldProblem]:
    """Pydantic/FastAPI validation errors as problems (optionally under a field prefix)."""
    problems = []
    for error in errors:
        loc = [*prefix, *error.get("loc", ())]
        message = str(error.get("msg", "invalid value"))
        problems.append(FieldProblem(dotted(loc), message, str(error.get("type", "value_error"))))
    return problems
