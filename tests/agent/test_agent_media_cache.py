"""The media cache: images checked by sha256, downloaded once per host."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest
from fake_controller import FakeController

from agent.host.client import ControllerClient
from agent.host.errors import MediaError
from agent.host.media_cache import MediaCache
from farm_protocol.agent_api import MediaRef


def _ref(fake: FakeController, data: bytes, sha256: str | None = None) -> MediaRef:
    media_id = fake.add_media(data)
    return MediaRef(
        id=media_id,
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        content_type="image/png",
        size=len(data),
        width=1,
        height=1,
        url=f"{fake.base_url}/api/v1/agent/media/{media_id}",
    )


def test_an_image_is_downloaded_once_and_named_by_its_hash(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    cache = MediaCache(tmp_path / "media", client)
    ref = _ref(fake, b"\x89PNG one")
    path = cache.fetch(ref, threading.Event())
    assert path.name == f"{ref.sha256}.png"
    assert path.read_bytes() == b"\x89PNG one"
    again = cache.fetch(ref.model_copy(update={"id": "other"}), threading.Event())
    assert again == path
    assert fake.state.media_downloads == 1


def test_a_corrupted_cache_file_is_downloaded_again(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    cache = MediaCache(tmp_path / "media", client)
    ref = _ref(fake, b"\x89PNG two")
    cache.fetch(ref, threading.Event()).write_bytes(b"rotten")
    assert cache.fetch(ref, threading.Event()).read_bytes() == b"\x89PNG two"
    assert fake.state.media_downloads == 2


def test_a_hash_mismatch_is_retried_then_refused_and_nothing_is_kept(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    cache = MediaCache(tmp_path / "media", client, attempts=3, backoff_cap=0.05)
    ref = _ref(fake, b"\x89PNG three", sha256="0" * 64)
    with pytest.raises(MediaError, match="does not match"):
        cache.fetch(ref, threading.Event())
    assert fake.state.media_downloads == 3
    assert list((tmp_path / "media").iterdir()) == []


def test_missing_media_fails_at_once(client: ControllerClient, tmp_path: Path) -> None:
    cache = MediaCache(tmp_path / "media", client)
    ref = MediaRef(
        id="gone",
        sha256="0" * 64,
        content_type="image/png",
        size=1,
        width=1,
        height=1,
        url=f"{client.base_url}/api/v1/agent/media/gone",
    )
    with pytest.raises(MediaError, match="404"):
        cache.fetch(ref, threading.Event())


def test_prune_drops_images_unused_for_long_and_partial_downloads(
    fake: FakeController, client: ControllerClient, tmp_path: Path
) -> None:
    cache = MediaCache(tmp_path / "media", client)
    fresh = cache.fetch(_ref(fake, b"\x89PNG fresh"), threading.Event())
    old = cache.fetch(_ref(fake, b"\x89PNG old"), threading.Event())
    os.utime(old, (time.time() - 30 * 86400,) * 2)
    (tmp_path / "media" / ".part-dead").write_bytes(b"x")
    assert cache.prune(max_age_days=14) == 2
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == [fresh.name]
