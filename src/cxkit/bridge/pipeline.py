"""The bridge: events in, batches out to a sink, at least once, in order.

.. code-block:: python

    from cxkit.bridge import Bridge, RedisStreamSink, Spool

    sink = RedisStreamSink("redis://127.0.0.1:6379/0")
    async with Bridge(sink, spool=Spool("/var/lib/cxkit/spool")) as bridge:
        async for event in stream:
            await bridge.publish(event)      # waits while the queue is full

How an event travels:

1. :meth:`Bridge.publish` filters it (:class:`~cxkit.bridge.filters.EventFilter`), wraps it
   in an :class:`~cxkit.bridge.envelope.Envelope` with its stable id and puts it in a bounded
   queue (:class:`~cxkit.bridge.queue.EnvelopeQueue`): when the queue is full the producer
   waits (backpressure reaches the vendor socket, which is then simply read later).
2. One writer task takes batches (up to ``batch_size``, lingering ``linger`` seconds for a
   batch to fill) and sends them to the sink.
3. When the sink fails, the batch (less the prefix the sink acknowledged) goes to the
   :class:`~cxkit.bridge.spool.Spool`, and so does every newer event while the spool is not
   empty. The writer retries the sink with backoff (``retry``); once it answers, the spool
   drains oldest first and is acknowledged batch by batch, and only when it is empty do new
   events go straight to the sink again. One writer and one FIFO path mean events keep their
   order (for every key, and overall).
4. When the spool is full, :class:`~cxkit.bridge.errors.SpoolFullError` is raised to
   producers (and kept in :attr:`Bridge.error`); the envelopes the bridge still held in memory
   are available from :meth:`Bridge.unsaved`, never dropped silently.

Without a spool, a failing batch is retried in memory with backoff and producers wait once
the queue is full. At close, what is still in memory goes to the spool (sent at the next
start); without a spool it is reported as unsaved.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from cxkit.bridge.envelope import Envelope, EventIds
from cxkit.bridge.errors import BridgeError, SinkUnavailable, SpoolFullError
from cxkit.bridge.filters import EventFilter
from cxkit.bridge.queue import EnvelopeQueue
from cxkit.bridge.sinks.base import Sink
from cxkit.bridge.spool import Spool
from cxkit.config import ReconnectPolicy
from cxkit.core.retry import reconnect_delay
from cxkit.errors import ConfigError, UsageError
from cxkit.events import BaseEvent, UnifiedEvent

__all__ = ["BRIDGE_RETRY", "RETRY_AFTER_CAP", "Bridge", "BridgeStats"]

logger = logging.getLogger("cxkit.bridge")
T = TypeVar("T")

BRIDGE_RETRY: Final = ReconnectPolicy(min_wait=0.2, max_wait=10.0, max_attempts=0, reset_after=0)
"""Default backoff between attempts to reach a failed sink (forever, 0.2 s to 10 s)."""

RETRY_AFTER_CAP: Final = 300.0
"""The longest wait a destination's own hint (a webhook's ``Retry-After``) can impose before
the next attempt, in seconds; events spool meanwhile, so a long hint never stalls the source."""


@dataclass(slots=True)
class BridgeStats:
    """Counters of one bridge (since it started)."""

    published: int = 0  # accepted by publish()
    filtered: int = 0  # left out by the filter
    delivered: int = 0  # acknowledged by the sink (direct + drained)
    spooled: int = 0  # written to the spool
    drained: int = 0  # delivered from the spool
    batches: int = 0  # successful sends
    failures: int = 0  # failed sends
    spool_peak: int = 0  # most events waiting in the spool at once
    last_error: str | None = None


class Bridge:
    """Carry unified events to a :class:`~cxkit.bridge.sinks.base.Sink` (see module docs).

    Args:
        sink: where events go.
        spool: the durable overflow (None: retry in memory, producers wait).
        filter: which events to carry (default: all).
        queue_size, queue_bytes: bounds of the in-memory queue (events, bytes).
        batch_size: most events per send.
        linger: seconds to wait for a batch to fill once an event is there.
        retry: backoff between attempts to reach a failed sink.
        ids: the id assigner (shared by bridges that must agree on ids).
        rand: random source for the backoff jitter.
        clock: monotonic seconds, for the retry schedule (injectable for tests).
        send_timeout: seconds one send may take before it counts as failed (None: no
            bound); the sinks' own timeouts (socket, acks, HTTP retries) normally come first.
    """

    def __init__(
        self,
        sink: Sink,
        *,
        spool: Spool | None = None,
        filter: EventFilter | None = None,
        queue_size: int = 10_000,
        queue_bytes: int = 64 * 1024 * 1024,
        batch_size: int = 500,
        linger: float = 0.005,
        retry: ReconnectPolicy = BRIDGE_RETRY,
        ids: EventIds | None = None,
        rand: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        send_timeout: float | None = 120.0,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError.bad_value("bridge.batch_size", batch_size, "an integer >= 1")
        if isinstance(linger, bool) or not isinstance(linger, (int, float)) or linger < 0:
            raise ConfigError.bad_value("bridge.linger", linger, "seconds >= 0")
        if send_timeout is not None and (
            isinstance(send_timeout, bool)
            or not isinstance(send_timeout, (int, float))
            or not send_timeout > 0
        ):
            raise ConfigError.bad_value("bridge.send_timeout", send_timeout, "seconds > 0 or None")
        self.sink = sink
        self.spool = spool
        self.filter = filter or EventFilter()
        self.batch_size = batch_size
        self.linger = float(linger)
        self.retry = retry
        self.send_timeout = None if send_timeout is None else float(send_timeout)
        self.ids = ids or EventIds()
        self.stats = BridgeStats()
        self._rand = rand
        self._clock = clock
        self._retry_wake = asyncio.Event()
        self._queue = EnvelopeQueue(queue_size, queue_bytes)
        self._held: list[Envelope] = []
        self._spooling: list[Envelope] = []  # an append in flight
        self._spool_op: asyncio.Future[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._error: BridgeError | None = None
        self._unsaved: list[Envelope] = []
        self._idle = asyncio.Event()
        self._idle.set()
        self._progress = asyncio.Event()
        self._sink_up = True
        self._attempt = 0
        self._next_try = 0.0
        self._down_since: float | None = None

    def __repr__(self) -> str:
        return f"Bridge(sink={self.sink!r}, spool={self.spool!r})"

    # ------------------------------------------------------------------ properties

    @property
    def error(self) -> BridgeError | None:
        """The error that stopped the bridge (a full spool), if any."""
        return self._error

    @property
    def sink_up(self) -> bool:
        """False from a failed send until the next successful one."""
        return self._sink_up

    @property
    def retry_in(self) -> float:
        """Seconds until the next attempt to reach a failed sink (0.0 while it is up)."""
        if self._sink_up:
            return 0.0
        return max(0.0, self._next_try - self._now())

    def retry_now(self) -> None:
        """Try the failed sink again at once instead of waiting out the backoff (e.g. an
        operator knows the broker is back). The attempt counter is kept."""
        self._next_try = 0.0
        self._retry_wake.set()
        self._queue.kick()

    @property
    def queued(self) -> int:
        """Events waiting in memory."""
        return len(self._queue) + len(self._held)

    @property
    def spooled(self) -> int:
        """Events waiting in the spool."""
        return self.spool.pending if self.spool is not None else 0

    def unsaved(self) -> list[Envelope]:
        """Envelopes the bridge held in memory and could neither deliver nor spool (after a
        SpoolFullError, or at a close without a spool). Yours to keep."""
        return list(self._unsaved)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the sink (a failure is not fatal: events spool) and start the writer."""
        if self._task is not None:
            raise UsageError("the bridge is already started")
        try:
            await self.sink.open()
        except Exception as exc:
            self._failed(exc, 0)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="cxkit-bridge")

    async def close(self, *, drain_timeout: float = 5.0) -> None:
        """Stop: deliver (or spool) what is in memory, try to drain the spool for up to
        ``drain_timeout`` seconds, then close the sink and the spool. Never raises for
        delivery failures (see :attr:`error`, :meth:`unsaved`)."""
        self._closing = True
        self._queue.kick()
        task, self._task = self._task, None
        if task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(task), drain_timeout)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            except Exception:
                logger.exception("bridge writer failed")
        await self._settle_spool_op()
        await self._save_leftovers()
        try:
            await self.sink.close()
        finally:
            if self.spool is not None:
                self.spool.close()

    async def _settle_spool_op(self) -> None:
        # a cancelled writer may leave a spool append/ack running in its thread: let it end
        # (the spool is not thread-safe) and keep the envelopes of an append that failed
        op = self._spool_op
        if op is not None:
            await asyncio.wait([op])
            if op.cancelled() or op.exception() is not None:
                self._held = self._spooling + self._held
            self._spooling = []

    async def _save_leftovers(self) -> None:
        leftovers = self._held + self._queue.take(len(self._queue) + 1)
        self._held = []
        if not leftovers:
            return
        if self.spool is not None and self._error is None:
            try:
                await self._spool_call(self.spool.append, leftovers)
                self.stats.spooled += len(leftovers)
                logger.info("bridge: %d events spooled at close", len(leftovers))
                return
            except SpoolFullError as exc:
                self._fail(exc)
        self._unsaved.extend(leftovers)
        logger.error(
            "bridge: %d events could not be delivered or spooled at close (see unsaved())",
            len(leftovers),
        )

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ------------------------------------------------------------------ producers

    async def publish(self, event: UnifiedEvent | BaseEvent) -> bool:
        """Queue one event (waiting while the queue is full). False when filtered out.

        Raises the bridge's error (:class:`SpoolFullError`) once it can take no more.
        """
        if self._error is not None:
            raise self._error
        if not self.filter.matches(event):
            self.stats.filtered += 1
            return False
        await self.publish_envelope(self.ids.envelope(event))  # type: ignore[arg-type]
        return True

    async def publish_envelope(self, envelope: Envelope) -> None:
        """Queue an envelope as it is (its id kept), waiting while the queue is full."""
        if self._closing:
            raise UsageError("the bridge is closing")
        self._idle.clear()
        await self._queue.put(envelope)
        self.stats.published += 1

    async def wait_until(
        self, predicate: Callable[[Bridge], bool], timeout: float | None = None
    ) -> None:
        """Wait until ``predicate(bridge)`` holds; it is checked after every send, spool
        write and failure (e.g. ``lambda b: b.stats.delivered >= 100``)."""

        async def watch() -> None:
            while not predicate(self):
                if self._error is not None:
                    raise self._error
                event = self._progress
                await event.wait()

        await asyncio.wait_for(watch(), timeout)

    def _pulse(self) -> None:
        event, self._progress = self._progress, asyncio.Event()
        event.set()

    async def flush(self, timeout: float | None = None) -> None:
        """Wait until everything published so far is delivered (spool drained too)."""
        if self._task is None:
            raise UsageError("the bridge is not started")
        await asyncio.wait_for(self._idle.wait(), timeout)
        if self._error is not None:
            raise self._error

    # ------------------------------------------------------------------ writer

    def _now(self) -> float:
        return self._clock()

    async def _wait_for_retry(self, seconds: float) -> None:
        """Sleep until the next attempt is due, or :meth:`retry_now` is called."""
        self._retry_wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._retry_wake.wait(), seconds)

    def _is_idle(self) -> bool:
        return not self._held and not len(self._queue) and not self.spooled

    async def _run(self) -> None:
        try:
            while True:
                if self._is_idle():
                    self._idle.set()
                    if self._closing:
                        return
                if self.spool is not None and self.spool.pending:
                    if not await self._spool_step():
                        return
                elif not await self._direct_step():
                    return
        except BridgeError as exc:
            self._fail(exc)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug: report, keep what is held
            logger.exception("bridge writer crashed")
            self._fail(BridgeError(f"bridge writer crashed: {type(exc).__name__}: {exc}"))

    async def _direct_step(self) -> bool:
        """Send the next batch straight to the sink. False when the writer should stop."""
        if not self._held:
            if self._closing and not len(self._queue):
                return False
            self._held = await self._queue.get_batch(self.batch_size, self.linger)
            if not self._held:
                return True
        wait = self._next_try - self._now()
        if wait > 0:
            if self._closing:
                return False  # the sink is down: leftovers go to the spool at close
            await self._wait_for_retry(wait)
            return True  # look again: retry_now() or the due time
        batch = self._held
        try:
            await self._send(batch)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delivered = self._failed(exc, len(batch))
            self.stats.delivered += delivered
            rest = batch[delivered:]
            if self.spool is not None:
                self._held = []
                await self._append(rest)
            else:
                self._held = rest
            return True
        self._held = []
        self._succeeded(len(batch))
        return True

    async def _spool_step(self) -> bool:
        """Move queued events into the spool, and drain it when a retry is due."""
        spool = self.spool
        assert spool is not None
        while len(self._queue):
            await self._append(self._queue.take(self.batch_size * 4))
        wait = self._next_try - self._now()
        if wait > 0:
            if self._closing:
                return False
            await self._queue.wait_ready(wait)
            return True
        records, position = spool.read(self.batch_size)
        if not records:  # pending but unreadable cannot happen; avoid a hot loop anyway
            raise BridgeError(f"spool {spool.path} reports {spool.pending} events but reads none")
        try:
            await self._send(records)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delivered = self._failed(exc, len(records))
            if delivered:
                prefix = spool.position_after(delivered)
                await self._spool_call(spool.ack, prefix, delivered)
                self.stats.delivered += delivered
                self.stats.drained += delivered
            return True
        await self._spool_call(spool.ack, position, len(records))
        self.stats.drained += len(records)
        self._succeeded(len(records))
        if not spool.pending:
            logger.info("bridge: spool drained")
        return True

    async def _send(self, batch: Sequence[Envelope]) -> None:
        """``sink.send`` within ``send_timeout``: a destination that accepts the connection
        but never answers must not hold the source back (the batch is spooled and retried;
        part of it may have arrived: at least once)."""
        if self.send_timeout is None:
            await self.sink.send(batch)
            return
        try:
            await asyncio.wait_for(self.sink.send(batch), self.send_timeout)
        except TimeoutError:
            raise SinkUnavailable(
                f"{self.sink.name} did not acknowledge {len(batch)} events within "
                f"{self.send_timeout:g}s",
                sink=self.sink.name,
            ) from None

    async def _spool_call(self, func: Callable[..., T], *args: Any) -> T:
        """Run a spool operation in a worker thread (fsync must not block the loop); a
        cancelled caller leaves it running to completion (see close)."""
        op = asyncio.ensure_future(asyncio.to_thread(func, *args))
        self._spool_op = op
        try:
            result: T = await asyncio.shield(op)
        finally:
            if op.done():
                self._spool_op = None
        return result

    async def _append(self, envelopes: Sequence[Envelope]) -> None:
        spool = self.spool
        assert spool is not None
        if not envelopes:
            return
        self._spooling = list(envelopes)
        try:
            await self._spool_call(spool.append, self._spooling)
        except SpoolFullError:
            self._held, self._spooling = self._spooling, []
            raise
        self._spooling = []
        self.stats.spooled += len(envelopes)
        self.stats.spool_peak = max(self.stats.spool_peak, spool.pending)
        self._pulse()

    def _succeeded(self, count: int) -> None:
        self.stats.delivered += count
        self.stats.batches += 1
        if not self._sink_up:
            down = self._now() - (self._down_since or self._now())
            logger.info(
                "bridge: sink %s is back after %.1fs; %d events to drain",
                self.sink.name,
                down,
                self.spooled,
            )
        self._sink_up = True
        self._attempt = 0
        self._next_try = 0.0
        self._down_since = None
        self._pulse()

    def _failed(self, exc: BaseException, size: int) -> int:
        """Record a failed send; schedule the next try; return the delivered prefix."""
        delivered = exc.delivered if isinstance(exc, SinkUnavailable) else 0
        delivered = max(0, min(delivered, size))
        self.stats.failures += 1
        self.stats.last_error = str(exc)
        self._attempt += 1
        delay = reconnect_delay(self.retry, self._attempt, rand=self._rand)
        # max_attempts set and exhausted: keep trying at the longest interval (never drop)
        wait = self.retry.max_wait if delay is None else delay
        hint = exc.retry_after if isinstance(exc, SinkUnavailable) else None
        if hint is not None and hint > wait:
            wait = min(hint, RETRY_AFTER_CAP)  # the destination asked for a pause
        self._next_try = self._now() + wait
        if self._sink_up:
            self._down_since = self._now()
            where = "spooling" if self.spool is not None else "holding events in memory"
            if isinstance(exc, SinkUnavailable):
                logger.warning("bridge: %s; %s and retrying", exc, where)
            else:
                logger.error(
                    "bridge: sink %s failed unexpectedly; %s and retrying",
                    self.sink.name,
                    where,
                    exc_info=exc,
                )
        else:
            logger.debug("bridge: sink still unavailable (attempt %d): %s", self._attempt, exc)
        self._sink_up = False
        self._pulse()
        return delivered

    def _fail(self, error: BridgeError) -> None:
        if self._error is None:
            self._error = error
        leftovers = self._held + self._queue.take(len(self._queue) + 1)
        self._held = []
        self._unsaved.extend(leftovers)
        if isinstance(error, SpoolFullError):
            error.unsaved = len(self._unsaved)
        self._queue.fail(error)
        self._idle.set()
        self._pulse()
        logger.error("bridge stopped: %s (%d events held in memory)", error, len(self._unsaved))
