"""Choose the profile for a phone from the app versions it reports.

    info = device.info()                               # app_versions from `dumpsys package`
    profile = select_profile(info.app_versions)        # e.g. wechat for com.tencent.mm 8.0.49
    profile = select_profile(info.app_versions, package="com.tencent.wework")

A profile fits when the phone has its `package` and the installed version is in the
profile's `versions` range (a profile without `versions` fits any version). Pure: no
device and no cv2 — the caller reads the versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from device_profiles.loader import APPS_DIR, load_profile
from device_profiles.model import Profile


def bundled_profiles(apps_dir: Path = APPS_DIR) -> list[Profile]:
    """Every profile under `apps_dir` (`<app>/profile.yaml`), sorted by app name.

    Raises:
        ProfileError: one of them is invalid (the message names file, line and field).
    """
    return [load_profile(path) for path in sorted(apps_dir.glob("*/profile.yaml"))]


def bundled_apps(apps_dir: Path = APPS_DIR) -> list[str]:
    """The names of the installed profiles (folders of `apps_dir` with a `profile.yaml`).

    Cheap (nothing is loaded): what an account's `app` may name.
    """
    return sorted(path.parent.name for path in apps_dir.glob("*/profile.yaml"))


def profile_fits(profile: Profile, package_versions: Mapping[str, str]) -> bool:
    """Does the phone have this profile's app, in a version the profile was written for?"""
    version = package_versions.get(profile.package)
    if version is None:
        return False
    version_range = profile.version_range
    return version_range is None or version_range.contains(version)


def select_profile(
    package_versions: Mapping[str, str],
    *,
    package: str | None = None,
    profiles: Iterable[Profile] | None = None,
) -> Profile | None:
    """The profile for a phone's installed apps, or None when none fits.

    Args:
        package_versions: installed package -> versionName, as `DeviceInfo.app_versions`.
        package: only consider this app (a phone with both WeChat and WeCom installed).
        profiles: the profiles to choose from (default: the bundled ones).

    Without `package`, apps are tried in the order of `package_versions`. For one app,
    a profile with a version range beats one without, and of two ranges the one with the
    higher lower bound (the newer calibration) wins; ties go to the app name.
    """
    pool = list(bundled_profiles() if profiles is None else profiles)
    packages = [package] if package is not None else list(package_versions)
    for pkg in packages:
        fitting = [p for p in pool if p.package == pkg and profile_fits(p, package_versions)]
        if fitting:
            return min(fitting, key=_preference)
    return None


def _preference(profile: Profile) -> tuple[int, tuple[int, ...], str]:
    version_range = profile.version_range
    if version_range is None:
        return (1, (), profile.app)
    lower = version_range.lower + (0,) * (8 - len(version_range.lower))
    return (0, tuple(-part for part in lower), profile.app)
