"""Fixed-window request budgets (``org.app.user.rate.per.minute``) on the emulator clock."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RateLimiter", "RateVerdict"]


@dataclass(frozen=True, slots=True)
class RateVerdict:
    """One request's accounting: what the ``inin-ratelimit-*`` headers say."""

    count: int
    allowed: int
    reset: float  # seconds until the window starts again
    exceeded: bool

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait (``Retry-After``), at least 1."""
        return max(1, math.ceil(self.reset))

    def headers(self) -> dict[str, str]:
        """The ``inin-ratelimit-count/allowed/reset`` headers."""
        return {
            "inin-ratelimit-count": str(self.count),
            "inin-ratelimit-allowed": str(self.allowed),
            "inin-ratelimit-reset": str(self.retry_after),
        }


class RateLimiter:
    """``allowed`` requests per ``window`` seconds per key; both read at use time so the
    admin API can change them while the emulator runs."""

    def __init__(
        self,
        allowed: Callable[[], int],
        window: Callable[[], float],
        clock: Callable[[], float],
    ) -> None:
        self._allowed = allowed
        self._window = window
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # key -> (window start, count)

    def hit(self, key: str, allowed: int | None = None) -> RateVerdict:
        """Count one request for ``key`` (``allowed`` overrides the budget for this key)."""
        return self._account(key, 1, allowed)

    def peek(self, key: str, allowed: int | None = None) -> RateVerdict:
        """The current accounting for ``key`` without counting."""
        return self._account(key, 0, allowed)

    def clear(self) -> None:
        """Forget every window (emulator reset)."""
        self._windows.clear()

    def _account(self, key: str, cost: int, allowed: int | None) -> RateVerdict:
        now, window = self._clock(), self._window()
        if allowed is None:
            allowed = self._allowed()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= window or now < start:
            start, count = now, 0
        count += cost
        if cost:
            self._windows[key] = (start, count)
            if len(self._windows) > 10_000:
                self._prune(now, window)
        return RateVerdict(count, allowed, window - (now - start), count > allowed)

    def _prune(self, now: float, window: float) -> None:
        for key, (start, _) in list(self._windows.items()):
            if now - start >= window:
                del self._windows[key]
