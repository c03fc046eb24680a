"""App profiles: what each app's screens look like and how to do things in it.

A profile is YAML plus template PNGs, validated at start-up by `load_profile`.
This package never imports cv2: it describes, the agent's vision looks.
"""

from device_profiles.errors import ProfileError
from device_profiles.loader import load_profile, profile_dir
from device_profiles.model import Profile

__all__ = ["Profile", "ProfileError", "load_profile", "profile_dir"]
