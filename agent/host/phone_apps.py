"""`PhoneApps`: one phone's view of the app profiles, chosen from the app versions it reports.

    apps = PhoneApps(catalog, "R58N12ABCDE")
    apps.observe(device.info().app_versions)   # logs "R58N12ABCDE: app profile wechat (…)"
    apps.get("wechat")                         # the calibration that fits the installed version

A job names its app (the account's, e.g. "wechat"); which calibration of that app runs is
the phone's business: `device_profiles.select_profile` picks, among the profiles for the
job's package, the one whose version range fits what the phone has installed. A phone with
no profile that fits (a virtual phone, an app outside every range) runs the named profile
as it is, and is logged as using the fallback (simchat).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence

from agent.flows.app import App
from agent.host.app_catalog import AppCatalog
from device_profiles import ProfileError
from device_profiles.model import Profile
from device_profiles.selection import bundled_profiles, select_profile

log = logging.getLogger(__name__)

FALLBACK_PROFILE = "simchat"


class PhoneApps(AppCatalog):
    """The app catalog as one phone sees it (compiled apps still come from `shared`).

    Args:
        shared: the process's catalog (apps are compiled once for every phone).
        serial: the phone (for logs).
        profiles: the profiles to choose from (the bundled ones when None).
        fallback: the profile a phone with no fitting app is said to use.
    """

    def __init__(
        self,
        shared: AppCatalog,
        serial: str,
        *,
        profiles: Sequence[Profile] | None = None,
        fallback: str = FALLBACK_PROFILE,
    ) -> None:
        super().__init__()
        self.shared = shared
        self.serial = serial
        self.fallback = fallback
        self._profiles = list(profiles) if profiles is not None else None
        self._versions: dict[str, str] | None = None
        self._profile: str | None = None
        self._warned: set[str] = set()
        self._choice = threading.Lock()

    @property
    def profile(self) -> str | None:
        """The phone's profile (None until the phone reported its apps)."""
        with self._choice:
            return self._profile

    def _pool(self) -> list[Profile]:
        if self._profiles is None:
            self._profiles = bundled_profiles()
        return self._profiles

    def observe(self, app_versions: Mapping[str, str]) -> str:
        """Choose the phone's profile from its installed apps; logs the choice when it changes.

        Returns:
            The profile's name (`fallback` when no bundled profile fits).
        """
        versions = dict(app_versions)
        with self._choice:
            if versions == self._versions and self._profile is not None:
                return self._profile
            self._versions = versions
            try:
                chosen = select_profile(versions, profiles=self._pool())
            except ProfileError as exc:
                log.error("%s: the bundled profiles cannot be read (%s)", self.serial, exc)
                chosen = None
            name = chosen.app if chosen is not None else self.fallback
            if name != self._profile:
                if chosen is not None:
                    version = versions.get(chosen.package, "?")
                    log.info(
                        "%s: app profile %s (%s %s)", self.serial, name, chosen.package, version
                    )
                else:
                    log.info(
                        "%s: app profile %s (fallback: no profile fits %s)",
                        self.serial,
                        name,
                        versions or "its apps",
                    )
            self._profile = name
            return name

    def get(self, name: str) -> App:
        """The compiled profile to run a job for app `name` with on this phone.

        Raises:
            ProfileError: the profile is missing or invalid.
        """
        requested = self.shared.get(name)
        with self._choice:
            versions = self._versions
            pool = self._pool() if versions is not None else []
        if versions is None:
            return requested
        fitting = select_profile(versions, package=requested.package, profiles=pool)
        if fitting is None:
            if name not in self._warned:
                self._warned.add(name)
                installed = versions.get(requested.package)
                log.warning(
                    "%s: no %s profile fits this phone (%s %s); running %s as it is",
                    self.serial,
                    name,
                    requested.package,
                    installed or "not installed",
                    name,
                )
            return requested
        return requested if fitting.app == name else self.shared.get(fitting.app)
