"""Deterministic id generators (seedable), so tests can assert ids and route keys."""

from __future__ import annotations

import random
import string

__all__ = ["IdGenerator"]

_ALNUM = string.ascii_letters + string.digits


class IdGenerator:
    """Every generated identifier of the emulator, from one seeded random source."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self._counter = 0

    def _hex(self, n: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def token_id(self) -> str:
        """A uuid-shaped token id, e.g. ``8da2a97a-3c4d-11e9-a2f1-005056a7f388``."""
        return "-".join(self._hex(n) for n in (8, 4, 4, 4, 12))

    def session_id(self) -> str:
        """64 lowercase hex digits, as Five9's ``sessionId``."""
        return self._hex(64)

    def call_id(self) -> str:
        """32 uppercase hex digits, as Five9's call ids."""
        return self._hex(32).upper()

    def route_key(self, prefix: str, kind: str) -> str:
        """``{DC}{UI|API|LGN}{random}``, e.g. ``ATLAPIah1F``."""
        size = max(4, 10 - len(prefix) - len(kind))  # ATLUIQ8rCg, ATLAPIah1F, ATLLGNPOE9
        return prefix + kind + "".join(self._rng.choice(_ALNUM) for _ in range(size))

    def cookie_value(self) -> str:
        """An opaque load-balancer cookie value."""
        return self._hex(24)

    def next_number(self) -> int:
        """A process-wide increasing number (message ids, view ids, recording ids)."""
        self._counter += 1
        return self._counter
