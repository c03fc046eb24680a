"""The farm grid and the device page, read from the database in a few queries.

A phone's current job is the one the controller leased to it; its last job is the newest
that ended (or went unconfirmed); its app counts as signed in when that job succeeded
(the flow saw the app's screens), and as unknown otherwise — nothing else tells.

With the `SqlJobStore` on the controller's own database the queue's ``jobs`` table is read
directly (one grouped query for all phones, whatever their number); any other store is
asked phone by phone, which is fine for the small stores tests use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from farm_queue import SqlJobStore
from farm_queue.tables import jobs as jobs_table
from sqlalchemy import RowMapping, func, select
from sqlalchemy.orm import Session

from farm_controller.models import Account, Device, Evidence, Host
from farm_controller.runtime import Runtime
from farm_controller.schemas.live import (
    AccountBrief,
    ControlOut,
    DeviceLive,
    EvidenceBrief,
    FarmDevice,
    FarmHost,
    FarmView,
    JobBrief,
    RecentJob,
)
from farm_protocol.device import DeviceState
from farm_protocol.jobs import Job, JobState
from farm_protocol.live import ControlState, StreamSpec, StreamTier

ENDED = (JobState.SUCCEEDED, JobState.FAILED, JobState.UNCONFIRMED, JobState.CANCELLED)
"""States after which a job says something about the phone (cancelled ones are skipped)."""
TOLD = (JobState.SUCCEEDED, JobState.FAILED, JobState.UNCONFIRMED)


def _sql_store(rt: Runtime) -> bool:
    return isinstance(rt.jobs, SqlJobStore) and rt.jobs.engine is rt.engine


def _job(row: RowMapping) -> Job:
    values = dict(row)
    values.pop("seq", None)
    return Job.model_validate(values)


def _jobs_by_id(rt: Runtime, ids: Iterable[str]) -> dict[str, Job]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    if _sql_store(rt):
        with rt.engine.connect() as connection:
            rows = connection.execute(select(jobs_table).where(jobs_table.c.id.in_(wanted)))
            return {job.id: job for job in (_job(row._mapping) for row in rows)}
    found = {}
    for job_id in wanted:
        try:
            found[job_id] = rt.jobs.get(job_id)
        except LookupError:
            continue
    return found


def _last_ended(rt: Runtime, serials: list[str]) -> dict[str, Job]:
    """The newest job of each phone that succeeded, failed or went unconfirmed."""
    if not serials:
        return {}
    if _sql_store(rt):
        newest = (
            select(jobs_table.c.device_serial, func.max(jobs_table.c.seq).label("seq"))
            .where(jobs_table.c.state.in_([state.value for state in TOLD]))
            .group_by(jobs_table.c.device_serial)
            .subquery()
        )
        query = select(jobs_table).join(newest, jobs_table.c.seq == newest.c.seq)
        with rt.engine.connect() as connection:
            rows = connection.execute(query).all()
        wanted = set(serials)
        newest_jobs = [_job(row._mapping) for row in rows]
        return {job.device_serial: job for job in newest_jobs if job.device_serial in wanted}
    found: dict[str, Job] = {}
    for serial in serials:
        jobs = _all_jobs(rt, serial)
        told = [job for job in jobs if job.state in TOLD]
        if told:
            found[serial] = told[-1]
    return found


def _all_jobs(rt: Runtime, serial: str) -> list[Job]:
    jobs: list[Job] = []
    while True:
        page = rt.jobs.list(device_serial=serial, limit=500, offset=len(jobs))
        jobs.extend(page)
        if len(page) < 500:
            return jobs


def recent_jobs(rt: Runtime, serial: str, limit: int = 10) -> list[Job]:
    """The phone's newest jobs, newest first."""
    if _sql_store(rt):
        query = (
            select(jobs_table)
            .where(jobs_table.c.device_serial == serial)
            .order_by(jobs_table.c.seq.desc())
            .limit(limit)
        )
        with rt.engine.connect() as connection:
            return [_job(row._mapping) for row in connection.execute(query)]
    return list(reversed(_all_jobs(rt, serial)))[:limit]


def _brief(job: Job, at: datetime | None = None) -> JobBrief:
    return JobBrief(
        id=job.id, kind=job.kind, state=job.state, at=at or job.updated_at, error=job.error
    )


def control_out(state: ControlState, caller: str) -> ControlOut:
    """A phone's control as the API shows it to `caller`."""
    return ControlOut(
        serial=state.serial,
        holder=state.holder,
        expires_in=state.expires_in,
        yours=state.holder is not None and state.holder == caller,
    )


def _accounts_by_phone(
    session: Session, serials: Iterable[str] | None = None
) -> dict[str, list[AccountBrief]]:
    """The accounts of each phone (of `serials`, or of all phones when None)."""
    query = select(Account.id, Account.name, Account.device_serial, Account.tags).order_by(
        Account.id
    )
    if serials is not None:
        query = query.where(Account.device_serial.in_(sorted(set(serials))))
    found: dict[str, list[AccountBrief]] = {}
    for account_id, name, serial, tags in session.execute(query):
        found.setdefault(serial, []).append(
            AccountBrief(id=account_id, name=name, tags=list(tags or []))
        )
    return found


def _farm_devices(
    rt: Runtime,
    devices: list[Device],
    accounts: Mapping[str, list[AccountBrief]],
    live_hosts: set[str],
    controls: Mapping[str, ControlState],
    caller: str,
) -> list[FarmDevice]:
    serials = [device.serial for device in devices]
    current = _jobs_by_id(rt, [d.current_job_id for d in devices if d.current_job_id])
    last = _last_ended(rt, serials)
    out = []
    for device in devices:
        job = current.get(device.current_job_id or "")
        if job is not None and job.state is not JobState.LEASED:
            job = None
        ended = last.get(device.serial)
        failed = ended is not None and ended.state is not JobState.SUCCEEDED
        control = controls.get(device.serial)
        out.append(
            FarmDevice(
                serial=device.serial,
                host=device.host_name,
                model=device.model,
                width=device.width,
                height=device.height,
                state=device.state,
                battery=device.battery,
                screen_on=device.screen_on,
                locked=device.locked,
                last_seen=device.last_seen,
                accounts=accounts.get(device.serial, []),
                app_signed_in=True if ended is not None and not failed else None,
                app_checked_at=(ended.finished_at or ended.updated_at) if ended else None,
                current_job=_brief(job) if job is not None else None,
                last_job=_brief(ended, ended.finished_at) if ended is not None else None,
                last_error=(ended.error or ended.state.value) if ended and failed else None,
                control=control_out(control, caller) if control and control.holder else None,
                live=device.host_name in live_hosts and device.state is not DeviceState.OFFLINE,
            )
        )
    return out


def farm_view(
    rt: Runtime,
    session: Session,
    *,
    host: str | None,
    state: DeviceState | None,
    tag: str | None,
    live_hosts: set[str],
    controls: Mapping[str, ControlState],
    caller: str,
    streams: dict[StreamTier, StreamSpec],
) -> FarmView:
    """The farm grid: hosts, and the phones that pass the filters."""
    everything = list(session.scalars(select(Device).order_by(Device.host_name, Device.serial)))
    accounts = _accounts_by_phone(session)
    tags = {tag for briefs in accounts.values() for brief in briefs for tag in brief.tags}
    devices = everything
    if host is not None:
        devices = [d for d in devices if d.host_name == host]
    if tag is not None:
        devices = [
            d for d in devices if any(tag in brief.tags for brief in accounts.get(d.serial, ()))
        ]
    counts = Counter(d.state.value for d in devices)
    if state is not None:
        devices = [d for d in devices if d.state is state]
    per_host = Counter(d.host_name for d in everything)
    hosts = [
        FarmHost(
            name=h.name,
            online=h.online,
            agent_version=h.agent_version,
            last_seen=h.last_seen,
            device_count=per_host.get(h.name, 0),
            live=h.name in live_hosts,
        )
        for h in session.scalars(select(Host).order_by(Host.name))
    ]
    return FarmView(
        hosts=hosts,
        devices=_farm_devices(rt, devices, accounts, live_hosts, controls, caller),
        tags=sorted(tags),
        counts=dict(counts),
        total=len(everything),
        streams=streams,
    )


def device_live(
    rt: Runtime,
    session: Session,
    evidence_url: Callable[[str], str],
    device: Device,
    *,
    live_hosts: set[str],
    control: ControlState,
    caller: str,
    streams: dict[StreamTier, StreamSpec],
) -> DeviceLive:
    """The device page's data (`evidence_url` turns an evidence id into where it is served)."""
    accounts = _accounts_by_phone(session, [device.serial])
    [farm_device] = _farm_devices(
        rt, [device], accounts, live_hosts, {device.serial: control}, caller
    )
    jobs = recent_jobs(rt, device.serial)
    evidence: dict[str, list[EvidenceBrief]] = {}
    if jobs:
        rows = session.scalars(
            select(Evidence)
            .where(Evidence.job_id.in_([job.id for job in jobs]))
            .order_by(Evidence.created_at, Evidence.id)
        )
        for item in rows:
            evidence.setdefault(item.job_id, []).append(
                EvidenceBrief(
                    id=item.id,
                    kind=item.kind,
                    filename=item.filename,
                    url=evidence_url(item.id),
                )
            )
    return DeviceLive(
        device=farm_device,
        manufacturer=device.manufacturer,
        sdk=device.sdk,
        density=device.density,
        app_versions=dict(device.app_versions or {}),
        registered_at=device.registered_at,
        recent_jobs=[
            RecentJob(
                id=job.id,
                kind=job.kind,
                state=job.state,
                attempts=job.attempts,
                created_at=job.created_at,
                finished_at=job.finished_at,
                error=job.error,
                evidence=evidence.get(job.id, []),
            )
            for job in jobs
        ],
        control=control_out(control, caller),
        streams=streams,
    )


def hosts_of(session: Session, serials: Iterable[str]) -> dict[str, str]:
    """serial → host of the phones that exist among `serials`."""
    wanted = sorted(set(serials))
    if not wanted:
        return {}
    rows = session.execute(select(Device.serial, Device.host_name).where(Device.serial.in_(wanted)))
    return {serial: host for serial, host in rows}
