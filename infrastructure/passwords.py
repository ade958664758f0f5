"""Argon2id password hashes (argon2-cffi's defaults follow RFC 9106)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    def __init__(self, time_cost: int | None = None, memory_cost: int | None = None) -> None:
        options = {k: v for k, v in (("time_cost", time_cost), ("memory_cost", memory_cost)) if v}
        self._hasher = PasswordHasher(**options)
        self._dummy = self._hasher.hash("relais-dummy-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def dummy_verify(self) -> None:
        self.verify(self._dummy, "not-the-password")
