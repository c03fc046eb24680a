"""User names as compared: one key per name, whatever its case or Unicode form.

``Émilie``, ``émilie``, ``ÉMILIE`` and ``E`` + combining acute + ``milie`` are one user;
so are full-width ``ｍｅｉ`` and ``mei``. The key is Unicode NFKC, casefolded, NFKC again
(casefolding can undo a normal form), computed in Python so that SQLite and PostgreSQL
compare the same strings (SQLite's ``lower()`` folds ASCII only). The name as typed is
kept for display (`UserRecord.username`); `UserRecord.username_key` is unique.
"""

from __future__ import annotations

import unicodedata

KEY_MAX_LENGTH = 255
"""The key column's length (a 100-character name can grow under NFKC)."""


def name_key(username: str) -> str:
    """The key `username` is stored, found and rate-limited under."""
    folded = unicodedata.normalize("NFKC", username.strip()).casefold()
    return unicodedata.normalize("NFKC", folded)
