"""Agents' screenshots: checked like uploads, stored by content, listed per job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from farm_controller.db import write_session
from farm_controller.media.images import ImageError, inspect_image
from farm_controller.models import Evidence
from farm_controller.runtime import Runtime
from farm_controller.settings import UPLOAD_FILES

MAX_FILES = UPLOAD_FILES
"""Most evidence files one report may carry; more are ignored."""


@dataclass(frozen=True)
class EvidenceFile:
    """A file an agent uploaded."""

    filename: str
    data: bytes


@dataclass
class StoredEvidence:
    """What `store_evidence` kept and refused."""

    ids: list[str] = field(default_factory=list)
    by_filename: dict[str, str] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)


def store_evidence(
    rt: Runtime, job_id: str, kind: str, files: Sequence[EvidenceFile]
) -> StoredEvidence:
    """Keep the acceptable images among `files` as evidence of the job.

    A file that is not an image is reported back, never a reason to refuse the report
    it came with: the result matters more than its pictures. The same content sent
    twice for a job (a retried report) is stored once.
    """
    stored = StoredEvidence()
    accepted = []
    for index, upload in enumerate(files):
        name = upload.filename or f"evidence-{index}"
        if index >= MAX_FILES:
            stored.rejected.append(f"{name}: more than {MAX_FILES} files")
            continue
        try:
            facts = inspect_image(
                upload.data,
                max_bytes=rt.settings.max_image_bytes,
                max_side=rt.settings.max_image_side,
            )
        except ImageError as exc:
            stored.rejected.append(f"{name}: {exc}")
            continue
        accepted.append((name, upload.data, facts))
    if not accepted:
        return stored
    now = rt.clock()
    paths = {facts.sha256: rt.evidence.put(data, facts) for _name, data, facts in accepted}
    with write_session(rt.sessions) as session:
        for name, _data, facts in accepted:
            row = session.scalars(
                select(Evidence).where(Evidence.job_id == job_id, Evidence.sha256 == facts.sha256)
            ).first()
            if row is None:
                row = Evidence(
                    job_id=job_id,
                    kind=kind,
                    filename=name[:255],
                    sha256=facts.sha256,
                    content_type=facts.content_type,
                    size=facts.size,
                    path=paths[facts.sha256],
                    created_at=now,
                )
                session.add(row)
                session.flush()
            if row.id not in stored.ids:
                stored.ids.append(row.id)
            stored.by_filename[name] = row.id
    return stored
