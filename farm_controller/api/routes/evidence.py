"""Evidence: the screenshots agents uploaded for jobs."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from farm_controller.api.deps import RuntimeDep, SessionDep
from farm_controller.api.params import KeyPath
from farm_controller.errors import not_found
from farm_controller.models import Evidence

router = APIRouter(prefix="/evidence", tags=["jobs"])


@router.get("/{evidence_id}", name="evidence_content", response_class=FileResponse)
def evidence_content(rt: RuntimeDep, session: SessionDep, evidence_id: KeyPath) -> FileResponse:
    """Download an evidence screenshot."""
    item = session.get(Evidence, evidence_id)
    if item is None:
        raise not_found("evidence", evidence_id)
    return FileResponse(rt.evidence.path(item.path), media_type=item.content_type)
