"""Load and validate an app profile, naming the file, line and field of any mistake.

Validation happens in two passes: pydantic checks each field's shape, then
`_check_references` checks that every name a profile uses (template, screen,
target) exists and every template file is a PNG of a sensible size.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from device_profiles.errors import ProfileError
from device_profiles.model import Profile

APPS_DIR = Path(__file__).resolve().parent / "apps"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

Loc = Sequence[int | str]


def profile_dir(app: str) -> Path:
    """The folder of a bundled app profile (`device_profiles/apps/<app>`)."""
    return APPS_DIR / app


def load_profile(app_or_path: str | Path) -> Profile:
    """Load a profile by app name (bundled) or by the path of its YAML file.

    Raises:
        ProfileError: the file is missing, not YAML, or a field is wrong; the message
            names the file, the line and the field.
    """
    path = Path(app_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = profile_dir(str(app_or_path)) / "profile.yaml"
    if not path.is_file():
        raise ProfileError(path, None, "", "profile file not found")
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProfileError(path, line, "", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ProfileError(path, 1, "", "a profile is a mapping of fields")
    data["base_dir"] = str(path.parent)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
        raise ProfileError(path, _line_of(root, loc), _field_name(loc), err["msg"]) from None
    problem = _check_references(profile)
    if problem is not None:
        loc, reason = problem
        raise ProfileError(path, _line_of(root, loc), _field_name(loc), reason)
    return profile


def _field_name(loc: Loc) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")


def _line_of(root: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest YAML node on the path `loc`."""
    node = root
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt: yaml.Node | None = None
            for key, value in node.value:
                if key.value == str(part):
                    nxt = value
                    line = key.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            else:
                node = None
        else:
            node = None
        if node is None:
            break
    return line


def _png_size(path: Path) -> tuple[int, int] | None:
    with path.open("rb") as fh:
        head = fh.read(24)
    if len(head) < 24 or not head.startswith(_PNG_MAGIC):
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _check_references(profile: Profile) -> tuple[list[Any], str] | None:
    """The first dangling name or bad template file, as (location, reason)."""
    base = Path(profile.base_dir)
    for name, spec in profile.templates.items():
        files: list[tuple[list[Any], str]] = [(["templates", name, "file"], spec.file)]
        files += [(["templates", name, "alternates", i], f) for i, f in enumerate(spec.alternates)]
        for loc, rel in files:
            file = base / rel
            if not file.is_file():
                return loc, f"template file {rel!r} does not exist"
            size = _png_size(file)
            if size is None:
                return loc, f"{rel!r} is not a PNG image"
            if size[0] > spec.resolution[0] or size[1] > spec.resolution[1]:
                return ["templates", name, "resolution"], "the template is larger than its screen"
    for name, screen in profile.screens.items():
        for i, anchor in enumerate(screen.anchors):
            if anchor.template not in profile.templates:
                return (
                    ["screens", name, "anchors", i, "template"],
                    f"unknown template {anchor.template!r}",
                )
    for name, target in profile.targets.items():
        if target.template is not None and target.template not in profile.templates:
            return ["targets", name, "template"], f"unknown template {target.template!r}"
    for field in ("roots",):
        for i, screen_name in enumerate(getattr(profile, field)):
            if screen_name not in profile.screens:
                return [field, i], f"unknown screen {screen_name!r}"
    if profile.home not in profile.screens:
        return ["home"], f"unknown screen {profile.home!r}"
    if profile.home_target not in profile.targets:
        return ["home_target"], f"unknown target {profile.home_target!r}"
    for name, handler in profile.interruptions.items():
        if name not in profile.screens:
            return ["interruptions", name], f"unknown screen {name!r}"
        if handler.target is not None and handler.target not in profile.targets:
            return ["interruptions", name, "target"], f"unknown target {handler.target!r}"
    for flow_name, flow in profile.flows.items():
        if flow.check is not None and flow.check not in profile.flows:
            return ["flows", flow_name, "check"], f"unknown flow {flow.check!r}"
        for i, step in enumerate(flow.steps):
            where: list[Any] = ["flows", flow_name, "steps", i]
            if step.target is not None and step.target not in profile.targets:
                return [*where, "target"], f"unknown target {step.target!r}"
            for screen_name in step.expected:
                if screen_name not in profile.screens:
                    return [*where, "expect"], f"unknown screen {screen_name!r}"
            if step.when is not None and step.when not in flow.params:
                return [*where, "when"], f"unknown parameter {step.when!r}"
    return None
