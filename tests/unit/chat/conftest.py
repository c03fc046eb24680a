"""Fixtures for the chat-reading tests: the simchat profile and one OCR engine per session."""

from __future__ import annotations

import pytest

from agent.vision.ocr import OcrEngine, create_engine


@pytest.fixture(scope="session")
def ocr() -> OcrEngine:
    """The OCR engine, made once like an agent process makes it."""
    return create_engine()
