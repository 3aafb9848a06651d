"""A sliding-window counter of (hits, total), for service levels.

The window is cut into ``buckets`` slices; adding and reading are O(1) amortised (a read
after a long quiet spell clears at most ``buckets`` slices). The window therefore covers
between ``window - window/buckets`` and ``window`` seconds: exact to one slice.
"""

from __future__ import annotations

__all__ = ["SlidingWindow"]


class SlidingWindow:
    """Counts of ``(hits, total)`` over the last ``window`` seconds."""

    __slots__ = ("_head", "_hits", "_n", "_sum_hits", "_sum_total", "_totals", "_width")

    def __init__(self, window: float, buckets: int = 30) -> None:
        self._n = buckets
        self._width = window / buckets
        self._hits = [0] * buckets
        self._totals = [0] * buckets
        self._head = 0  # absolute number of the newest slice
        self._sum_hits = 0
        self._sum_total = 0

    def _roll(self, now: float) -> int:
        slice_no = int(now // self._width)
        head = self._head
        if slice_no > head:
            n = self._n
            if slice_no - head >= n:
                self._hits = [0] * n
                self._totals = [0] * n
                self._sum_hits = self._sum_total = 0
            else:
                hits, totals = self._hits, self._totals
                for k in range(head + 1, slice_no + 1):
                    i = k % n
                    self._sum_hits -= hits[i]
                    self._sum_total -= totals[i]
                    hits[i] = totals[i] = 0
            self._head = slice_no
        return self._head % self._n

    def add(self, now: float, hit: bool) -> None:
        """Count one event at ``now`` (simulated seconds, never decreasing)."""
        i = self._roll(now)
        self._totals[i] += 1
        self._sum_total += 1
        if hit:
            self._hits[i] += 1
            self._sum_hits += 1

    def counts(self, now: float) -> tuple[int, int]:
        """``(hits, total)`` in the window ending at ``now``."""
        self._roll(now)
        return self._sum_hits, self._sum_total
