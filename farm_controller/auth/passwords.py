"""Password hashes: argon2id (RFC 9106 low-memory profile by default).

Hashes carry their own parameters, so lowering the cost in the settings (tests do) only
affects new hashes, and a sign-in re-hashes a password whose parameters are out of date.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


class Passwords:
    """Hashes and checks passwords with one set of argon2id parameters.

    Args:
        memory_kib: Memory cost per hash.
        time_cost: Passes over the memory.
    """

    def __init__(self, memory_kib: int = 65_536, time_cost: int = 3) -> None:
        parallelism = max(1, min(4, memory_kib // 8))
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """The argon2id hash of `password`."""
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when `password` matches the stored hash (False for no hash at all).

        Without a hash (an unknown user name) a dummy hash is checked, so a refusal takes
        as long either way.
        """
        if stored is None and self._dummy is None:
            self._dummy = self._hasher.hash("not a password of anyone")
        try:
            return self._hasher.verify(stored or self._dummy or "", password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when `stored` was made with other parameters than the current ones."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True


def password_problem(password: str, username: str) -> str | None:
    """Why `password` is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    if password.strip().lower() == username.strip().lower():
        return "the password cannot be the user name"
    return None
