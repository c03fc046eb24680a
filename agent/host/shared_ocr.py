"""`LazyOcrEngine`: the one OCR engine of an agent process, loaded when first needed.

Loading the OCR models (onnxruntime and three ONNX files) takes a noticeable moment and
memory, and a farm whose app shows chat text in the accessibility hierarchy never needs
them. So the agent hands every chat flow the same lazy engine: the real engine
(`agent.vision.ocr.create_engine`) is made on the first `recognize`/`detect` call, once,
whichever worker thread asks first, and shared by all of them afterwards.

    ocr = process_ocr()                    # cheap: nothing is loaded yet
    FlowRunner(device, app, ocr=ocr)       # loads the models if a flow really reads by OCR
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from agent.vision.ocr import OcrEngine, TextLine, create_engine
from agent.vision.template import Image


class LazyOcrEngine:
    """An `OcrEngine` that makes the real one on first use (thread-safe).

    Args:
        threads: onnxruntime intra-op threads of the real engine (-1: every core).
        factory: makes the real engine (`create_engine` by default; tests pass fakes).
    """

    def __init__(
        self, threads: int = -1, factory: Callable[[int], OcrEngine] = create_engine
    ) -> None:
        self.threads = threads
        self._factory = factory
        self._engine: OcrEngine | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Has the real engine been made?"""
        return self._engine is not None

    def engine(self) -> OcrEngine:
        """The real engine, made now if this is the first call."""
        engine = self._engine
        if engine is None:
            with self._lock:
                engine = self._engine
                if engine is None:
                    engine = self._factory(self.threads)
                    self._engine = engine
        return engine

    def recognize(self, crops: Sequence[Image]) -> list[tuple[str, float]]:
        """See `OcrEngine.recognize`."""
        return self.engine().recognize(crops)

    def detect(self, image: Image) -> list[TextLine]:
        """See `OcrEngine.detect`."""
        return self.engine().detect(image)


_process_engine: LazyOcrEngine | None = None
_process_lock = threading.Lock()


def process_ocr(threads: int = -1) -> LazyOcrEngine:
    """The process's shared lazy engine (`threads` counts only on the first call)."""
    global _process_engine
    with _process_lock:
        if _process_engine is None:
            _process_engine = LazyOcrEngine(threads)
        return _process_engine
