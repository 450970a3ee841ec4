"""Salted password hashes with a bcrypt-like cost, computed off the event loop.

The real server stores bcrypt hashes at cost 10, about 70 ms of CPU each; that cost is
what limits bulk password rotation. Here PBKDF2-HMAC-SHA256 from the standard library
stands in for bcrypt with the same knob: each step of ``cost`` doubles the work, and
cost 10 takes roughly as long as bcrypt's default on one core. Tests use cost 4 (about
a millisecond). Hashing runs in a worker thread (hashlib releases the GIL), optionally
limited to a number of concurrent hashes to model the server's cores.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from typing import Final

__all__ = [
    "BCRYPT_DEFAULT_COST",
    "FAST_HASH_COST",
    "MAX_HASH_COST",
    "MIN_HASH_COST",
    "PasswordHasher",
]

#: ``bcrypt.DefaultCost``, what InfluxDB uses: about 70 ms a hash.
BCRYPT_DEFAULT_COST: Final = 10
#: bcrypt's minimum cost: about a millisecond; what test fixtures use.
FAST_HASH_COST: Final = 4
MIN_HASH_COST: Final = 4
MAX_HASH_COST: Final = 20

_SCHEME: Final = "pbkdf2-sha256"
# PBKDF2 iterations per unit of 2**cost, chosen so cost 10 costs about what bcrypt's does.
_ITERATIONS_PER_UNIT: Final = 128
_SALT_BYTES: Final = 16


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class PasswordHasher:
    """Hash and verify passwords at a fixed cost; the stored form carries its own cost.

    ``max_concurrency`` bounds how many hashes run at once (``None``: the default thread
    pool's limit), so a benchmark can model a server with that many cores.
    """

    def __init__(self, cost: int = BCRYPT_DEFAULT_COST, max_concurrency: int | None = None) -> None:
        if not MIN_HASH_COST <= cost <= MAX_HASH_COST:
            msg = f"hash cost must be between {MIN_HASH_COST} and {MAX_HASH_COST}, got {cost}"
            raise ValueError(msg)
        if max_concurrency is not None and max_concurrency < 1:
            msg = "max_concurrency must be at least 1"
            raise ValueError(msg)
        self.cost = cost
        self._limit = asyncio.Semaphore(max_concurrency) if max_concurrency else None

    def __repr__(self) -> str:
        return f"PasswordHasher(cost={self.cost})"

    @property
    def iterations(self) -> int:
        """PBKDF2 iterations for one hash at this cost."""
        return _ITERATIONS_PER_UNIT << self.cost

    def hash_sync(self, password: str) -> str:
        """Hash ``password`` with a fresh salt; blocks for the whole cost."""
        salt = secrets.token_bytes(_SALT_BYTES)
        iterations = self.iterations
        digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
        return f"${_SCHEME}$i={iterations}${_b64(salt)}${_b64(digest)}"

    @staticmethod
    def verify_sync(password: str, encoded: str) -> bool:
        """Whether ``password`` matches ``encoded``; blocks for the cost ``encoded`` was made at."""
        try:
            _, scheme, rounds, salt, digest = encoded.split("$")
            if scheme != _SCHEME or not rounds.startswith("i="):
                return False
            iterations = int(rounds[2:])
            expected = base64.b64decode(digest)
            candidate = hashlib.pbkdf2_hmac(
                "sha256", password.encode("utf-8"), base64.b64decode(salt), iterations
            )
        except ValueError:
            return False
        return hmac.compare_digest(candidate, expected)

    async def hash(self, password: str) -> str:
        """:meth:`hash_sync` in a worker thread, so the event loop keeps serving."""
        if self._limit is None:
            return await asyncio.to_thread(self.hash_sync, password)
        async with self._limit:
            return await asyncio.to_thread(self.hash_sync, password)

    async def verify(self, password: str, encoded: str) -> bool:
        """:meth:`verify_sync` in a worker thread."""
        if self._limit is None:
            return await asyncio.to_thread(self.verify_sync, password, encoded)
        async with self._limit:
            return await asyncio.to_thread(self.verify_sync, password, encoded)
