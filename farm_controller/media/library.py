"""The media library: uploaded images, one row and one file per content."""

from __future__ import annotations

from sqlalchemy import select

from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Invalid
from farm_controller.media.images import ImageError, inspect_image
from farm_controller.models import Media
from farm_controller.runtime import Runtime


def add_media(rt: Runtime, data: bytes, field: str = "file") -> Media:
    """Check and store an uploaded image; the same content uploaded again is the same media.

    Raises:
        Invalid: naming `field` when the upload is not an acceptable image.
    """
    try:
        facts = inspect_image(
            data, max_bytes=rt.settings.max_image_bytes, max_side=rt.settings.max_image_side
        )
    except ImageError as exc:
        raise Invalid(FieldProblem(field, str(exc), exc.kind)) from None
    with write_session(rt.sessions) as session:
        existing = session.scalars(select(Media).where(Media.sha256 == facts.sha256)).first()
        if existing is not None:
            return existing
        item = Media(
            sha256=facts.sha256,
            content_type=facts.content_type,
            size=facts.size,
            width=facts.width,
            height=facts.height,
            path=rt.media.put(data, facts),
            created_at=rt.clock(),
        )
        session.add(item)
        session.flush()
        return item
