"""Tags (标签) and keyword auto-tag rules (自动标签).

Every chat user reads them and may create tags (tagging a contact with a new name creates
one too); changing or deleting tags and managing rules is for admins.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import delete, select

from farm_controller.api.deps import ChatUser, RuntimeDep, SessionDep
from farm_controller.api.params import IdPath
from farm_controller.api.routes.contacts import tag_named
from farm_controller.chat.access import require_admin
from farm_controller.chat.presenters import tag_out
from farm_controller.db import write_session
from farm_controller.errors import conflict, not_found
from farm_controller.models import AutoTagRule, ContactTag, Tag
from farm_controller.schemas.chat import RuleCreate, RuleOut, TagCreate, TagOut, TagUpdate

router = APIRouter(tags=["chat"])


@router.get("/tags")
def list_tags(session: SessionDep, _user: ChatUser) -> list[TagOut]:
    """List every tag by name."""
    return [tag_out(tag) for tag in session.scalars(select(Tag).order_by(Tag.name))]


@router.post("/tags", status_code=201)
def create_tag(rt: RuntimeDep, _user: ChatUser, body: TagCreate) -> TagOut:
    """Create a tag (409 when the name exists)."""
    with write_session(rt.sessions) as session:
        if session.scalars(select(Tag).where(Tag.name == body.name.strip())).first():
            raise conflict(f"a tag named {body.name!r} exists", "duplicate", "name")
        tag = Tag(name=body.name.strip(), color=body.color, created_at=rt.clock())
        session.add(tag)
        session.flush()
        return tag_out(tag)


@router.patch("/tags/{tag_id}")
def update_tag(rt: RuntimeDep, user: ChatUser, tag_id: IdPath, body: TagUpdate) -> TagOut:
    """Rename or recolour a tag (admins)."""
    require_admin(user, "change tags")
    with write_session(rt.sessions) as session:
        tag = session.get(Tag, tag_id)
        if tag is None:
            raise not_found("tag", tag_id)
        if body.name is not None and body.name.strip() != tag.name:
            if session.scalars(select(Tag).where(Tag.name == body.name.strip())).first():
                raise conflict(f"a tag named {body.name!r} exists", "duplicate", "name")
            tag.name = body.name.strip()
        if body.color is not None:
            tag.color = body.color
        return tag_out(tag)


@router.delete("/tags/{tag_id}", status_code=204)
def delete_tag(rt: RuntimeDep, user: ChatUser, tag_id: IdPath) -> Response:
    """Delete a tag, its rules, and remove it from every contact (admins)."""
    require_admin(user, "delete tags")
    with write_session(rt.sessions) as session:
        tag = session.get(Tag, tag_id)
        if tag is None:
            raise not_found("tag", tag_id)
        session.execute(delete(ContactTag).where(ContactTag.tag_id == tag_id))
        session.execute(delete(AutoTagRule).where(AutoTagRule.tag_id == tag_id))
        session.delete(tag)
    return Response(status_code=204)


def _rule_out(rule: AutoTagRule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        keyword=rule.keyword,
        tag=tag_out(rule.tag),
        created_by=rule.created_by,
        created_at=rule.created_at,
    )


@router.get("/auto-tag-rules")
def list_rules(session: SessionDep, _user: ChatUser) -> list[RuleOut]:
    """List the keyword auto-tag rules."""
    return [_rule_out(r) for r in session.scalars(select(AutoTagRule).order_by(AutoTagRule.id))]


@router.post("/auto-tag-rules", status_code=201)
def create_rule(rt: RuntimeDep, user: ChatUser, body: RuleCreate) -> RuleOut:
    """Add a rule: inbound messages containing the keyword tag their contact (admins)."""
    require_admin(user, "manage auto-tag rules")
    now = rt.clock()
    with write_session(rt.sessions) as session:
        tag = tag_named(session, body.tag, now)
        keyword = body.keyword.strip()
        existing = session.scalars(
            select(AutoTagRule).where(AutoTagRule.keyword == keyword, AutoTagRule.tag_id == tag.id)
        ).first()
        if existing is not None:
            raise conflict(f"rule {existing.id} already does this", "duplicate", "keyword")
        rule = AutoTagRule(keyword=keyword, tag_id=tag.id, created_by=user.name, created_at=now)
        session.add(rule)
        session.flush()
        return _rule_out(rule)


@router.delete("/auto-tag-rules/{rule_id}", status_code=204)
def delete_rule(rt: RuntimeDep, user: ChatUser, rule_id: IdPath) -> Response:
    """Delete a rule (tags it already added stay) (admins)."""
    require_admin(user, "manage auto-tag rules")
    with write_session(rt.sessions) as session:
        rule = session.get(AutoTagRule, rule_id)
        if rule is None:
            raise not_found("auto-tag rule", rule_id)
        session.delete(rule)
    return Response(status_code=204)
