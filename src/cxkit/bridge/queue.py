"""A bounded in-memory queue of envelopes: producers wait when it is full (backpressure).

Bounded both in events (``max_events``) and in bytes (``max_bytes``, the envelopes' encoded
size), so a burst of large events cannot grow memory past the bound. One consumer takes
batches (:meth:`EnvelopeQueue.get_batch`) with a short linger, so a trickle of events goes out
at once and a burst goes out in full batches.

:meth:`EnvelopeQueue.fail` wakes every waiting producer with an error: once the bridge cannot
take events any more (its spool is full), producers get that error instead of waiting forever.
"""

from __future__ import annotations

import asyncio
from collections import deque

from cxkit.bridge.envelope import Envelope
from cxkit.errors import ConfigError

__all__ = ["EnvelopeQueue"]


class EnvelopeQueue:
    """A FIFO of envelopes bounded in count and bytes (see the module docs)."""

    def __init__(self, max_events: int = 10_000, max_bytes: int = 64 * 1024 * 1024) -> None:
        for key, value in (("queue_size", max_events), ("queue_bytes", max_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError.bad_value(f"bridge.{key}", value, "an integer >= 1")
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._items: deque[Envelope] = deque()
        self._bytes = 0
        self._space = asyncio.Event()
        self._space.set()
        self._ready = asyncio.Event()
        self._filled = asyncio.Event()
        self._want = 0  # a lingering consumer wants this many items
        self._error: BaseException | None = None

    def __len__(self) -> int:
        return len(self._items)

    @property
    def nbytes(self) -> int:
        """Bytes held."""
        return self._bytes

    def _full(self, size: int) -> bool:
        # an event larger than max_bytes still goes in when the queue is empty (never stuck)
        return bool(self._items) and (
            len(self._items) >= self.max_events or self._bytes + size > self.max_bytes
        )

    async def put(self, envelope: Envelope) -> None:
        """Add an envelope, waiting while the queue is full; raise the failure if failed."""
        size = envelope.size
        while True:
            if self._error is not None:
                raise self._error
            if not self._full(size):
                break
            self._space.clear()
            await self._space.wait()
        self._items.append(envelope)
        self._bytes += size
        self._ready.set()
        if self._want and len(self._items) >= self._want:
            self._filled.set()

    def put_nowait(self, envelope: Envelope) -> bool:
        """Add an envelope if there is room; False when full."""
        if self._error is not None:
            raise self._error
        size = envelope.size
        if self._full(size):
            return False
        self._items.append(envelope)
        self._bytes += size
        self._ready.set()
        if self._want and len(self._items) >= self._want:
            self._filled.set()
        return True

    def take(self, max_items: int) -> list[Envelope]:
        """Up to ``max_items`` envelopes, without waiting (maybe none)."""
        out: list[Envelope] = []
        items = self._items
        while items and len(out) < max_items:
            envelope = items.popleft()
            self._bytes -= envelope.size
            out.append(envelope)
        if not items:
            self._ready.clear()
        if out:
            self._space.set()
        return out

    async def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the queue holds something (True) or ``timeout`` passes (False)."""
        if self._items:
            return True
        # a kick() nobody was waiting for must not make every later wait return at once
        self._ready.clear()
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return bool(self._items)

    async def get_batch(self, max_items: int, linger: float) -> list[Envelope]:
        """Wait for one envelope, then up to ``linger`` seconds for the batch to fill."""
        await self.wait_ready()
        if len(self._items) < max_items and linger > 0 and self._error is None:
            # producers set _filled once max_items are queued: one wake-up per batch
            self._want = max_items
            self._filled.clear()
            try:
                await asyncio.wait_for(self._filled.wait(), linger)
            except TimeoutError:
                pass
            finally:
                self._want = 0
        return self.take(max_items)

    def kick(self) -> None:
        """Wake a consumer waiting in :meth:`wait_ready` / :meth:`get_batch` (e.g. to stop)."""
        self._ready.set()
        self._filled.set()

    def fail(self, error: BaseException) -> None:
        """From now on, producers get ``error``; waiting producers wake with it."""
        self._error = error
        self._space.set()
        self._filled.set()
