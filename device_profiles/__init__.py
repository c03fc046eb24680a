"""App profiles: what each app's screens look like and how to do things in it.

A profile is YAML plus template PNGs, validated at start-up by `load_profile`;
`select_profile` picks the one for a phone's installed app and version.
This package never imports cv2: it describes, the agent's vision looks.
"""

from device_profiles.errors import ProfileError
from device_profiles.loader import load_profile, profile_dir
from device_profiles.model import Profile
from device_profiles.selection import bundled_apps, bundled_profiles, select_profile

__all__ = [
    "Profile",
    "ProfileError",
    "bundled_apps",
    "bundled_profiles",
    "load_profile",
    "profile_dir",
    "select_profile",
]
