"""The one error shape of every API response, and the one place domain errors become HTTP.

Every 4xx/5xx body is ``{"detail": [{"field": ..., "message": ..., "type": ...}]}``.
Services raise `farm_controller.errors.DomainError`s; `STATUS` maps each class to its
status code. 401 bad or missing token, 404 unknown resource, 409 the request conflicts
with what is stored (daily cap, duplicate text, a job's or target's state, a lost lease),
413 never (size limits are 422 on the named field), 422 the request itself is wrong, 429
a rate or cap reached (with ``Retry-After``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from farm_controller.errors import (
    Conflict,
    DomainError,
    FieldProblem,
    Forbidden,
    Invalid,
    NotFound,
    RemoteFailed,
    TimedOut,
    TooMany,
    Unauthenticated,
    Unavailable,
    Unsupported,
    problems_from_validation,
)
from farm_controller.schemas.errors import ErrorBody, ErrorItem

log = logging.getLogger(__name__)

BODY_PARSE_ERROR = "There was an error parsing the body"
"""The detail of FastAPI's HTTP 400 for a body it cannot decode."""

__all__ = ["STATUS", "ErrorBody", "ErrorItem", "error_response", "install_error_handlers"]

STATUS: dict[type[DomainError], int] = {
    Invalid: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unsupported: 415,
    TooMany: 429,
    RemoteFailed: 502,
    Unavailable: 503,
    TimedOut: 504,
}
"""Each domain error's status code (a subclass not listed answers as its nearest base)."""


def status_of(exc: DomainError) -> int:
    """The HTTP status for a domain error."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 422


def _headers(exc: DomainError) -> dict[str, str] | None:
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if exc.retry_after is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
    return headers or None


def error_response(exc: DomainError) -> JSONResponse:
    """The response for a domain error."""
    return JSONResponse(_body(exc.problems), status_code=status_of(exc), headers=_headers(exc))


def _body(problems: Sequence[FieldProblem]) -> dict[str, Any]:
    return {"detail": [p.as_json() for p in problems]}


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` use the one error shape."""

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(_body(problems_from_validation(exc.errors())), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == BODY_PARSE_ERROR:
            # FastAPI's answer to a body it cannot decode (JSON that is not UTF-8, a broken
            # form): malformed like any other malformed body, so 422 like them.
            problem = FieldProblem(
                None, "the body cannot be read (not UTF-8 JSON?)", "body_invalid"
            )
            return JSONResponse(_body([problem]), status_code=422)
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
