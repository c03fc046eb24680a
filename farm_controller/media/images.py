"""Checking uploaded images and keeping them on disk by content.

Only what Pillow can fully decode as JPEG, PNG or WebP is accepted, whatever the client
called it: the agent pushes these files to phones, so a file must really be the image it
claims to be. Files are stored once per content, under ``<root>/<sha[:2]>/<sha>.<ext>``,
written to a temporary name first so a crash never leaves half a file under the real name.

Exceptions::

    ImageError            the upload is not an acceptable image (`kind` says why)
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
"""Pillow format → (content type, file extension) of the formats we accept."""


class ImageError(ValueError):
    """The upload is not an acceptable image.

    Attributes:
        kind: ``too_large``, ``empty``, ``not_an_image`` or ``unsupported_format``.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ImageFacts:
    """What we learned about an accepted image."""

    sha256: str
    content_type: str
    extension: str
    size: int
    width: int
    height: int


def inspect_image(data: bytes, *, max_bytes: int, max_side: int) -> ImageFacts:
    """Check that `data` is a complete JPEG, PNG or WebP image within the limits.

    Raises:
        ImageError: It is empty, too large, not an image, or another format.
    """
    if not data:
        raise ImageError("empty", "the file is empty")
    if len(data) > max_bytes:
        raise ImageError(
            "too_large", f"the file is {len(data)} bytes; the limit is {max_bytes} bytes"
        )
    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not just warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format or ""
                width, height = probe.size
                probe.verify()
            if image_format in FORMATS and max(width, height) <= max_side:
                # verify() does not decode pixels; load() catches truncated files.
                with Image.open(io.BytesIO(data)) as full:
                    full.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageError("not_an_image", f"not a readable image ({exc})") from None
    if image_format not in FORMATS:
        raise ImageError(
            "unsupported_format",
            f"{image_format or 'this'} images are not accepted; use JPEG, PNG or WebP",
        )
    if max(width, height) > max_side:
        raise ImageError("too_large", f"{width}x{height} pixels; at most {max_side} per side")
    content_type, extension = FORMATS[image_format]
    return ImageFacts(
        sha256=hashlib.sha256(data).hexdigest(),
        content_type=content_type,
        extension=extension,
        size=len(data),
        width=width,
        height=height,
    )


class FileStore:
    """Files kept by content under one folder.

    Args:
        root: The folder; created when missing.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, facts: ImageFacts) -> str:
        """Where the file with these facts lives, relative to the root."""
        return f"{facts.sha256[:2]}/{facts.sha256}.{facts.extension}"

    def put(self, data: bytes, facts: ImageFacts) -> str:
        """Store `data` (once per content) and return its relative path."""
        relative = self.relative_path(facts)
        target = self.root / relative
        if target.is_file() and target.stat().st_size == len(data):
            return relative
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return relative

    def path(self, relative: str) -> Path:
        """The absolute path of a stored file."""
        return self.root / relative
