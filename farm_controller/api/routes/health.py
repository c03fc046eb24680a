"""Health: is the database reachable, is the clockwork running, what is held."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import func, select, text

from farm_controller.api.deps import RuntimeDep
from farm_controller.models import Device, Host, Post
from farm_controller.schemas.health import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health")
def health(rt: RuntimeDep, request: Request, response: Response) -> HealthOut:
    """Report database and scheduler status and counts (no token needed); 503 if degraded."""
    scheduler_ok = rt.clockwork_running
    jobs: dict[str, int] = {}
    devices: dict[str, int] = {}
    hosts_online = posts_scheduled = 0
    try:
        with rt.sessions() as session:
            session.execute(text("SELECT 1"))
            devices = {
                str(state): count
                for state, count in session.execute(
                    select(Device.state, func.count()).group_by(Device.state)
                )
            }
            hosts_online = int(
                session.scalar(select(func.count()).where(Host.online.is_(True))) or 0
            )
            posts_scheduled = int(
                session.scalar(select(func.count()).where(Post.state == "scheduled")) or 0
            )
        jobs = {str(state): count for state, count in rt.jobs.count_by_state().items()}
        database_ok = True
    except Exception:
        database_ok = False
    ok = database_ok and (scheduler_ok or not rt.settings.scheduler_enabled)
    if not ok:
        response.status_code = 503
    return HealthOut(
        status="ok" if ok else "degraded",
        time=rt.clock(),
        database=database_ok,
        scheduler=scheduler_ok,
        jobs=jobs,
        devices=devices,
        hosts_online=hosts_online,
        posts_scheduled=posts_scheduled,
    )
