"""Charts: server-side aggregates the console draws as small SVGs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from farm_controller import charts
from farm_controller.api.deps import RuntimeDep, SessionDep
from farm_controller.api.params import TextQuery
from farm_controller.errors import FieldProblem, Invalid
from farm_controller.schemas.accounts import check_timezone
from farm_controller.schemas.charts import DeviceOnlineChart, FirstResponseChart, PostsChart

router = APIRouter(prefix="/charts", tags=["charts"])

Days = Annotated[int, Query(ge=1, le=366)]


def _zone(timezone: str | None) -> str:
    if not timezone:
        return "UTC"
    try:
        return check_timezone(timezone)
    except ValueError as exc:
        raise Invalid(FieldProblem("timezone", str(exc))) from None


@router.get("/posts")
def posts(
    rt: RuntimeDep, session: SessionDep, days: Days = 14, timezone: TextQuery = None
) -> PostsChart:
    """Post targets per local day of the last `days`: published, failed, unconfirmed, …"""
    return charts.posts_per_day(session, rt.clock(), days, _zone(timezone))


@router.get("/first-response")
def first_response(
    rt: RuntimeDep, session: SessionDep, days: Days = 14, timezone: TextQuery = None
) -> FirstResponseChart:
    """Chat first-response time per local day: median and 90th percentile."""
    return charts.first_response(session, rt.clock(), days, _zone(timezone))


@router.get("/device-online")
def device_online(
    rt: RuntimeDep,
    session: SessionDep,
    days: Days = 14,
    timezone: TextQuery = None,
    host: TextQuery = None,
) -> DeviceOnlineChart:
    """Device online time per local day: hours online, phones seen, availability."""
    return charts.device_online(session, rt.clock(), days, _zone(timezone), host)
