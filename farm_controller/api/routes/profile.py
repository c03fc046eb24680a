"""One's own password."""

from __future__ import annotations

from fastapi import APIRouter, Response

from farm_controller.api.deps import CurrentUser, RuntimeDep
from farm_controller.auth.users import set_password
from farm_controller.db import write_session
from farm_controller.errors import FieldProblem, Invalid, conflict
from farm_controller.models import UserRecord
from farm_controller.schemas.users import PasswordChange

router = APIRouter(tags=["profile"])


@router.post("/me/password", status_code=204)
def change_password(rt: RuntimeDep, user: CurrentUser, body: PasswordChange) -> Response:
    """Change your password (the current one is required); your other sessions end."""
    if user.id is None:
        raise conflict("the API token's user has no password", "no_password")
    with write_session(rt.sessions) as session:
        record = session.get(UserRecord, user.id)
        if record is None:
            raise conflict("your user no longer exists", "gone")
        if not rt.passwords.verify(record.password_hash, body.current_password.get_secret_value()):
            raise Invalid(
                FieldProblem("current_password", "the current password is wrong", "wrong")
            )
        set_password(
            session,
            rt.passwords,
            record,
            body.new_password.get_secret_value(),
            rt.clock(),
            keep_session=user.session_id,
        )
    return Response(status_code=204)
