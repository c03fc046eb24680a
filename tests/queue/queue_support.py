"""Helpers shared by the queue tests.

`tests/queue/` has no `__init__.py` on purpose: as a package it would be importable as
`queue` and shadow the standard library. pytest puts this folder on `sys.path`, so the
tests import this module by its (unique) name. The fake clock is `tests.helpers.clock`.
"""

from __future__ import annotations

from collections.abc import Callable

from farm_queue import JobStore

StoreFactory = Callable[[], JobStore]
"""Opens another store on the same storage, as a restarted process would."""
