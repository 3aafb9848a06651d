"""The pluggable HTTP side of :class:`~cxkit.genesys.client.GenesysClient`: request options,
pre/post hooks, custom transports and optional pacing.

The official SDKs let an application replace the HTTP client (``AbstractHttpClient`` with
``do(request_options)``) and register one-argument pre/post hooks, e.g. to check certificates
(OCSP) or to record traffic. Here:

* every request (API calls and token requests alike) is described by a mutable
  :class:`HttpRequestOptions`;
* ``pre_hook(options)`` runs before it is sent and may change it (headers, URL, timeout) or
  raise to stop it; ``post_hook(response)`` runs with every :class:`~cxkit.core.http.APIResponse`,
  error answers included, before a non-2xx status is raised. Both may be plain or async;
* a :class:`Transport` sends the options and returns the response. :class:`DefaultTransport`
  uses the client's :class:`~cxkit.core.http.HTTPClient` (pooling, retries, auth replay);
* a :class:`Pacer` spaces request starts (``min_interval``, JFA's request queue) and, with
  ``suspend_on_429``, holds every queued request while the service asked one of them to wait.

With no hook, no custom transport and no pacing, none of this runs: the hot path is one call.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from cxkit.config import RetryPolicy, Timeouts
from cxkit.core.http import APIResponse, HTTPClient
from cxkit.errors import ConfigError

__all__ = [
    "DefaultTransport",
    "HttpRequestOptions",
    "Pacer",
    "PostHook",
    "PreHook",
    "Transport",
    "call_hook",
]


@dataclass(slots=True)
class HttpRequestOptions:
    """One request, as hooks and transports see it (the SDKs' ``HttpRequestOptions``).

    Attributes:
        method: ``GET``, ``POST``...
        url: a path relative to the API host (``/api/v2/users``) or an absolute URL.
        params: query parameters (lists already comma-joined).
        headers: request headers (``Authorization`` is added by the transport, not here).
        body: the encoded body, or None.
        auth: send the bearer token (False for token requests).
        raise_for_status: raise the :mod:`cxkit.errors` class of a non-2xx answer.
        retry: a retry policy for this request only (None: the client's).
        timeout: timeouts for this request only (None: the client's).
    """

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    auth: bool = True
    raise_for_status: bool = True
    retry: RetryPolicy | None = None
    timeout: Timeouts | None = None

    def __repr__(self) -> str:  # headers may carry credentials (Basic auth of token calls)
        return (
            f"HttpRequestOptions({self.method} {self.url!r}, params={dict(self.params or {})!r},"
            f" headers=<{len(self.headers)}>, body=<{len(self.body or b'')} bytes>)"
        )


PreHook = Callable[[HttpRequestOptions], Any]
"""Called with the options before sending (may be async; may change them; may raise)."""

PostHook = Callable[[APIResponse], Any]
"""Called with every response, error statuses included (may be async; may raise)."""


@runtime_checkable
class Transport(Protocol):
    """Sends one request. Implement ``do`` to replace the HTTP layer (tests, recording,
    another library); return an :class:`~cxkit.core.http.APIResponse` and do not raise for
    statuses when ``options.raise_for_status`` is False."""

    async def do(self, options: HttpRequestOptions) -> APIResponse:
        """Send ``options`` and return the answer."""
        ...


class DefaultTransport:
    """The client's :class:`~cxkit.core.http.HTTPClient`: pooled connections, retries with
    ``Retry-After``, the bearer token and the one replay after a 401."""

    __slots__ = ("http",)

    def __init__(self, http: HTTPClient) -> None:
        self.http = http

    def __repr__(self) -> str:
        return f"DefaultTransport({self.http.base_url!r})"

    async def do(self, options: HttpRequestOptions) -> APIResponse:
        """Send through the HTTP layer."""
        return await self.http.request(
            options.method,
            options.url,
            params=options.params,
            content=options.body,
            headers=options.headers or None,
            auth=options.auth,
            raise_for_status=options.raise_for_status,
            retry=options.retry,
            timeout=options.timeout,
        )


async def call_hook(hook: Callable[[Any], Any], value: Any) -> None:
    """Run a one-argument hook, awaiting it when it is async."""
    result = hook(value)
    if inspect.isawaitable(result):
        await result


class Pacer:
    """Client-side pacing: request starts at least ``min_interval`` seconds apart, in arrival
    order (a FIFO queue, like JFA's), and (``suspend_on_429``) no start at all while a 429's
    ``Retry-After`` runs, so a backlog does not hammer a rate-limited org (each queued
    request would otherwise be refused in turn).

    ``clock`` and ``sleep`` are injectable for tests.
    """

    __slots__ = (
        "_clock",
        "_last",
        "_lock",
        "_sleep",
        "_suspended_until",
        "min_interval",
        "suspend_on_429",
    )

    def __init__(
        self,
        min_interval: float = 0.0,
        *,
        suspend_on_429: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if (
            isinstance(min_interval, bool)
            or not isinstance(min_interval, (int, float))
            or not min_interval >= 0
        ):
            raise ConfigError.bad_value("pacing.min_interval", min_interval, "seconds >= 0")
        self.min_interval = float(min_interval)
        self.suspend_on_429 = suspend_on_429
        self._clock = clock
        self._sleep = sleep
        self._last = -math.inf
        self._suspended_until = -math.inf
        self._lock = asyncio.Lock()  # FIFO: waiters start in arrival order

    def __repr__(self) -> str:
        return f"Pacer(min_interval={self.min_interval}, suspend_on_429={self.suspend_on_429})"

    async def wait(self) -> None:
        """Wait for this request's turn. The spacing is measured from the previous *actual*
        start, and the clock is read again after every sleep (a sleep may end early or
        late, and a 429 may arrive meanwhile)."""
        async with self._lock:
            while True:
                now = self._clock()
                start = max(self._last + self.min_interval, self._suspended_until)
                if start <= now:
                    break
                await self._sleep(start - now)
            self._last = now

    def suspend(self, seconds: float) -> None:
        """Hold every request start for ``seconds`` (called on a 429 with its wait)."""
        if self.suspend_on_429 and seconds > 0:
            self._suspended_until = max(self._suspended_until, self._clock() + seconds)
