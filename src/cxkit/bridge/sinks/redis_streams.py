"""Redis Streams sink: one ``XADD`` per event, pipelined per batch.

Each event becomes a stream entry with the fields ``id`` (the stable event id), ``vendor``,
``tenant``, ``kind`` and ``event`` (the unified event's JSON), in the stream named by the key
template (default ``cxkit:{vendor}:{tenant}:{kind}``). Entry ids are Redis' own (``*``), so
entries of one key are in the bridge's order.

``maxlen`` caps each stream (``XADD ... MAXLEN ~ n``): approximate by default, which lets
Redis trim whole macro-nodes cheaply (the stream may hold slightly more than ``n``); exact
trimming (``approximate=False``) costs more per XADD. ``maxlen=None`` never trims.

redis-py's own retries are switched off: a failure goes back to the bridge at once, which
spools and drains in order (a retry inside redis-py could reorder entries around a pipeline
that half-ran). A pipeline that fails on the connection may have been applied in part: the
bridge sends those events again (at least once; consumers deduplicate by the ``id`` field).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from cxkit.bridge.envelope import Envelope
from cxkit.bridge.errors import SinkUnavailable
from cxkit.bridge.keys import DEFAULT_REDIS_TEMPLATE, KeyTemplate
from cxkit.bridge.sinks.base import Sink
from cxkit.core.httplog import redact_url
from cxkit.errors import ConfigError

__all__ = ["RedisStreamSink"]

logger = logging.getLogger("cxkit.bridge.redis")


class RedisStreamSink(Sink):
    """Deliver envelopes to Redis Streams (see the module docs).

    Args:
        url: ``redis://[user:password@]host:port/db``, ``rediss://`` (TLS) or
            ``unix:///path``; credentials are never shown in logs or errors.
        key_template: stream key template over ``{vendor}``, ``{tenant}``, ``{kind}``
            (default ``cxkit:{vendor}:{tenant}:{kind}``).
        maxlen: trim each stream to about this many entries (None: never trim).
        approximate: ``MAXLEN ~`` (default) rather than exact trimming.
        password: a password given apart from the URL (e.g. from the environment).
        connect_timeout, timeout: seconds to connect, and to wait for a pipeline's answer.
    """

    def __init__(
        self,
        url: str,
        *,
        key_template: str | None = None,
        maxlen: int | None = 1_000_000,
        approximate: bool = True,
        password: str | None = None,
        connect_timeout: float = 5.0,
        timeout: float = 10.0,
    ) -> None:
        if maxlen is not None and (
            isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1
        ):
            raise ConfigError.bad_value("bridge.redis.maxlen", maxlen, "an integer >= 1 or None")
        self.url = url
        self.name = redact_url(url)
        self.keys = KeyTemplate(key_template or DEFAULT_REDIS_TEMPLATE, flavor="redis")
        self.maxlen = maxlen
        self.approximate = approximate
        self._password = password
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self._client: aioredis.Redis | None = None

    def _new_client(self) -> aioredis.Redis:
        kwargs: dict[str, Any] = {
            "socket_connect_timeout": self.connect_timeout,
            "socket_timeout": self.timeout,
            "retry": Retry(NoBackoff(), 0),
            "health_check_interval": 0,
        }
        if self._password is not None:
            kwargs["password"] = self._password
        try:
            return aioredis.Redis.from_url(self.url, **kwargs)
        except ValueError:
            # redis-py's message may quote the URL; ours names it without credentials
            raise ConfigError.bad_value(
                "bridge.redis.url", self.name, "redis://host:port/db, rediss:// or unix://"
            ) from None

    async def open(self) -> None:
        """Connect and PING (raises SinkUnavailable when Redis does not answer)."""
        if self._client is None:
            self._client = self._new_client()
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            await self._drop()
            raise SinkUnavailable(
                f"redis {self.name} is unreachable: {type(exc).__name__}", sink=self.name
            ) from None

    async def send(self, batch: Sequence[Envelope]) -> None:
        """XADD every envelope in one pipeline round trip."""
        if self._client is None:
            await self.open()
        client = self._client
        assert client is not None
        pipe = client.pipeline(transaction=False)
        for envelope in batch:
            pipe.xadd(
                self.keys.key(envelope),
                {
                    "id": envelope.id,
                    "vendor": envelope.vendor,
                    "tenant": envelope.tenant,
                    "kind": envelope.kind,
                    "event": envelope.event,
                },
                maxlen=self.maxlen,
                approximate=self.approximate,
            )
        try:
            results = await pipe.execute(raise_on_error=False)
        except (RedisError, OSError) as exc:
            await self._drop()
            raise SinkUnavailable(
                f"redis {self.name} failed during XADD: {type(exc).__name__}", sink=self.name
            ) from None
        for index, result in enumerate(results):
            if isinstance(result, Exception):
                # e.g. WRONGTYPE: the key holds something else. Retried (never dropped) and
                # reported; the prefix before it was added.
                raise SinkUnavailable(
                    f"redis {self.name} refused XADD to {self.keys.key(batch[index])!r}: {result}",
                    sink=self.name,
                    delivered=index,
                )

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(RedisError, OSError):
                await client.aclose()

    async def close(self) -> None:
        """Close the connection pool."""
        await self._drop()
