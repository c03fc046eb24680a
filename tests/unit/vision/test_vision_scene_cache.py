"""A Scene prepares each template once; two different templates must never share that work."""

from __future__ import annotations

import dataclasses

from vision_support import shot

from agent.flows.app import App
from agent.vision.match import Scene


def test_a_scene_reuses_a_template_it_has_scaled(app: App) -> None:
    fixture = shot("moments_feed__720x1600@320__light__en")
    scene = Scene(fixture.image(), fixture.density)
    camera = app.templates["camera"]

    first = scene.locate(camera)
    again = scene.locate(camera)

    assert first is not None and first == again


def test_two_templates_with_the_same_name_are_matched_each_as_itself(app: App) -> None:
    fixture = shot("moments_feed__1080x2400@420__dark__zh-CN")
    camera = app.templates["camera"]
    oversized = dataclasses.replace(camera, density=210)  # would be scaled 2x: no match
    voice = app.templates["voice"]  # not on the feed
    impostor = dataclasses.replace(voice, name="camera")

    scene = Scene(fixture.image(), fixture.density)
    assert scene.locate(oversized) is None
    assert scene.locate(camera) is not None  # fails: gets the oversized camera back

    scene = Scene(fixture.image(), fixture.density)
    assert scene.locate(voice) is None
    assert scene.locate(camera) is not None
    assert scene.locate(impostor) is None  # fails: the voice icon matches as the camera
