"""The OpenAPI document, telling the truth: every operation lists the statuses it answers.

FastAPI documents 200 and the 422 of its own validation; the errors our services raise
(`farm_controller.errors`, mapped by `api.errors.STATUS`) are added here from the shape
of each operation, by one set of rules rather than route by route:

    every operation                              401, 403, 422 (and `default` never)
    a path parameter, or a query naming a row    404  (unknown, or not yours to see)
    a change (POST, PUT, PATCH, DELETE), /me/…   409  (conflicts with what is stored)
    the ones in `EXTRA`                          what they add (415, 429, 502–504)

A test runs schemathesis over the whole document and fails on any status not listed.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from farm_controller.schemas.posts import PostCreate

ERRORS: dict[int, str] = {
    401: "missing or invalid token or session",
    403: "your role may not do this (auth.policy), or not to this resource",
    404: "it does not exist, or is not yours to see",
    409: "it conflicts with what is stored (a state, a cap, a duplicate, a lost lease)",
    415: "the body comes in a format this operation does not read",
    422: "invalid request; `field` names the culprit",
    429: "too many: a cap or a rate limit is reached (see Retry-After)",
    502: "the phone or its agent tried and failed",
    503: "a part it needs is not connected (the phone's agent), or the service is degraded",
    504: "the phone's agent did not answer in time",
}
"""Every error status the API answers with, as documented (the body is always `ErrorBody`)."""

API = "/api/v1"
EXTRA: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", f"{API}/posts"): (415,),
    ("post", f"{API}/auth/login"): (429,),
    ("post", f"{API}/conversations/{{conversation_id}}/messages"): (429,),
    ("post", f"{API}/conversations/{{conversation_id}}/messages/{{message_id}}/retry"): (429,),
    ("post", f"{API}/devices/{{serial}}/control"): (502, 503, 504),
    ("delete", f"{API}/devices/{{serial}}/control"): (502, 503, 504),
    ("post", f"{API}/devices/{{serial}}/input"): (502, 503, 504),
    ("get", f"{API}/health"): (503,),
}
"""Statuses particular operations add to what the rules give them."""

_CHANGES = {"post", "put", "patch", "delete"}
_ROW_QUERY = re.compile(r"(^|_)(id|serial|host)$")


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses one operation may answer with (see the module docstring)."""
    statuses = {401, 403, 422}
    parameters = operation.get("parameters", [])
    if "{" in path or any(
        p.get("in") == "query" and _ROW_QUERY.search(str(p.get("name", ""))) for p in parameters
    ):
        statuses.add(404)
    if method in _CHANGES or path.startswith(f"{API}/me"):
        statuses.add(409)
    statuses.update(EXTRA.get((method, path), ()))
    return statuses


def document(app: FastAPI) -> None:
    """Give `app` an OpenAPI document with every error status and the `PostCreate` body.

    `POST /posts` reads JSON or multipart itself, so FastAPI cannot see its body model.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        body = PostCreate.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in body.pop("$defs", {}).items():
            components.setdefault(name, definition)
        components.setdefault("PostCreate", body)
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                responses = operation.setdefault("responses", {})
                for status in sorted(error_statuses(method, path, operation)):
                    responses.setdefault(
                        str(status),
                        {
                            "description": ERRORS[status],
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/ErrorBody"}
                                }
                            },
                        },
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
