"""Settings for the whole suite.

pytest-xdist workers inherit ``COLUMNS=80`` / ``LINES=24``; rich consoles created at import
would then keep 80 columns even where a test asks for a wider terminal. Without them the
suite behaves the same in one process and in several.
"""

from __future__ import annotations

import os

for _name in ("COLUMNS", "LINES"):
    os.environ.pop(_name, None)
