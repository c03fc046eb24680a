"""The shape of an app profile (pydantic models, validated by the loader).

A profile names:
- `templates`: PNG crops with the resolution and density they were cut at;
- `screens`: how to recognise each screen — vision anchors (templates in a region) and,
  where the app exposes them, accessibility-hierarchy selectors;
- `targets`: things to tap — a hierarchy selector and/or a template in a region;
- `interruptions`: known screens that may pop up at any time and how to get rid of them;
- `flows`: named step lists (tap, type, pick images, expect a screen, ...).

Regions are fractions of the screen, `[x0, y0, x1, y1]`, so one profile serves every
resolution; templates are scaled by the device's density.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from device_profiles.versions import VersionRange
from farm_protocol.posts import PublishMode

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    """A rectangle in fractions of the screen's width and height."""

    x0: Fraction = 0.0
    y0: Fraction = 0.0
    x1: Fraction = 1.0
    y1: Fraction = 1.0

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: object) -> object:
        if isinstance(data, list | tuple):
            if len(data) != 4:
                raise ValueError("a region is [x0, y0, x1, y1] in fractions of the screen")
            return dict(zip(("x0", "y0", "x1", "y1"), data, strict=True))
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Region:
        if self.x1 <= self.x0 or self.y1 <= self.y0:
            raise ValueError("x1 must be greater than x0 and y1 greater than y0")
        return self


FULL_SCREEN = Region()


class TemplateSpec(_Strict):
    """A template image and the screen it was cut from (like aircv's `resolution`)."""

    file: str
    resolution: tuple[Annotated[int, Field(gt=0)], Annotated[int, Field(gt=0)]]
    density: Annotated[int, Field(gt=0)]
    threshold: Annotated[float, Field(gt=0.0, le=1.0)] = 0.8
    accent: bool = Field(
        default=False, description="the match must also show the app's accent colour"
    )
    alternates: list[str] = Field(
        default_factory=list, description="other cuts (e.g. dark theme) tried as well"
    )


class Selector(_Strict):
    """A node of the accessibility hierarchy; every given field must match.

    `region` places the node by where its centre is on the screen (fractions), for
    labels that show twice (WeChat's "发现" is both the page title and a tab).
    """

    resource_id: str | None = None
    text: str | None = None
    text_contains: str | None = None
    text_matches: str | None = Field(
        default=None, description="a regular expression the whole text must match"
    )
    content_desc: str | None = None
    class_name: str | None = None
    selected: bool | None = None
    checked: bool | None = None
    package: str | None = None
    region: Region | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Selector:
        fields = self.model_dump(exclude={"region"}).values()
        if not any(v is not None for v in fields):
            raise ValueError("a selector needs at least one field besides region")
        if self.text_matches is not None:
            try:
                re.compile(self.text_matches)
            except re.error as exc:
                raise ValueError(f"text_matches is not a regular expression: {exc}") from None
        return self


class Anchor(_Strict):
    """A template that must be visible (in a region) for a screen to be recognised."""

    template: str
    region: Region = FULL_SCREEN
    threshold: Annotated[float, Field(gt=0.0, le=1.0)] | None = None


class Screen(_Strict):
    """How to recognise one screen.

    All anchors must match; selectors corroborate. A screen without anchors (an app we
    have no template crops of) is recognised by its selectors alone: each must pick a
    node of the hierarchy.
    """

    anchors: list[Anchor] = Field(default_factory=list)
    selectors: list[Selector] = Field(default_factory=list, validate_default=True)
    overlay: bool = Field(default=False, description="drawn over other screens (dialogs)")
    priority: int = Field(default=0, description="higher is checked first")

    @field_validator("selectors")
    @classmethod
    def _recognisable(cls, selectors: list[Selector], info: ValidationInfo) -> list[Selector]:
        if "anchors" in info.data and not info.data["anchors"] and not selectors:
            raise ValueError("a screen needs anchors (templates), selectors, or both")
        return selectors


class Target(_Strict):
    """Something to tap: by hierarchy selector, by template, or both."""

    selector: Selector | None = None
    template: str | None = None
    region: Region = FULL_SCREEN
    offset: tuple[float, float] = Field(
        default=(0.0, 0.0), description="tap this many dp from the target's centre"
    )

    @model_validator(mode="after")
    def _has_locator(self) -> Target:
        if self.selector is None and self.template is None:
            raise ValueError("a target needs a selector, a template, or both")
        return self


class HandlerAction(StrEnum):
    """What the runner does about an interruption."""

    TAP = "tap"
    BACK = "back"
    WAIT = "wait"
    SWIPE_UP = "swipe_up"
    RELAUNCH = "relaunch"


class Handler(_Strict):
    """How to get rid of an interruption screen."""

    action: HandlerAction
    target: str | None = None
    timeout_ms: Annotated[int, Field(gt=0)] = 4000

    @model_validator(mode="after")
    def _tap_needs_target(self) -> Handler:
        if self.action is HandlerAction.TAP and self.target is None:
            raise ValueError("action 'tap' needs a target")
        return self


class StepAction(StrEnum):
    """The verbs a flow step may use."""

    PUSH_MEDIA = "push_media"
    OPEN_APP = "open_app"
    TAP = "tap"
    LONG_PRESS = "long_press"
    TYPE = "type"
    PRESS_KEY = "press_key"
    PICK_IMAGES = "pick_images"
    TAP_TEXT = "tap_text"
    EXPECT = "expect"
    VERIFY_POST = "verify_post"
    FIND_POST = "find_post"
    VERIFY_MESSAGE = "verify_message"
    READ_MESSAGES = "read_messages"
    OPEN_CHAT = "open_chat"
    SYNC_CHATS = "sync_chats"
    FIND_MESSAGE = "find_message"


class Step(_Strict):
    """One verified step of a flow."""

    name: str
    action: StepAction
    target: str | None = None
    text: str | None = Field(default=None, description="may use {param} placeholders")
    key: Literal["back", "home", "enter"] | None = None
    count: str | None = Field(default=None, description="e.g. '{image_count}'")
    expect: str | list[str] | None = None
    timeout_ms: Annotated[int, Field(gt=0)] = 8000
    irreversible: bool = Field(
        default=False, description="after this step the action may have happened"
    )
    when: str | None = Field(default=None, description="run only when this param is truthy")

    @model_validator(mode="after")
    def _fields_for_action(self) -> Step:
        needs_target = {StepAction.TAP, StepAction.LONG_PRESS}
        if self.action in needs_target and self.target is None:
            raise ValueError(f"action '{self.action}' needs a target")
        if (
            self.action in {StepAction.TYPE, StepAction.TAP_TEXT, StepAction.OPEN_CHAT}
            and self.text is None
        ):
            raise ValueError(f"action '{self.action}' needs text")
        if self.action is StepAction.PRESS_KEY and self.key is None:
            raise ValueError("action 'press_key' needs a key")
        if self.action is StepAction.EXPECT and self.expect is None:
            raise ValueError("action 'expect' needs expect")
        return self

    @property
    def expected(self) -> list[str]:
        """The screens this step may end on (empty: no check)."""
        if self.expect is None:
            return []
        return [self.expect] if isinstance(self.expect, str) else list(self.expect)


class Flow(_Strict):
    """A named list of steps and the parameters it takes."""

    description: str = ""
    params: dict[str, Literal["str", "list", "int", "bool"]] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)
    check: str | None = Field(
        default=None, description="a flow that reads the screen to tell whether this one happened"
    )


class Profile(_Strict):
    """Everything the agent needs to drive one app by its screen."""

    app: str
    package: str
    versions: str | None = Field(
        default=None,
        description="the app versions it was written for, e.g. '>=8.0,<9' (None: any)",
    )
    verified: bool = Field(
        default=True,
        description="False: written from the app's visible labels, not yet run on a device",
    )
    publish_mode: PublishMode = Field(
        default=PublishMode.AUTO,
        description="the default for accounts on this app ('confirm': a person approves)",
    )
    launcher_package: str
    roots: list[str] = Field(min_length=1, description="the app's top-level screens")
    home: str = Field(description="the screen flows start from")
    home_target: str = Field(description="the target that goes to `home` from another root")
    accent_hsv: tuple[int, int, int] | None = None
    templates: dict[str, TemplateSpec]
    screens: dict[str, Screen]
    targets: dict[str, Target]
    interruptions: dict[str, Handler] = Field(default_factory=dict)
    flows: dict[str, Flow]
    text_limit: Annotated[int, Field(gt=0)] = 2000
    max_images: Annotated[int, Field(gt=0)] = 9
    base_dir: str = Field(default="", exclude=True)

    @field_validator("versions")
    @classmethod
    def _version_range(cls, value: str | None) -> str | None:
        if value is not None:
            VersionRange.parse(value)
        return value

    @property
    def version_range(self) -> VersionRange | None:
        """`versions` parsed (None: any version)."""
        return VersionRange.parse(self.versions) if self.versions is not None else None
