"""Read text off screenshots with an OCR engine: image in, text with boxes and confidences out.

The engine (`RapidOcrEngine`, PP-OCRv4 models shipped inside the `rapidocr-onnxruntime`
wheel, so it works offline) is created once per process by the caller and passed in;
nothing here holds one. `rapidocr_onnxruntime` (and onnxruntime) are imported only when
an engine is created, so the rest of vision does not pay for them.

Two ways to read:
- `read_blocks`: text on a flat background whose box is known (chat bubbles, badges,
  time pills). Lines are found by a row projection and only the recognition model runs,
  one batch for all boxes of a screen — ~20-40 ms a short bubble on two cores.
- `read_lines`: detection + recognition over a region (a chat list when no hierarchy).

Emoji do not OCR: the recognition model knows no emoji and reads a colour glyph as a
random character. `read_blocks` therefore finds colour glyphs (pixels far from the
line between the background and the ink colour), cuts them out of the line before
recognition, and puts `UNREADABLE` (U+FFFD) in their place, one per glyph. A block with
such a glyph reports a confidence of at most `UNREADABLE_CONFIDENCE`; one with nothing
but emoji reads as a run of U+FFFD.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import cv2
import numpy as np

from agent.vision.match import Box
from agent.vision.template import Image

UNREADABLE = "\ufffd"
UNREADABLE_CONFIDENCE = 0.5
MIN_LINE_CONFIDENCE = 0.5
INK = 60  # summed |B-bg|+|G-bg|+|R-bg| above which a pixel is ink
COLOUR_GLYPH = 70  # distance from the background→ink line that marks a colour glyph
_COLOUR_MIN_PIXELS = 12


@dataclass(frozen=True)
class TextLine:
    """One line of text found on the screen."""

    text: str
    box: Box
    confidence: float


@dataclass(frozen=True)
class TextBlock:
    """The text of one box (a bubble), lines joined.

    Attributes:
        text: the lines joined (a space between Latin words across a line break).
        lines: every line read, top to bottom.
        confidence: the weakest line's confidence, capped when a glyph was unreadable.
        unreadable: how many colour glyphs (emoji) were replaced by `UNREADABLE`.
    """

    text: str
    lines: tuple[TextLine, ...]
    confidence: float
    unreadable: int = 0


class OcrEngine(Protocol):
    """What the readers need from an OCR engine."""

    def recognize(self, crops: Sequence[Image]) -> list[tuple[str, float]]:
        """Recognise one line of text in each crop: (text, confidence 0..1)."""
        ...

    def detect(self, image: Image) -> list[TextLine]:
        """Find and recognise every text line in an image."""
        ...


class RapidOcrEngine:
    """`OcrEngine` over rapidocr-onnxruntime (PP-OCRv4, Chinese + Latin).

    Creating one loads three ONNX models (~0.2 s); make one per process and share it.
    Calls are serialised with a lock (onnxruntime already uses every core per call).

    Args:
        threads: onnxruntime intra-op threads (-1: all cores).
    """

    def __init__(self, threads: int = -1) -> None:
        from rapidocr_onnxruntime import RapidOCR  # lazy: onnxruntime is heavy

        self._engine: Any = RapidOCR(
            det_limit_type="max",  # never upscale small regions for detection
            det_limit_side_len=960,
            use_cls=False,  # screen text is never upside down
            intra_op_num_threads=threads,
        )
        self._lock = threading.Lock()

    def recognize(self, crops: Sequence[Image]) -> list[tuple[str, float]]:
        """Recognise one line per crop, in one batched run."""
        if not crops:
            return []
        with self._lock:
            results, _ = self._engine.text_rec(list(crops))
        return [(str(text), float(score)) for text, score, *_ in results]

    def detect(self, image: Image) -> list[TextLine]:
        """Detection + recognition over the whole image."""
        with self._lock:
            found, _ = self._engine(image, use_cls=False)
        lines = []
        for points, text, score in found or []:
            xs = [int(p[0]) for p in points]
            ys = [int(p[1]) for p in points]
            lines.append(TextLine(str(text), Box(min(xs), min(ys), max(xs), max(ys)), float(score)))
        return lines


def create_engine(threads: int = -1) -> RapidOcrEngine:
    """Make the process's OCR engine (call once, pass it down)."""
    return RapidOcrEngine(threads)


# -- reading known boxes -------------------------------------------------------------


@dataclass
class _Segment:
    """A piece of a line: text to recognise (`crop`), or an unreadable colour glyph."""

    crop: Image | None
    gap_before: bool


@dataclass
class _Line:
    box: Box
    segments: list[_Segment]


def _mode_colour(pixels: Image) -> Image:
    flat = pixels.reshape(-1, 3)
    keys = (flat[:, 0].astype(np.int32) << 16) | (flat[:, 1].astype(np.int32) << 8) | flat[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    k = int(values[counts.argmax()])
    return np.array([(k >> 16) & 255, (k >> 8) & 255, k & 255], dtype=np.int32)


def _runs(flags: Image) -> list[tuple[int, int]]:
    """[start, end) of every run of True."""
    padded = np.concatenate(([False], flags.astype(bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _merge_bands(bands: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join bands that are pieces of one line (the two strokes of 二)."""
    if not bands:
        return bands
    tallest = max(b - a for a, b in bands)
    out = [bands[0]]
    for a, b in bands[1:]:
        pa, _ = out[-1]
        if b - pa <= 1.15 * tallest:
            out[-1] = (pa, b)
        else:
            out.append((a, b))
    return out


def _colour_mask(crop: Image, bg: Image, ink_mask: Image) -> Image:
    """Pixels of colour glyphs: ink far from the straight line between background and text.

    The text colour is the commonest ink colour: text is drawn in one colour, a colour
    glyph in many.
    """
    strong = ink_mask & (np.abs(crop.astype(np.int32) - bg).sum(axis=2) > 2 * INK)
    pixels = crop[strong] if strong.any() else crop[ink_mask]
    ink_colour = _mode_colour(pixels).astype(np.float32)
    a = bg.astype(np.float32)
    d = ink_colour - a
    norm = float(np.dot(d, d)) or 1.0
    px = crop.astype(np.float32) - a
    t = np.clip((px @ d) / norm, 0.0, 1.0)
    dist = np.linalg.norm(px - t[..., None] * d, axis=2)
    glyphs: Image = (dist > COLOUR_GLYPH) & ink_mask
    return glyphs


def _glyph_spans(band_ink: Image, band_colour: Image, h: int) -> list[tuple[int, int]]:
    """Column spans of the colour glyphs in one line: connected blobs of ink with colour."""
    if int(band_colour.sum()) < _COLOUR_MIN_PIXELS:
        return []
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        band_ink.astype(np.uint8), connectivity=8
    )
    coloured = np.bincount(labels[band_colour], minlength=count)
    spans = sorted(
        (int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_LEFT] + stats[i, 2]))
        for i in range(1, count)
        if coloured[i] >= _COLOUR_MIN_PIXELS // 2 or coloured[i] > 0.2 * stats[i, 4]
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a - merged[-1][1] <= max(1, h // 12):
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    # blobs inside a glyph's columns (its outline, a dark part) belong to it
    return [(a, b) for a, b in merged if b - a >= h // 3]


def _split_line(crop: Image, ink: Image, colour: Image, y0: int, y1: int) -> _Line | None:
    band_ink = ink[y0:y1]
    cols = np.flatnonzero(band_ink.any(axis=0))
    if cols.size == 0:
        return None
    h = y1 - y0
    glyphs = _glyph_spans(band_ink, colour[y0:y1], h)
    pad = max(2, h // 4)
    rows = (max(0, y0 - pad), min(crop.shape[0], y1 + pad))
    segments: list[_Segment] = []
    cursor = int(cols[0])
    end = int(cols[-1]) + 1
    last_end = cursor
    space = max(2, round(0.35 * h))
    for ga, gb in [*glyphs, (end, end)]:
        text_cols = np.flatnonzero(band_ink[:, cursor:ga].any(axis=0)) + cursor
        if text_cols.size:
            a, b = int(text_cols[0]), int(text_cols[-1]) + 1
            piece = crop[rows[0] : rows[1], max(0, a - pad) : min(crop.shape[1], b + pad)]
            segments.append(_Segment(piece, a - last_end >= space and bool(segments)))
            last_end = b
        if ga < gb:
            segments.append(_Segment(None, ga - last_end >= space and bool(segments)))
            last_end = gb
        cursor = max(cursor, gb)
    return _Line(Box(int(cols[0]), y0, end, y1), segments)


def _layout(crop: Image) -> list[_Line]:
    """The lines of text in a crop of a flat background, split around colour glyphs."""
    if crop.size == 0:
        return []
    bg = _mode_colour(crop)
    diff = np.abs(crop.astype(np.int32) - bg).sum(axis=2)
    ink = diff > INK
    if not ink.any():
        return []
    colour = _colour_mask(crop, bg, ink)
    bands = _merge_bands([(a, b) for a, b in _runs(ink.any(axis=1)) if b - a >= 2])
    lines = [_split_line(crop, ink, colour, a, b) for a, b in bands]
    return [line for line in lines if line is not None]


def _is_latin_edge(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in ",.!?;:)'\"%")


def _join(lines: list[str]) -> str:
    out = ""
    for line in lines:
        if out and line and _is_latin_edge(out[-1]) and line[0].isascii() and line[0].isalnum():
            out += " "
        out += line
    return out


def read_blocks(
    engine: OcrEngine, image: Image, boxes: Sequence[Box], *, inset: int = 0
) -> list[TextBlock]:
    """Read the text inside each box (a bubble, a pill, a badge), batched per screen.

    Args:
        engine: the process's OCR engine.
        image: the screenshot (BGR).
        boxes: boxes on a flat background colour, in screen pixels.
        inset: pixels to shave off every side first (rounded corners, bubble tails).
    """
    layouts: list[list[_Line]] = []
    for box in boxes:
        x0, y0 = max(0, box.x0 + inset), max(0, box.y0 + inset)
        x1, y1 = min(image.shape[1], box.x1 - inset), min(image.shape[0], box.y1 - inset)
        lines = _layout(image[y0:y1, x0:x1]) if x1 > x0 and y1 > y0 else []
        layouts.append(
            [
                _Line(
                    Box(ln.box.x0 + x0, ln.box.y0 + y0, ln.box.x1 + x0, ln.box.y1 + y0), ln.segments
                )
                for ln in lines
            ]
        )
    segments = [s for lines in layouts for ln in lines for s in ln.segments if s.crop is not None]
    read = engine.recognize([s.crop for s in segments if s.crop is not None])
    texts = {
        id(seg): (text.strip(), score) for seg, (text, score) in zip(segments, read, strict=True)
    }
    return [_block(lines, texts) for lines in layouts]


def _block(lines: list[_Line], texts: dict[int, tuple[str, float]]) -> TextBlock:
    read: list[TextLine] = []
    unreadable = 0
    for line in lines:
        text, confidences = "", []
        for seg in line.segments:
            piece = UNREADABLE
            if seg.crop is None:
                unreadable += 1
            else:
                piece, score = texts[id(seg)]
                if score < MIN_LINE_CONFIDENCE or not piece:
                    piece, unreadable = UNREADABLE, unreadable + 1
                else:
                    confidences.append(score)
            if text and seg.gap_before and not text.endswith(" "):
                text += " "
            text += piece
        read.append(TextLine(text, line.box, min(confidences, default=0.0)))
    confidence = min((ln.confidence for ln in read if ln.text.strip(UNREADABLE + " ")), default=0.0)
    if unreadable:
        confidence = min(confidence, UNREADABLE_CONFIDENCE)
    return TextBlock(_join([ln.text for ln in read]), tuple(read), round(confidence, 3), unreadable)


def read_lines(engine: OcrEngine, image: Image, region: Box | None = None) -> list[TextLine]:
    """Every text line in a region (detection + recognition), in screen pixels, top to bottom.

    Lines below `MIN_LINE_CONFIDENCE` are dropped.
    """
    x0, y0 = (region.x0, region.y0) if region else (0, 0)
    crop = image[region.y0 : region.y1, region.x0 : region.x1] if region else image
    found = engine.detect(np.ascontiguousarray(crop))
    lines = [
        TextLine(
            ln.text.strip(),
            Box(ln.box.x0 + x0, ln.box.y0 + y0, ln.box.x1 + x0, ln.box.y1 + y0),
            ln.confidence,
        )
        for ln in found
        if ln.confidence >= MIN_LINE_CONFIDENCE and ln.text.strip()
    ]
    lines.sort(key=lambda ln: (ln.box.y0, ln.box.x0))
    return lines


def upscale(image: Image, factor: float) -> Image:
    """A copy enlarged for reading small print (badge counts)."""
    h, w = image.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
