"""Tripwire: `import queue` must stay the standard library's module.

The repository keeps the job queue package in `queue/farm_queue/`. Should `queue/` (or
`tests/queue/`) ever gain an `__init__.py`, or land on `sys.path` as a package, it would
shadow the standard library's `queue`, which logging, concurrent.futures, urllib3 and
pytest plugins import, and break the process in confusing ways.
"""

from __future__ import annotations

import queue
import sysconfig
from pathlib import Path


def test_import_queue_is_the_standard_library() -> None:
    assert hasattr(queue, "Queue") and hasattr(queue, "SimpleQueue")
    assert queue.__file__ is not None
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    assert Path(queue.__file__).resolve().parent == stdlib, queue.__file__


def test_farm_queue_imports() -> None:
    import farm_queue

    assert farm_queue.__file__ is not None
    assert Path(farm_queue.__file__).resolve().parent.parent.name == "queue"
    assert issubclass(farm_queue.SqlJobStore, farm_queue.JobStore)


def test_the_queue_folders_are_not_packages() -> None:
    root = Path(__file__).resolve().parent.parent
    assert not (root / "queue" / "__init__.py").exists()
    assert not (root / "tests" / "queue" / "__init__.py").exists()
