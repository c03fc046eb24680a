"""The review queue: posts parked on phones in confirm mode, waiting for a person."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from farm_controller.api.deps import SessionDep
from farm_controller.api.presenters import media_out, target_out
from farm_controller.models import Post, PostMedia, PostTarget
from farm_controller.schemas.audit import ReviewItem
from farm_protocol.posts import TargetState

router = APIRouter(tags=["posts"])


@router.get("/review")
def review_queue(session: SessionDep, request: Request) -> list[ReviewItem]:
    """List parked targets, oldest first: the screenshot of the filled-in composer on the
    phone, the post's text and images; approve or reject with POST …/confirm | …/reject."""
    targets = session.scalars(
        select(PostTarget)
        .where(PostTarget.state == TargetState.AWAITING_CONFIRMATION)
        .order_by(PostTarget.updated_at, PostTarget.id)
        .options(
            selectinload(PostTarget.post).selectinload(Post.media).selectinload(PostMedia.item),
            selectinload(PostTarget.account),
        )
    ).all()
    return [
        ReviewItem(
            target=target_out(request, target, target.account.name),
            text=target.post.text,
            media=[media_out(request, link.item) for link in target.post.media],
            device_serial=target.account.device_serial,
            post_created_by=target.post.created_by,
            waiting=target.decision is None,
        )
        for target in targets
    ]
