"""The gallery script renders every scene in both looks."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from simulator.gallery import SCENES, main


def test_gallery_writes_every_scene(tmp_path: Path) -> None:
    main([str(tmp_path), "--size", "360x800@160"])  # small: this is about coverage
    for look in ("light-zh-CN", "dark-en"):
        written = sorted(p.stem for p in (tmp_path / look).glob("*.png"))
        assert written == sorted(SCENES)
        with Image.open(tmp_path / f"sheet-{look}.png") as sheet:
            assert sheet.width > 1000
