"""`AppCatalog`: app profiles compiled once per process and shared by every worker.

A compiled `App` (profile plus template images) is read-only once built, so workers on
different threads share one instead of each loading the templates again.
"""

from __future__ import annotations

import threading

from agent.flows.app import App, load_app


class AppCatalog:
    """Loads app profiles by name on first use and keeps them."""

    def __init__(self) -> None:
        self._apps: dict[str, App] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> App:
        """The compiled profile `name` (e.g. "simchat").

        Raises:
            ProfileError: the profile is missing or invalid.
        """
        with self._lock:
            app = self._apps.get(name)
            if app is None:
                app = load_app(name)
                self._apps[name] = app
            return app
