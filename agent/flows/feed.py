"""Read the feed: is a post with this text and these images there?

The same check verifies a fresh publish and answers "did an interrupted publish
actually happen?" before any retry.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from agent.flows.context import FlowContext
from agent.flows.errors import FlowError
from agent.flows.wait import current
from agent.vision.compare import similarity
from agent.vision.evidence import Mark
from agent.vision.hierarchy import UiNode, find_nodes
from agent.vision.match import Box
from device_profiles.model import Selector

IMAGE_MATCH = 0.75
TOP_POSTS = 3


@dataclass
class FeedCheck:
    """The outcome of looking for a post among the newest ones in the feed."""

    found: bool
    text_matched: bool = False
    images_seen: int = 0
    image_scores: list[float] = field(default_factory=list)
    box: Box | None = None
    detail: str = ""


def _inside(inner: Box, outer: Box) -> bool:
    cx, cy = inner.center
    return outer.x0 <= cx <= outer.x1 and outer.y0 <= cy <= outer.y1


def _read(path: Path) -> np.ndarray:
    img = cv2.imdecode(np.fromfile(str(path), dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None:
        raise FlowError(f"{path}: not an image")
    return img


def find_post(ctx: FlowContext, text: str, images: list[Path], timeout: float = 10.0) -> FeedCheck:
    """Look for the post among the newest posts on the feed screen now showing.

    Waits while a post is still publishing (its progress bar shows). Text is read from the
    hierarchy; images are compared with the originals by their thumbnails.
    """
    sel = {
        name: ctx.app.profile.targets[name].selector
        for name in ("feed_post", "feed_text", "feed_image", "feed_progress")
    }
    deadline = time.monotonic() + timeout
    while True:
        obs = current(ctx, ["moments_feed"])
        nodes = ctx.observer.nodes(obs)
        progress = _select(ctx, nodes, sel["feed_progress"])
        if not progress or time.monotonic() >= deadline:
            break
        ctx.observer.sleep(0.2)
    if not nodes:
        raise FlowError("reading the feed needs the accessibility hierarchy on this phone")
    posts = _select(ctx, nodes, sel["feed_post"])[:TOP_POSTS]
    texts = _select(ctx, nodes, sel["feed_text"])
    thumbs = _select(ctx, nodes, sel["feed_image"])
    want = " ".join(text.split())
    for post in posts:
        post_texts = [n.text for n in texts if _inside(n.bounds, post.bounds)]
        if want and not any(" ".join(t.split()) == want for t in post_texts):
            continue
        post_thumbs = [n for n in thumbs if _inside(n.bounds, post.bounds)]
        check = FeedCheck(found=False, text_matched=True, images_seen=len(post_thumbs))
        check.box = post.bounds
        if len(post_thumbs) != len(images):
            check.detail = f"{len(post_thumbs)} images in the feed, {len(images)} expected"
            continue
        for node, path in zip(post_thumbs, images, strict=True):
            b = node.bounds
            crop = obs.frame[max(0, b.y0) : b.y1, max(0, b.x0) : b.x1]
            check.image_scores.append(similarity(crop, _read(path)))
            ctx.marks.append(
                Mark(b, "image", check.image_scores[-1], check.image_scores[-1] >= IMAGE_MATCH)
            )
        if all(s >= IMAGE_MATCH for s in check.image_scores):
            check.found = True
            ctx.marks.append(Mark(post.bounds, "post"))
            return check
        check.detail = "images differ: " + ", ".join(f"{s:.2f}" for s in check.image_scores)
        return check
    return FeedCheck(found=False, detail="no post with that text among the newest")


def _select(ctx: FlowContext, nodes: list[UiNode], selector: Selector | None) -> list[UiNode]:
    return find_nodes(nodes, selector) if selector is not None else []
