"""farm_controller: the phone farm's controller — API, database, scheduling, auth.

    from farm_controller import Settings, create_app
    app = create_app(Settings())            # settings read once, at the entry point

It never imports `agent`; the two meet in `farm_protocol` over HTTP.
"""

from farm_controller.app import create_app
from farm_controller.settings import Settings

__all__ = ["Settings", "create_app"]
