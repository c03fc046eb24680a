"""`MediaCache`: a post's images, downloaded from the controller and checked by sha256.

Files are named by their hash, so an image used by many posts (or retried jobs) is
downloaded once per host, and a file on disk is trusted only after its hash is checked.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
import uuid
from pathlib import Path

from agent.host.backoff import Backoff
from agent.host.client import ControllerClient
from agent.host.errors import ControllerRejectedError, ControllerUnavailableError, MediaError
from farm_protocol.agent_api import MediaRef

log = logging.getLogger(__name__)

_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
}


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class MediaCache:
    """Downloads and keeps post images by sha256.

    Args:
        root: the cache folder (created when missing).
        client: the controller to download from.
        attempts: tries per image before giving up.
        backoff_cap: the longest pause between tries (seconds).
    """

    def __init__(
        self, root: Path, client: ControllerClient, *, attempts: int = 5, backoff_cap: float = 5.0
    ) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.client = client
        self.attempts = attempts
        self.backoff_cap = backoff_cap

    def path_for(self, ref: MediaRef) -> Path:
        """Where the image lives once cached."""
        return self.root / f"{ref.sha256.lower()}{_EXTENSIONS.get(ref.content_type, '.img')}"

    def fetch(self, ref: MediaRef, stop: threading.Event) -> Path:
        """The local file of `ref`, downloading it when it is not cached (intact) yet.

        Raises:
            MediaError: the controller refused it, or `attempts` downloads failed or never
                matched the sha256, or `stop` was set while waiting to try again.
        """
        target = self.path_for(ref)
        if target.is_file() and sha256_of(target) == ref.sha256.lower():
            os.utime(target)  # recently used: `prune` keeps it
            return target
        backoff = Backoff(initial=0.5, cap=max(0.5, self.backoff_cap))
        problem = ""
        for attempt in range(1, self.attempts + 1):
            partial = self.root / f".part-{uuid.uuid4().hex}"
            try:
                self.client.download(ref.url, partial)
                got = sha256_of(partial)
                if got == ref.sha256.lower():
                    partial.replace(target)
                    return target
                problem = f"sha256 {got[:12]}… does not match {ref.sha256[:12]}…"
            except ControllerUnavailableError as exc:
                problem = str(exc)
            except ControllerRejectedError as exc:
                raise MediaError(f"image {ref.id}: {exc}") from exc
            finally:
                partial.unlink(missing_ok=True)
            log.warning("media %s: %s (attempt %d of %d)", ref.id, problem, attempt, self.attempts)
            if attempt < self.attempts and stop.wait(backoff.next()):
                break
        raise MediaError(f"image {ref.id} could not be downloaded intact: {problem}")

    def prune(self, max_age_days: float = 14.0) -> int:
        """Delete cached images unused for `max_age_days` (and stale partial downloads).

        Returns:
            How many files were deleted.
        """
        cutoff = time.time() - max_age_days * 86400
        removed = 0
        for path in self.root.iterdir():
            try:
                stale = path.name.startswith(".part-") or path.stat().st_mtime < cutoff
                if path.is_file() and stale:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed
