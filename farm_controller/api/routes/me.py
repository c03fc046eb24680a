"""The calling user, the accounts whose chats they see, and who can be assigned."""

from __future__ import annotations

from fastapi import APIRouter

from farm_controller.api.deps import ChatUser, SessionDep
from farm_controller.auth.users import assignable
from farm_controller.chat.access import visible_accounts
from farm_controller.models import Device
from farm_controller.schemas.chat import AccountBrief, MeOut

router = APIRouter(tags=["chat"])


@router.get("/me")
def me(session: SessionDep, user: ChatUser) -> MeOut:
    """Who is calling, their accounts, and the users who share one of them (assignees)."""
    accounts = visible_accounts(session, user)
    briefs = []
    for account in accounts:
        device = session.get(Device, account.device_serial)
        briefs.append(
            AccountBrief(
                id=account.id,
                name=account.name,
                device_serial=account.device_serial,
                device_state=device.state if device is not None else None,
            )
        )
    return MeOut(
        name=user.name,
        display_name=user.display_name,
        role=user.role,
        accounts=briefs,
        users=assignable(session, [account.id for account in accounts]) if accounts else [],
    )
