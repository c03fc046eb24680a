"""Posts: submit (JSON or multipart), list, show with every target, cancel, confirm/reject."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from farm_controller.api.audit_middleware import note
from farm_controller.api.deps import CurrentUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath, IdQuery, Offset, TextQuery
from farm_controller.api.presenters import post_out, post_summary, target_out
from farm_controller.auth.principal import User
from farm_controller.errors import (
    FieldProblem,
    Invalid,
    Unsupported,
    not_found,
    problems_from_validation,
)
from farm_controller.models import Account, Post, PostAccount, PostMedia, PostTarget
from farm_controller.posts.submission import Upload, cancel_post, create_post, decide
from farm_controller.runtime import Runtime
from farm_controller.schemas.posts import (
    DecisionIn,
    PostCreate,
    PostOut,
    PostState,
    PostSummary,
    TargetOut,
)
from farm_protocol.posts import Decision, TargetState

router = APIRouter(prefix="/posts", tags=["posts"])

MAX_FORM_FILES = 20

CREATE_POST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PostCreate"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["post"],
                    "properties": {
                        "post": {"type": "string", "description": "PostCreate as JSON"},
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "images, after any media_ids, in this order",
                        },
                    },
                }
            },
        },
    }
}


def _parse(raw: str | bytes, prefix: tuple[str, ...] = ()) -> PostCreate:
    try:
        return PostCreate.model_validate_json(raw)
    except ValidationError as exc:
        raise Invalid(problems_from_validation(exc.errors(), prefix)) from None


async def _read_request(request: Request, max_bytes: int) -> tuple[PostCreate, list[Upload]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        return _parse(await request.body()), []
    if not content_type.startswith("multipart/form-data"):
        raise Unsupported(
            FieldProblem(
                None,
                "send application/json, or multipart/form-data with `post` and `files`",
                "unsupported_media_type",
            ),
        )
    try:
        form = await request.form(max_files=MAX_FORM_FILES, max_fields=20)
    except Exception as exc:  # the multipart parser's errors: too many files, bad framing
        raise Invalid(FieldProblem("files", f"unreadable form: {exc}", "bad_form")) from None
    raw = form.get("post")
    if not isinstance(raw, str):
        raise Invalid(FieldProblem("post", "send the post as JSON in the `post` field", "missing"))
    body = _parse(raw)
    uploads = []
    for index, item in enumerate(form.getlist("files")):
        if not isinstance(item, UploadFile):
            raise Invalid(FieldProblem(f"files[{index}]", "not a file", "not_a_file"))
        # One byte over the limit is enough for the check to name the file as too large.
        data = await item.read(max_bytes + 1)
        uploads.append(Upload(item.filename or f"file-{index}", data))
    return body, uploads


def _show(rt: Runtime, request: Request, post_id: IdPath) -> PostOut:
    with rt.sessions() as session:
        post = _load(session, post_id)
        return post_out(request, session, post)


def _load(session: Session, post_id: IdPath) -> Post:
    post = session.scalars(
        select(Post)
        .where(Post.id == post_id)
        .options(
            selectinload(Post.media).selectinload(PostMedia.item),
            selectinload(Post.accounts),
            selectinload(Post.targets),
        )
    ).first()
    if post is None:
        raise not_found("post", post_id)
    return post


@router.post("", status_code=201, openapi_extra=CREATE_POST_BODY)
async def submit_post(rt: RuntimeDep, request: Request, user: CurrentUser) -> PostOut:
    """Submit a post: JSON with media_ids, or multipart `post` + `files`; 4xx name the field."""
    body, uploads = await _read_request(request, rt.settings.max_image_bytes)
    note(request, accounts=body.account_ids)
    if user.via != "service":
        body = body.model_copy(update={"created_by": user.name})
    created = await run_in_threadpool(create_post, rt, body, uploads)
    note(request, target=f"post:{created.post_id}")
    rt.wake_at(created.first_occurrence)
    return await run_in_threadpool(_show, rt, request, created.post_id)


@router.get("")
def list_posts(
    session: SessionDep,
    request: Request,
    state: PostState | None = None,
    account_id: IdQuery = None,
    target_state: TargetState | None = None,
    created_by: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[PostSummary]:
    """List posts, newest first, with filters; each with its target counts."""
    query = select(Post).order_by(Post.id.desc()).limit(limit).offset(offset)
    if state is not None:
        query = query.where(Post.state == state)
    if created_by is not None:
        query = query.where(Post.created_by == created_by)
    if account_id is not None:
        query = query.where(
            Post.id.in_(select(PostAccount.post_id).where(PostAccount.account_id == account_id))
        )
    if target_state is not None:
        query = query.where(
            Post.id.in_(select(PostTarget.post_id).where(PostTarget.state == target_state))
        )
    posts = list(
        session.scalars(
            query.options(
                selectinload(Post.media).selectinload(PostMedia.item),
                selectinload(Post.accounts),
                selectinload(Post.targets),
            )
        )
    )
    return [
        post_summary(request, post, dict(Counter(t.state for t in post.targets))) for post in posts
    ]


@router.get("/{post_id}")
def get_post(rt: RuntimeDep, request: Request, post_id: IdPath) -> PostOut:
    """Show a post with the state of every target (account × occurrence)."""
    return _show(rt, request, post_id)


@router.post("/{post_id}/cancel")
def cancel(rt: RuntimeDep, request: Request, post_id: IdPath) -> PostOut:
    """Cancel what has not started; parked targets are rejected; recurrence stops."""
    cancel_post(rt, post_id)
    shown = _show(rt, request, post_id)
    note(request, accounts=shown.account_ids)
    return shown


def _decide(
    rt: Runtime,
    request: Request,
    post_id: int,
    account_id: int,
    decision: Decision,
    user: User,
    body: DecisionIn | None,
) -> TargetOut:
    # People decide as themselves; a script with the API token may name its person.
    by = user.name if user.via != "service" else ((body.by if body else None) or user.name)
    target_id = decide(rt, post_id, account_id, decision, by)
    with rt.sessions() as session:
        target = session.get(PostTarget, target_id)
        account = session.get(Account, account_id)
        assert target is not None and account is not None
        note(request, devices=[account.device_serial], decision=str(decision))
        return target_out(request, target, account.name)


@router.post("/{post_id}/targets/{account_id}/confirm")
def confirm(
    rt: RuntimeDep,
    request: Request,
    user: CurrentUser,
    post_id: IdPath,
    account_id: IdPath,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> TargetOut:
    """Approve the parked post on the account's phone: the agent taps Publish."""
    return _decide(rt, request, post_id, account_id, Decision.CONFIRM, user, body)


@router.post("/{post_id}/targets/{account_id}/reject")
def reject(
    rt: RuntimeDep,
    request: Request,
    user: CurrentUser,
    post_id: IdPath,
    account_id: IdPath,
    body: Annotated[DecisionIn | None, Body()] = None,
) -> TargetOut:
    """Reject the parked post: the agent discards the draft; the target ends cancelled."""
    return _decide(rt, request, post_id, account_id, Decision.REJECT, user, body)
