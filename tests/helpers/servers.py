"""An ASGI app served on a loopback port for the length of a `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI

from simulator.control.server import LoopbackServer


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve `app` (its lifespan included) by uvicorn in a thread, on a free loopback port,
    for the duration of the block; yields its URL."""
    server = LoopbackServer(app, lifespan=True)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()
