"""A profile compiled for running: its templates loaded as images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.vision.template import TemplateImage, load_template
from device_profiles import Profile, load_profile


@dataclass(frozen=True)
class App:
    """An app profile with its template images in memory."""

    profile: Profile
    templates: dict[str, TemplateImage]

    @property
    def package(self) -> str:
        """The app's Android package."""
        return self.profile.package


def load_app(name_or_path: str | Path) -> App:
    """Load and validate a profile, then read its template images.

    Raises:
        ProfileError: the profile is invalid (the message names file, line and field).
    """
    profile = load_profile(name_or_path)
    base = Path(profile.base_dir)
    templates = {
        name: load_template(
            name,
            base / spec.file,
            density=spec.density,
            threshold=spec.threshold,
            accent=spec.accent,
            alternates=tuple(base / alt for alt in spec.alternates),
        )
        for name, spec in profile.templates.items()
    }
    return App(profile, templates)
