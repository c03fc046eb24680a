"""The reaper (APScheduler, real server, wall clock) marks silent phones offline."""

from __future__ import annotations

import httpx
from controller_support import FakeAgent, SettingsFactory, api_headers

from farm_controller import create_app
from farm_protocol.device import DeviceState
from tests.helpers.servers import serving
from tests.helpers.waiting import wait_for


def test_a_phone_whose_heartbeats_stop_goes_offline(make_settings: SettingsFactory) -> None:
    settings = make_settings(
        scheduler_enabled=True, heartbeat_interval=0.1, heartbeat_timeout=0.6, reaper_interval=0.1
    )
    with serving(create_app(settings)) as url, httpx.Client(base_url=url) as http:
        http.headers.update(api_headers())
        agent = FakeAgent(http)
        agent.register("LIVE", "SILENT")

        def states() -> dict[str, str]:
            return {d["serial"]: d["state"] for d in http.get("/api/v1/devices").json()}

        # LIVE keeps beating; SILENT's host stops reporting it.
        def silent_offline() -> bool:
            agent.heartbeat("LIVE")
            return states()["SILENT"] == DeviceState.OFFLINE

        wait_for(silent_offline, timeout=5, interval=0.1)
        assert states()["LIVE"] == DeviceState.ONLINE
        assert http.get("/api/v1/hosts/rack-1").json()["online"] is True
        assert http.get("/api/v1/devices", params={"state": "offline"}).json()[0]["serial"] == (
            "SILENT"
        )

        # The whole host goes silent.
        wait_for(
            lambda: http.get("/api/v1/hosts/rack-1").json()["online"] is False,
            timeout=5,
            interval=0.02,
        )
        assert states()["LIVE"] == DeviceState.OFFLINE
        # It comes back with a heartbeat.
        agent.heartbeat("LIVE", "SILENT")
        assert states() == {"LIVE": "online", "SILENT": "online"}
