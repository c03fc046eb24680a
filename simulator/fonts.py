"""Fonts for the virtual phone: discovery, fallback, measuring, drawing and wrapping.

Text is drawn with a CJK + Latin font (WenQuanYi Micro Hei or Noto Sans CJK). Emoji
clusters are drawn as colour glyphs from Noto Color Emoji, which Pillow only loads at
109 px: each cluster is rendered once at that size, scaled to the text size and cached.
Characters the main font lacks fall back to DejaVu Sans, so no text ends up as tofu.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

TEXT_FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
)
FALLBACK_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
)
EMOJI_FONT_PATHS = (
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/google-noto-emoji/NotoColorEmoji.ttf",
)
EMOJI_NATIVE_SIZE = 109  # the only size Pillow can load the CBDT emoji font at

# A line box is this many ems tall; the baseline sits `ASCENT` ems below its top.
LINE_HEIGHT = 1.3
ASCENT = 0.98

_CLOSING_PUNCTUATION = frozenset("，。！？、；：）》」』”’,.!?;:)]}%…")
_EMOJI_JOINERS = frozenset("\u200d\ufe0f\u20e3")


class FontNotFoundError(RuntimeError):
    """No usable font is installed."""


def find_font(candidates: tuple[str, ...], package: str) -> Path:
    """The first existing font file among `candidates`.

    Raises:
        FontNotFoundError: none exists; the message names the Debian package to install.
    """
    for path in candidates:
        if Path(path).is_file():
            return Path(path)
    raise FontNotFoundError(
        f"no font found (looked in {', '.join(candidates)}); install it with "
        f"`apt-get install {package}`"
    )


@dataclass(frozen=True)
class Segment:
    """A run of text drawn with one font: plain text, or a single emoji cluster."""

    text: str
    emoji: bool


def is_cjk(ch: str) -> bool:
    """True for ideographs, kana, hangul and CJK punctuation (lines may break around them)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x9FFF
        or 0xAC00 <= cp <= 0xD7AF
        or 0xF900 <= cp <= 0xFAFF
        or 0xFF00 <= cp <= 0xFFEF
        or 0x20000 <= cp <= 0x3FFFF
    )


def _emoji_presentation(cp: int) -> bool:
    return (
        0x1F000 <= cp <= 0x1FAFF
        or 0x1F1E6 <= cp <= 0x1F1FF
        or cp in (0x231A, 0x231B, 0x23F0, 0x23F3, 0x2B50, 0x2B55, 0x2705, 0x274C, 0x2728)
        or 0x2614 <= cp <= 0x2615
        or 0x2648 <= cp <= 0x2653
        or 0x26A1 <= cp <= 0x26AB
        or 0x26BD <= cp <= 0x26C5
    )


class FontBook:
    """Loaded fonts and glyph caches for one or more phones.

    Args:
        text_font: path of the main CJK + Latin font; found automatically when None.
        emoji_font: path of the colour emoji font; found automatically when None.

    Raises:
        FontNotFoundError: the main font is missing.
    """

    def __init__(self, text_font: Path | None = None, emoji_font: Path | None = None) -> None:
        self._text_path = text_font or find_font(TEXT_FONT_PATHS, "fonts-wqy-microhei")
        self._fallback_path: Path | None = next(
            (Path(p) for p in FALLBACK_FONT_PATHS if Path(p).is_file()), None
        )
        self._emoji_path: Path | None = emoji_font or next(
            (Path(p) for p in EMOJI_FONT_PATHS if Path(p).is_file()), None
        )
        self._fonts: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
        self._has_glyph: dict[tuple[str, str], bool] = {}
        self._notdef: dict[str, bytes] = {}
        self._emoji_font: ImageFont.FreeTypeFont | None = None
        self._emoji_glyphs: dict[tuple[str, int], Image.Image] = {}
        self._segments: dict[str, tuple[Segment, ...]] = {}

    # -- fonts -------------------------------------------------------------------------

    def font(self, size: int, fallback: bool = False) -> ImageFont.FreeTypeFont:
        """The main (or fallback) font at `size` pixels."""
        path = self._fallback_path if fallback and self._fallback_path else self._text_path
        key = (str(path), size)
        font = self._fonts.get(key)
        if font is None:
            font = ImageFont.truetype(str(path), max(size, 1), layout_engine=ImageFont.Layout.BASIC)
            self._fonts[key] = font
        return font

    def line_height(self, size: int) -> int:
        """Height in pixels of one line of text at `size`."""
        return math.ceil(size * LINE_HEIGHT)

    def _covers(self, which: str, ch: str) -> bool:
        key = (which, ch)
        known = self._has_glyph.get(key)
        if known is None:
            font = self.font(32, fallback=which == "fallback")
            notdef = self._notdef.get(which)
            if notdef is None:
                notdef = _mask_signature(font, "\U0010fffd")
                self._notdef[which] = notdef
            known = _mask_signature(font, ch) != notdef
            self._has_glyph[key] = known
        return known

    # -- segmentation ------------------------------------------------------------------

    def segments(self, text: str) -> tuple[Segment, ...]:
        """Split `text` into plain runs and emoji clusters (each drawn with its own font)."""
        cached = self._segments.get(text)
        if cached is not None:
            return cached
        out: list[Segment] = []
        plain: list[str] = []
        i = 0
        n = len(text)
        while i < n:
            end = self._emoji_cluster_end(text, i)
            if end > i:
                if plain:
                    out.append(Segment("".join(plain), emoji=False))
                    plain = []
                out.append(Segment(text[i:end], emoji=True))
                i = end
            else:
                if text[i] != "\ufe0f":
                    plain.append(text[i])
                i += 1
        if plain:
            out.append(Segment("".join(plain), emoji=False))
        result = tuple(out)
        if len(self._segments) < 4096:
            self._segments[text] = result
        return result

    def _emoji_cluster_end(self, text: str, i: int) -> int:
        """End index of the emoji cluster starting at `i`, or `i` when none starts there."""
        if self._emoji_path is None:
            return i
        ch = text[i]
        cp = ord(ch)
        nxt = text[i + 1] if i + 1 < len(text) else ""
        keycap = ch in "0123456789#*" and "\u20e3" in text[i + 1 : i + 3]
        starts = (
            _emoji_presentation(cp)
            or keycap
            or (nxt == "\ufe0f" and not ch.isspace())
            or (cp > 0x2000 and not is_cjk(ch) and not self._covers("text", ch) and cp >= 0x2600)
        )
        if not starts:
            return i
        j = i + 1
        if 0x1F1E6 <= cp <= 0x1F1FF and j < len(text) and 0x1F1E6 <= ord(text[j]) <= 0x1F1FF:
            return j + 1  # a flag: two regional indicators
        while j < len(text):
            c = text[j]
            if c in _EMOJI_JOINERS or 0x1F3FB <= ord(c) <= 0x1F3FF or 0xE0020 <= ord(c) <= 0xE007F:
                j += 1
                if c == "\u200d" and j < len(text):
                    j += 1  # the joined emoji
            else:
                break
        return j

    # -- measuring ---------------------------------------------------------------------

    def measure(self, text: str, size: int, bold: bool = False) -> int:
        """Advance width in pixels of a single line of `text`."""
        width = 0.0
        for seg in self.segments(text):
            if seg.emoji:
                width += self._emoji_advance(seg.text, size)
            else:
                width += self._plain_width(seg.text, size)
        if bold and text:
            width += 2 * _stroke(size)
        return math.ceil(width)

    def _plain_width(self, text: str, size: int) -> float:
        total = 0.0
        for run, fallback in self._font_runs(text):
            total += self.font(size, fallback).getlength(run)
        return total

    def _font_runs(self, text: str) -> list[tuple[str, bool]]:
        """Split plain text into runs for the main font and for the fallback font."""
        if self._fallback_path is None or text.isascii():
            return [(text, False)]
        runs: list[tuple[str, bool]] = []
        for ch in text:
            fb = not ch.isspace() and not self._covers("text", ch) and self._covers("fallback", ch)
            if runs and runs[-1][1] == fb:
                runs[-1] = (runs[-1][0] + ch, fb)
            else:
                runs.append((ch, fb))
        return runs

    def _emoji_advance(self, cluster: str, size: int) -> float:
        font = self._emoji()
        return font.getlength(cluster) * size / EMOJI_NATIVE_SIZE * 0.92

    # -- drawing -----------------------------------------------------------------------

    def draw(
        self,
        image: Image.Image,
        xy: tuple[int, int],
        text: str,
        size: int,
        fill: tuple[int, int, int] | tuple[int, int, int, int],
        bold: bool = False,
    ) -> int:
        """Draw one line of `text` with its line box's top-left corner at `xy`.

        Returns:
            The advance width drawn, in pixels.
        """
        draw = ImageDraw.Draw(image)
        x = float(xy[0])
        baseline = xy[1] + round(size * ASCENT)
        stroke = _stroke(size) if bold else 0
        for seg in self.segments(text):
            if seg.emoji:
                glyph = self.emoji_glyph(seg.text, size)
                top = baseline - round(size * 0.9)
                image.paste(glyph, (round(x), top), glyph)
                x += self._emoji_advance(seg.text, size)
                continue
            for run, fallback in self._font_runs(seg.text):
                font = self.font(size, fallback)
                draw.text(
                    (x + stroke, baseline),
                    run,
                    font=font,
                    fill=fill,
                    anchor="ls",
                    stroke_width=stroke,
                    stroke_fill=fill if stroke else None,
                )
                x += font.getlength(run)
        return math.ceil(x - xy[0] + 2 * stroke)

    def _emoji(self) -> ImageFont.FreeTypeFont:
        if self._emoji_font is None:
            if self._emoji_path is None:
                raise FontNotFoundError(
                    "no colour emoji font; install it with `apt-get install fonts-noto-color-emoji`"
                )
            self._emoji_font = ImageFont.truetype(
                str(self._emoji_path), EMOJI_NATIVE_SIZE, layout_engine=ImageFont.Layout.RAQM
            )
        return self._emoji_font

    def emoji_glyph(self, cluster: str, size: int) -> Image.Image:
        """An RGBA image of one emoji cluster scaled to text `size` (cached)."""
        key = (cluster, size)
        glyph = self._emoji_glyphs.get(key)
        if glyph is None:
            font = self._emoji()
            ascent, descent = font.getmetrics()
            big = Image.new("RGBA", (math.ceil(font.getlength(cluster)) + 2, ascent + descent))
            ImageDraw.Draw(big).text(
                (0, ascent), cluster, font=font, anchor="ls", embedded_color=True
            )
            target = size * 1.05  # emoji sit a little taller than ideographs
            scale = target / (ascent + descent)
            glyph = big.resize(
                (max(1, round(big.width * scale)), max(1, round(target))),
                Image.Resampling.LANCZOS,
            )
            self._emoji_glyphs[key] = glyph
        return glyph

    # -- wrapping ----------------------------------------------------------------------

    def wrap(self, text: str, size: int, max_width: int, bold: bool = False) -> list[str]:
        """Break `text` into lines no wider than `max_width`.

        CJK text breaks between any two characters (never before closing punctuation),
        Latin text between words; a word longer than a line is broken by character.
        """
        lines: list[str] = []
        for paragraph in text.split("\n"):
            lines.extend(self._wrap_paragraph(paragraph, size, max_width, bold))
        return lines

    def _wrap_paragraph(self, text: str, size: int, max_width: int, bold: bool) -> list[str]:
        lines: list[str] = []
        line = ""
        for token in self._tokens(text):
            if token.isspace():
                line += token if line else ""
                continue
            if self.measure(line + token, size, bold) <= max_width:
                line += token
                continue
            if line.strip():
                lines.append(line.rstrip())
            if self.measure(token, size, bold) <= max_width:
                line = token
            else:
                parts = self._break_chars(token, size, max_width, bold)
                lines.extend(parts[:-1])
                line = parts[-1]
        lines.append(line.rstrip())
        return lines

    def _break_chars(self, word: str, size: int, max_width: int, bold: bool) -> list[str]:
        parts: list[str] = []
        current = ""
        for seg in self._clusters(word):
            if current and self.measure(current + seg, size, bold) > max_width:
                parts.append(current)
                current = seg
            else:
                current += seg
        parts.append(current)
        return parts

    def _clusters(self, text: str) -> list[str]:
        out: list[str] = []
        for seg in self.segments(text):
            out.extend([seg.text] if seg.emoji else list(seg.text))
        return out

    def _tokens(self, text: str) -> list[str]:
        """Unbreakable pieces: a Latin word, a space run, one CJK character, one emoji."""
        tokens: list[str] = []
        word = ""
        for piece in self._clusters(text):
            if piece in _CLOSING_PUNCTUATION and (word or tokens):
                if word:
                    word += piece
                else:
                    tokens[-1] += piece
                continue
            single = len(piece) > 1 or is_cjk(piece) or piece.isspace()
            if single:
                if word:
                    tokens.append(word)
                    word = ""
                if piece.isspace() and tokens and tokens[-1].isspace():
                    tokens[-1] += piece
                else:
                    tokens.append(piece)
            else:
                word += piece
        if word:
            tokens.append(word)
        return tokens

    def ellipsize(self, text: str, size: int, max_width: int, bold: bool = False) -> str:
        """`text` on one line, cut with "…" when it is wider than `max_width`."""
        flat = text.replace("\n", " ")
        if self.measure(flat, size, bold) <= max_width:
            return flat
        pieces = self._clusters(flat)
        lo, hi = 0, len(pieces)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.measure("".join(pieces[:mid]) + "…", size, bold) <= max_width:
                lo = mid
            else:
                hi = mid - 1
        return "".join(pieces[:lo]).rstrip() + "…"


def _stroke(size: int) -> int:
    """Stroke width used to embolden text (the CJK font has no bold face)."""
    return max(1, round(size / 48))


def _mask_signature(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    mask = font.getmask(ch)
    return repr(mask.size).encode() + bytes(mask)
