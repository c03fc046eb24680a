"""Media: upload images for posts (JPEG, PNG or WebP, checked by decoding them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse

from farm_controller.api.deps import RuntimeDep, SessionDep
from farm_controller.api.params import KeyPath
from farm_controller.api.presenters import media_out
from farm_controller.api.uploads import read_limited
from farm_controller.errors import not_found
from farm_controller.media.library import add_media
from farm_controller.models import Media
from farm_controller.schemas.media import MediaOut

router = APIRouter(prefix="/media", tags=["media"])


@router.post("", status_code=201)
def upload_media(rt: RuntimeDep, request: Request, file: Annotated[UploadFile, File()]) -> MediaOut:
    """Upload one image (multipart field `file`); returns its id, size and dimensions."""
    data = read_limited(file, rt.settings.max_image_bytes, "file")
    return media_out(request, add_media(rt, data, "file"))


@router.get("/{media_id}")
def get_media(session: SessionDep, request: Request, media_id: KeyPath) -> MediaOut:
    """Show an uploaded image's facts."""
    item = session.get(Media, media_id)
    if item is None:
        raise not_found("media", media_id)
    return media_out(request, item)


@router.get("/{media_id}/content", name="media_content", response_class=FileResponse)
def media_content(rt: RuntimeDep, session: SessionDep, media_id: KeyPath) -> FileResponse:
    """Download an uploaded image."""
    item = session.get(Media, media_id)
    if item is None:
        raise not_found("media", media_id)
    return FileResponse(rt.media.path(item.path), media_type=item.content_type)
