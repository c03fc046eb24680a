"""What each app allows in one post (text length, image count), from its device profile."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from device_profiles import bundled_apps, load_profile, profile_dir

log = logging.getLogger(__name__)

FALLBACK_TEXT_LIMIT = 2000
FALLBACK_MAX_IMAGES = 9


@dataclass(frozen=True)
class PostLimits:
    """The limits of one app."""

    app: str
    text_limit: int
    max_images: int


class AppLimits:
    """Reads each app's limits from its profile once; falls back to safe defaults.

    A profile that does not load (missing, or being edited) must not stop posts from being
    checked, so the fallback is the strictest common limit: 2000 characters, 9 images.
    """

    def __init__(self) -> None:
        self._cache: dict[str, PostLimits] = {}
        self._lock = threading.Lock()

    def for_app(self, app: str) -> PostLimits:
        """The limits of `app` (a device profile name)."""
        with self._lock:
            cached = self._cache.get(app)
            if cached is not None:
                return cached
            try:
                if app not in bundled_apps():  # a name only, never a path to load
                    raise LookupError("no such installed profile")
                profile = load_profile(profile_dir(app) / "profile.yaml")
                limits = PostLimits(app, profile.text_limit, profile.max_images)
            except Exception as exc:  # any profile problem: use the fallback, say why once
                log.warning("app profile %r did not load (%s); using default post limits", app, exc)
                limits = PostLimits(app, FALLBACK_TEXT_LIMIT, FALLBACK_MAX_IMAGES)
            self._cache[app] = limits
            return limits
