"""One error shape for every API error, and the handlers that produce it.

Every 4xx/5xx body is ``{"detail": [{"field": ..., "message": ..., "type": ...}]}``:
`field` names the offending request field in dotted form (``text``, ``account_ids[2]``,
``recurrence.cron``) or is null when no single field is to blame.

Status codes: 401 bad or missing token, 404 unknown resource, 409 the request conflicts
with what is stored (daily cap, duplicate text, a job's or target's state, a lost lease),
413 never (size limits are 422 on the named field), 422 the request itself is wrong.

Exceptions::

    ApiError        raised by services and routes; carries a status and `FieldProblem`s
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)

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


class ErrorItem(BaseModel):
    """One problem with the request (OpenAPI schema of the error body)."""

    field: str | None
    message: str
    type: str


class ErrorBody(BaseModel):
    """Every error response."""

    detail: list[ErrorItem]


class ApiError(Exception):
    """An error to answer with `status` and the given problems."""

    def __init__(
        self,
        status: int,
        problems: FieldProblem | Sequence[FieldProblem],
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.problems = [problems] if isinstance(problems, FieldProblem) else list(problems)
        self.headers = headers
        super().__init__("; ".join(p.message for p in self.problems))


def not_found(what: str, key: object) -> ApiError:
    """A 404 for an unknown `what` with this id."""
    return ApiError(404, FieldProblem(None, f"no {what} with id {key!r}", "not_found"))


def conflict(message: str, kind: str = "conflict", field: str | None = None) -> ApiError:
    """A 409 with one problem."""
    return ApiError(409, FieldProblem(field, message, kind))


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


def _body(problems: Sequence[FieldProblem]) -> dict[str, Any]:
    return {"detail": [p.as_json() for p in problems]}


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` use the one error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.problems), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body(problems_from_validation(exc.errors())), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        kind = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method"}.get(
            exc.status_code, "http_error"
        )
        problem = FieldProblem(None, str(exc.detail), kind)
        return JSONResponse(
            _body([problem]), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    async def _unstorable(_request: Request, exc: Exception) -> JSONResponse:
        # A value the field types let through but the database refuses (out of range,
        # NUL, bad UTF-8): the client's input, so 4xx. The message stays generic because
        # the driver's text quotes the statement and its parameters.
        log.warning("refused a value the database cannot store: %s", type(exc).__name__)
        problem = FieldProblem(
            None,
            "a value is out of range or contains characters that cannot be stored",
            "unstorable",
        )
        return JSONResponse(_body([problem]), status_code=422)

    for unstorable in (OverflowError, UnicodeError, DataError):
        app.add_exception_handler(unstorable, _unstorable)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        problem = FieldProblem(None, "internal error; see the controller's log", "internal")
        return JSONResponse(_body([problem]), status_code=500)
