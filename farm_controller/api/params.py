"""Path and query parameter types of the routes (the body field types are `schemas.types`).

Like those, they keep values the database cannot store (a NUL, an id beyond the integer
range) out of the API as a 422 naming the parameter.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from farm_controller.schemas.types import MAX_DB_INT, NO_NUL

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_INT)]
"""An integer id in the URL path."""

KeyPath = Annotated[str, Path(min_length=1, max_length=128, pattern=NO_NUL)]
"""A string key (job id, serial, host name, media id) in the URL path."""

IdQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_INT)]
"""An optional integer id filter."""

TextQuery = Annotated[str | None, Query(max_length=200, pattern=NO_NUL)]
"""An optional text filter."""

Offset = Annotated[int, Query(ge=0, le=MAX_DB_INT)]
"""How many results to skip."""
