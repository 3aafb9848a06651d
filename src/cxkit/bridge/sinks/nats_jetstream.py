"""NATS JetStream sink: publish with acknowledgements and a dedup id per message.

Each event is published to the subject from the key template (default
``cxkit.{vendor}.{tenant}.{kind}``, sanitized to NATS' subject rules) with the unified event's
JSON as payload and these headers:

* ``Nats-Msg-Id``: the stable event id. JetStream drops a message whose id it already stored
  within the stream's ``duplicate_window`` (default 2 minutes here), so a batch resent after a
  lost acknowledgement is stored once;
* ``Cxkit-Vendor``, ``Cxkit-Tenant``, ``Cxkit-Kind``: routing fields, so consumers can
  filter without decoding the payload;
* ``Nats-Expected-Stream``: the stream name, so a message never lands in another stream that
  happens to cover the subject.

A batch is published asynchronously (one write for the whole batch, in order) and then every
acknowledgement is awaited; the acknowledged prefix is reported to the bridge when one fails.

The stream is created when missing (``create_stream``, on by default) with file storage, the
subjects the template can produce (``cxkit.>``) and the limits given; an existing stream is
used as it is. nats-py's own reconnect is off: a dropped connection fails the batch at once
and the bridge reconnects on its own schedule, spooling meanwhile (nats-py would otherwise
buffer publishes in memory while reconnecting, unbounded by the bridge's limits).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import nats
from nats.aio.client import Client as NATSClient
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from cxkit.bridge.envelope import Envelope
from cxkit.bridge.errors import SinkUnavailable
from cxkit.bridge.keys import DEFAULT_NATS_TEMPLATE, KeyTemplate
from cxkit.bridge.sinks.base import Sink
from cxkit.core.httplog import redact_url
from cxkit.errors import ConfigError

__all__ = ["JetStreamSink"]

logger = logging.getLogger("cxkit.bridge.nats")

_HEADER_BAD = str.maketrans({"\r": " ", "\n": " "})


class JetStreamSink(Sink):
    """Deliver envelopes to a NATS JetStream stream (see the module docs).

    Args:
        url: ``nats://[user:password@]host:4222`` (``tls://`` for TLS).
        key_template: subject template over ``{vendor}``, ``{tenant}``, ``{kind}``
            (default ``cxkit.{vendor}.{tenant}.{kind}``).
        stream: the JetStream stream name (default ``CXKIT``).
        subjects: the stream's subjects when it is created (default: the template's
            wildcard, ``cxkit.>``).
        create_stream: create the stream when it does not exist (else the sink stays
            unavailable, reporting it, until someone creates it).
        duplicate_window: seconds JetStream remembers ``Nats-Msg-Id`` values (new stream).
        max_msgs, max_bytes, max_age: limits of a new stream (None: unlimited; age in s).
        user, password, token: credentials given apart from the URL (never logged).
        connect_timeout, ack_timeout: seconds to connect, and to wait for a batch's acks.
        max_pending: most publishes in flight (nats-py's async publish window).
    """

    def __init__(
        self,
        url: str,
        *,
        key_template: str | None = None,
        stream: str = "CXKIT",
        subjects: Sequence[str] | None = None,
        create_stream: bool = True,
        duplicate_window: float = 120.0,
        max_msgs: int | None = None,
        max_bytes: int | None = None,
        max_age: float | None = None,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        connect_timeout: float = 2.0,
        ack_timeout: float = 5.0,
        max_pending: int = 4000,
    ) -> None:
        if not stream or any(c in stream for c in " .*>/\\\t"):
            raise ConfigError.bad_value(
                "bridge.nats.stream", stream, "a stream name without spaces, '.', '*', '>'"
            )
        self.url = url
        self.name = redact_url(url)
        self.keys = KeyTemplate(key_template or DEFAULT_NATS_TEMPLATE, flavor="nats")
        self.stream = stream
        self.subjects = list(subjects) if subjects else [self.keys.nats_wildcard()]
        self.create_stream = create_stream
        self.duplicate_window = duplicate_window
        self.max_msgs = max_msgs
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._user = user
        self._password = password
        self._token = token
        self.connect_timeout = connect_timeout
        self.ack_timeout = ack_timeout
        self.max_pending = max_pending
        self._nc: NATSClient | None = None
        self._js: JetStreamContext | None = None
        self._closed_event: asyncio.Event | None = None

    async def open(self) -> None:
        """Connect and make sure the stream exists (raises SinkUnavailable)."""
        if self._js is not None and self._nc is not None and self._nc.is_connected:
            return
        await self._drop()
        closed = asyncio.Event()

        async def on_error(exc: Exception) -> None:
            logger.debug("nats %s: %s", self.name, type(exc).__name__)

        async def on_closed() -> None:
            closed.set()

        kwargs: dict[str, Any] = {
            "servers": [self.url],
            "connect_timeout": self.connect_timeout,
            # the bridge reconnects (and spools meanwhile); see the module docs
            "allow_reconnect": False,
            "max_reconnect_attempts": 1,
            "reconnect_time_wait": 0.05,
            "error_cb": on_error,
            "closed_cb": on_closed,
            "name": "cxkit-bridge",
        }
        if self._user is not None:
            kwargs["user"] = self._user
        if self._password is not None:
            kwargs["password"] = self._password
        if self._token is not None:
            kwargs["token"] = self._token
        try:
            nc = await asyncio.wait_for(nats.connect(**kwargs), self.connect_timeout * 3 + 1)
        except Exception as exc:  # nats-py raises a zoo of types (OSError, its own errors)
            raise SinkUnavailable(
                f"nats {self.name} is unreachable: {type(exc).__name__}", sink=self.name
            ) from None
        self._nc = nc
        self._closed_event = closed
        self._js = nc.jetstream(
            timeout=self.ack_timeout, publish_async_max_pending=self.max_pending
        )
        try:
            await self._ensure_stream(self._js)
        except SinkUnavailable:
            await self._drop()
            raise
        except Exception as exc:
            await self._drop()
            raise SinkUnavailable(
                f"nats {self.name}: stream {self.stream} unavailable: {type(exc).__name__}: {exc}",
                sink=self.name,
            ) from None

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            await js.stream_info(self.stream)
            return
        except NotFoundError:
            if not self.create_stream:
                raise SinkUnavailable(
                    f"nats {self.name}: stream {self.stream} does not exist and create_stream "
                    "is off",
                    sink=self.name,
                ) from None
        config = StreamConfig(
            name=self.stream,
            subjects=self.subjects,
            storage=StorageType.FILE,
            duplicate_window=self.duplicate_window,
            max_msgs=self.max_msgs if self.max_msgs is not None else -1,
            max_bytes=self.max_bytes if self.max_bytes is not None else -1,
            max_age=self.max_age if self.max_age is not None else 0,
        )
        await js.add_stream(config)
        logger.info("nats %s: created stream %s for %s", self.name, self.stream, self.subjects)

    async def send(self, batch: Sequence[Envelope]) -> None:
        """Publish the batch in order and wait for every acknowledgement."""
        if self._js is None:
            await self.open()
        js, closed = self._js, self._closed_event
        assert js is not None and closed is not None
        futures: list[asyncio.Future[Any]] = []
        # nats-py wraps a stall wait in asyncio.wait_for (a task per publish, 3x slower);
        # a batch within the in-flight window never stalls, so only bound bigger ones
        stall = None if len(batch) <= self.max_pending else self.ack_timeout
        try:
            for envelope in batch:
                headers = {
                    "Nats-Msg-Id": envelope.id,
                    "Cxkit-Vendor": envelope.vendor.translate(_HEADER_BAD),
                    "Cxkit-Tenant": envelope.tenant.translate(_HEADER_BAD),
                    "Cxkit-Kind": envelope.kind.translate(_HEADER_BAD),
                }
                futures.append(
                    await js.publish_async(
                        self.keys.key(envelope),
                        envelope.event,
                        wait_stall=stall,
                        stream=self.stream,
                        headers=headers,
                    )
                )
        except Exception as exc:
            await self._fail(futures, 0)
            raise SinkUnavailable(
                f"nats {self.name}: publish failed: {type(exc).__name__}", sink=self.name
            ) from None
        delivered = await self._await_acks(futures, closed)
        if delivered < len(batch):
            reason = self._reason(futures, delivered)
            await self._fail(futures, delivered)
            raise SinkUnavailable(
                f"nats {self.name}: {len(batch) - delivered} of {len(batch)} publishes not "
                f"acknowledged ({reason})",
                sink=self.name,
                delivered=delivered,
            )

    async def _await_acks(self, futures: list[asyncio.Future[Any]], closed: asyncio.Event) -> int:
        """How many acks at the head of the batch arrived (waits for all, at most
        ``ack_timeout``, and stops early when the connection closes)."""
        if futures:
            every: asyncio.Future[Any] = asyncio.gather(*futures, return_exceptions=True)
            closed_wait: asyncio.Future[Any] = asyncio.ensure_future(closed.wait())
            try:
                await asyncio.wait(
                    {every, closed_wait},
                    timeout=self.ack_timeout,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                closed_wait.cancel()
                if not every.done():
                    every.cancel()  # cancels the unanswered publishes too
                    with contextlib.suppress(asyncio.CancelledError):
                        await every
        for index, future in enumerate(futures):
            if not future.done() or future.cancelled() or future.exception() is not None:
                return index
        return len(futures)

    @staticmethod
    def _reason(futures: list[asyncio.Future[Any]], index: int) -> str:
        if index < len(futures):
            future = futures[index]
            if future.done() and not future.cancelled() and future.exception() is not None:
                exc = future.exception()
                return f"{type(exc).__name__}: {exc}"
        return "no acknowledgement in time or connection lost"

    async def _fail(self, futures: list[asyncio.Future[Any]], delivered: int) -> None:
        for future in futures[delivered:]:
            if not future.done():
                future.cancel()
        # a connection that lost acks is not trusted again: reconnect on the next attempt
        await self._drop()

    async def _drop(self) -> None:
        nc, self._nc, self._js = self._nc, None, None
        if nc is not None and not nc.is_closed:
            try:
                await asyncio.wait_for(nc.close(), self.connect_timeout)
            except Exception as exc:  # closing a broken connection must not raise
                logger.debug("nats %s: close failed: %s", self.name, type(exc).__name__)

    async def close(self) -> None:
        """Close the connection."""
        await self._drop()
