"""Live screens and remote control on the controller side.

| module | concept |
|---|---|
| `hub.py` | `ScreenHub`: agents' screen links ↔ browsers watching; streams only while watched |
| `overview.py` | the farm grid and the device page, read in a few queries |

The routes are `api.routes.devices_live`; the wire to the agents is `farm_protocol.screens`.
"""

from __future__ import annotations

from starlette.datastructures import State

from farm_controller.screens.hub import ScreenHub


def hub_of(state: State) -> ScreenHub:
    """The application's hub (`app.state.screens`), made on first use."""
    hub = getattr(state, "screens", None)
    if not isinstance(hub, ScreenHub):
        hub = ScreenHub()
        state.screens = hub
    return hub


__all__ = ["ScreenHub", "hub_of"]
