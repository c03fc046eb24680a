"""Helpers for the profile tests: a writable copy of a bundled profile, and breaking it.

`tests/unit/profiles/` has no `__init__.py`; pytest puts this folder on `sys.path`, so tests
import this module by its unique name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from device_profiles import profile_dir


def copy_profile(tmp_path: Path, app: str) -> Path:
    """Copy the bundled profile `app` (with its templates) under `tmp_path`; its YAML file."""
    dest = tmp_path / app
    shutil.copytree(profile_dir(app), dest)
    return dest / "profile.yaml"


def break_profile(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in the profile at `path` by `new`; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not in profile"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line
