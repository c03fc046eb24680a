"""The phone's media store: the photos the image picker shows, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image


@dataclass(frozen=True)
class MediaItem:
    """One photo on the phone.

    Attributes:
        key: unique within the store (names may repeat).
        name: the file name it was saved under.
        image: the pixels (RGB).
    """

    key: str
    name: str
    image: Image.Image

    @property
    def path(self) -> str:
        """Where it lives on the phone."""
        return f"/sdcard/Pictures/{self.name}"


class MediaStore:
    """Photos in the order they were added; the picker lists them newest first."""

    def __init__(self) -> None:
        self._items: list[MediaItem] = []
        self.revision = 0

    def add(self, name: str, image: Image.Image) -> MediaItem:
        """Save a photo (converted to RGB) and return its entry."""
        self.revision += 1
        item = MediaItem(f"media{self.revision}", name, image.convert("RGB"))
        self._items.append(item)
        return item

    def newest_first(self) -> tuple[MediaItem, ...]:
        """Every photo, newest first."""
        return tuple(reversed(self._items))

    def get(self, key: str) -> MediaItem:
        """The photo with this key.

        Raises:
            KeyError: no such photo.
        """
        for item in self._items:
            if item.key == key:
                return item
        raise KeyError(key)
