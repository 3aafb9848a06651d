"""Credentials for the HTTP layer: a token cache with single-flight refresh, and auth providers.

:class:`TokenCache` holds one token and the coroutine that fetches a new one. However many
callers need a token at the same moment, one fetch runs and they all await its result (an
:class:`asyncio.Task` shared through :func:`asyncio.shield`, never polling). Times come from an
injectable clock (monotonic seconds by default) so expiry is tested without waiting:

* fresh: ``now < expires_at - advisory_window``: returned at once;
* advisory window: ``expires_at - advisory_window <= now < expires_at``: a refresh is made,
  but if it fails the still-valid token is returned (a blip at the token endpoint must not
  fail calls that would have worked); failed advisory refreshes are retried at most every
  :data:`ADVISORY_RETRY_INTERVAL` seconds;
* expired (or none): the refresh is mandatory and its error propagates.

A fetch that takes longer than ``refresh_timeout`` raises :class:`~cxkit.errors.TokenRefreshError`.

:class:`AuthProvider` is what :class:`cxkit.core.http.HTTPClient` talks to: headers for each
request, and ``on_unauthorized`` after a 401 (True = credentials renewed, replay once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from cxkit.config import DEFAULTS, Secret
from cxkit.errors import AuthError, CxkitError, TokenRefreshError

__all__ = [
    "ADVISORY_RETRY_INTERVAL",
    "AuthProvider",
    "BearerAuth",
    "Token",
    "TokenCache",
]

_log = logging.getLogger("cxkit.auth")

ADVISORY_RETRY_INTERVAL = 5.0
"""Seconds (on the cache's clock) between refresh attempts after a failed advisory or
proactive refresh, so a failing token endpoint is not hit on every request."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Token:
    """An access token and what came with it. ``repr`` never shows a secret.

    Attributes:
        access_token: the bearer value (a :class:`~cxkit.config.Secret`).
        token_type: ``"Bearer"`` for both vendors.
        expires_at: when it expires, in seconds of the owning cache's clock; None = never.
        refresh_token: an OAuth refresh token, if the vendor gave one.
        scope: the granted scope, if given.
        extra: any other fields of the token response (may hold secrets such as an
            ``id_token``; only their names are shown in ``repr``).
    """

    access_token: Secret
    token_type: str = "Bearer"
    expires_at: float | None = None
    refresh_token: Secret | None = None
    scope: str | None = None
    extra: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        if not isinstance(self.access_token, Secret):
            object.__setattr__(self, "access_token", Secret(self.access_token))
        if self.refresh_token is not None and not isinstance(self.refresh_token, Secret):
            object.__setattr__(self, "refresh_token", Secret(self.refresh_token))

    @classmethod
    def from_oauth(cls, body: Mapping[str, Any], *, now: float) -> Token:
        """Build a token from an OAuth 2 token response (``access_token``, ``expires_in``, ...).

        ``now`` is the cache clock's current time; ``expires_at = now + expires_in``.
        Raises :class:`~cxkit.errors.AuthError` when ``access_token`` is missing or empty, or
        ``expires_in`` is not a number.
        """
        if not isinstance(body, Mapping):
            raise AuthError(f"token response is not a JSON object (got {type(body).__name__})")
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise AuthError("token response has no access_token")
        expires_in = body.get("expires_in")
        expires_at: float | None = None
        if expires_in is not None:
            try:
                seconds = float(expires_in)
            except (TypeError, ValueError):
                raise AuthError(
                    f"token response has a bad expires_in: {str(expires_in)[:40]!r}"
                ) from None
            if not math.isfinite(seconds):
                raise AuthError("token response has a bad expires_in (not finite)")
            expires_at = now + max(0.0, seconds)
        refresh = body.get("refresh_token")
        known = {"access_token", "expires_in", "refresh_token", "token_type", "scope"}
        return cls(
            access_token=Secret(access),
            token_type=str(body.get("token_type") or "Bearer"),
            expires_at=expires_at,
            refresh_token=Secret(refresh) if isinstance(refresh, str) and refresh else None,
            scope=str(body["scope"]) if body.get("scope") is not None else None,
            extra=MappingProxyType({k: v for k, v in body.items() if k not in known}),
        )

    def expires_in(self, now: float) -> float | None:
        """Seconds left at clock time ``now`` (negative once expired); None if it never expires."""
        return None if self.expires_at is None else self.expires_at - now

    def __repr__(self) -> str:
        refresh = ", refresh_token='***'" if self.refresh_token else ""
        return (
            f"Token(access_token='***', token_type={self.token_type!r}, "
            f"expires_at={self.expires_at!r}{refresh}, scope={self.scope!r}, "
            f"extra_keys={sorted(self.extra)!r})"
        )

    __str__ = __repr__


def _same(a: Token | None, b: Token | None) -> bool:
    if a is None or b is None:
        return a is b
    return a is b or a.access_token == b.access_token


class TokenCache:
    """One token, renewed by ``fetch`` with single-flight semantics.

    Args:
        fetch: coroutine function that obtains a new token; it gets the current token (or
            None) so it can use a refresh token. It may raise :class:`~cxkit.errors.AuthError`
            (passed through as is); any other error is wrapped in
            :class:`~cxkit.errors.TokenRefreshError`.
        advisory_window: seconds before expiry when a refresh is attempted.
        refresh_timeout: the longest one fetch may take.
        clock: the time source ``expires_at`` is measured on.
        sleep: how the auto-refresh task waits (injectable for tests).
    """

    def __init__(
        self,
        fetch: Callable[[Token | None], Awaitable[Token]],
        *,
        advisory_window: float = DEFAULTS.token_advisory_window,
        refresh_timeout: float = DEFAULTS.token_refresh_timeout,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Create an empty cache; nothing is fetched until :meth:`get` or :meth:`refresh`."""
        self._fetch = fetch
        self.advisory_window = advisory_window
        self.refresh_timeout = refresh_timeout
        self._clock = clock
        self._sleep = sleep
        self._token: Token | None = None
        self._inflight: asyncio.Task[Token] | None = None
        self._advisory_retry_at = -math.inf
        self._changed: asyncio.Event | None = None
        self._auto_task: asyncio.Task[None] | None = None
        self.fetch_count = 0
        """How many fetches were started (for tests and metrics)."""

    def __repr__(self) -> str:
        return (
            f"TokenCache(current={self._token!r}, fetch_count={self.fetch_count}, "
            f"refreshing={self._inflight is not None})"
        )

    # ------------------------------------------------------------------ state

    @property
    def current(self) -> Token | None:
        """The cached token (possibly expired), without fetching."""
        return self._token

    def set(self, token: Token) -> None:
        """Install a token obtained elsewhere (e.g. from a login call)."""
        self._token = token
        self._advisory_retry_at = -math.inf
        if self._changed is not None:
            self._changed.set()

    def invalidate(self) -> None:
        """Forget the token: the next :meth:`get` fetches a new one."""
        self._token = None
        if self._changed is not None:
            self._changed.set()

    # ------------------------------------------------------------------ getting

    async def get(self) -> Token:
        """Return a usable token, fetching or refreshing it first when needed."""
        token = self._token
        if token is not None:
            expires_at = token.expires_at
            if expires_at is None:
                return token
            now = self._clock()
            if now < expires_at - self.advisory_window:
                return token
            if now < expires_at:
                if now < self._advisory_retry_at and self._inflight is None:
                    return token  # the last advisory refresh failed moments ago
                try:
                    return await self.refresh(token)
                except CxkitError as exc:
                    # still valid: keep using it, and retry the refresh a little later
                    if self._clock() < expires_at:
                        self._advisory_retry_at = self._clock() + ADVISORY_RETRY_INTERVAL
                        _log.warning(
                            "advisory token refresh failed, keeping the current token: %s", exc
                        )
                        return token
                    raise
        return await self.refresh(token)

    async def refresh(self, stale: Token | None = None) -> Token:
        """Fetch a new token, unless someone already replaced ``stale``; callers share one fetch.

        If a fetch is running, its result is awaited. If the current token is not ``stale``
        (another caller refreshed after ``stale`` was handed out), it is returned without a
        fetch. ``stale=None`` forces a fetch (joining one that is already running).
        """
        task = self._inflight
        if task is None:
            current = self._token
            if stale is not None and current is not None and not _same(current, stale):
                return current
            task = self._start_fetch(current)
        # shield: one caller being cancelled must not cancel the fetch the others await
        return await asyncio.shield(task)

    def _start_fetch(self, previous: Token | None) -> asyncio.Task[Token]:
        self.fetch_count += 1
        task = asyncio.get_running_loop().create_task(self._run_fetch(previous))
        self._inflight = task
        task.add_done_callback(self._fetch_done)
        return task

    def _fetch_done(self, task: asyncio.Task[Token]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            task.exception()  # mark retrieved: callers may all have been cancelled

    async def _run_fetch(self, previous: Token | None) -> Token:
        deadline = asyncio.timeout(self.refresh_timeout)
        try:
            async with deadline:
                token = await self._fetch(previous)
        except TimeoutError as exc:
            if deadline.expired():
                raise TokenRefreshError(
                    f"token refresh took longer than {self.refresh_timeout:g}s"
                ) from None
            raise TokenRefreshError("token refresh failed: TimeoutError") from exc
        except AuthError:
            raise
        except CxkitError as exc:
            raise TokenRefreshError(f"token refresh failed: {exc}") from exc
        except Exception as exc:
            # the message of a foreign error could quote a request; name the type only
            raise TokenRefreshError(f"token refresh failed: {type(exc).__name__}") from exc
        if not isinstance(token, Token):
            raise TokenRefreshError(f"token fetch returned {type(token).__name__}, expected Token")
        self.set(token)
        return token

    # ------------------------------------------------------------------ proactive refresh

    def start_auto_refresh(self) -> None:
        """Start a background task that refreshes at ``expires_at - advisory_window``.

        Idempotent. Needs a running event loop. A failed proactive refresh is logged and
        retried every :data:`ADVISORY_RETRY_INTERVAL` seconds; callers of :meth:`get` still
        get the normal rules.
        """
        if self._auto_task is not None and not self._auto_task.done():
            return
        self._changed = asyncio.Event()
        self._auto_task = asyncio.get_running_loop().create_task(self._auto_refresh())

    async def stop(self) -> None:
        """Stop the auto-refresh task (if any) and wait for it to end."""
        task, self._auto_task = self._auto_task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _auto_refresh(self) -> None:
        changed = self._changed
        assert changed is not None
        while True:
            token = self._token
            if token is None or token.expires_at is None:
                changed.clear()
                await changed.wait()  # nothing to renew until a token arrives
                continue
            delay = token.expires_at - self.advisory_window - self._clock()
            if delay > 0:
                # A token set meanwhile has a later deadline, so waking early is harmless:
                # the loop recomputes from the current token.
                await self._sleep(delay)
                continue
            try:
                await self.refresh(token)
            except Exception as exc:
                _log.warning("proactive token refresh failed, retrying: %s", exc)
                await self._sleep(ADVISORY_RETRY_INTERVAL)


@runtime_checkable
class AuthProvider(Protocol):
    """What :class:`cxkit.core.http.HTTPClient` needs from an authentication scheme."""

    async def auth_headers(self) -> Mapping[str, str]:
        """Headers to add to the next request (may fetch or refresh credentials)."""
        ...

    async def on_unauthorized(self, sent: Mapping[str, str]) -> bool:
        """Called after a 401 with the auth headers that request carried.

        Return True when credentials were renewed (the request is replayed once), False to
        let the 401 raise :class:`~cxkit.errors.UnauthorizedError`.
        """
        ...


class BearerAuth:
    """``Authorization: <scheme><separator><token>`` from a :class:`TokenCache`.

    Genesys uses ``Bearer <token>``; Five9 uses ``Bearer-<tokenId>`` (separator ``"-"``).
    After a 401, the token that was sent is refreshed once; concurrent 401s share that one
    refresh, and a 401 for a token already replaced is replayed without any refresh.
    """

    def __init__(self, cache: TokenCache, *, scheme: str = "Bearer", separator: str = " ") -> None:
        """Use ``cache`` for tokens; ``scheme`` and ``separator`` shape the header value."""
        self.cache = cache
        self.scheme = scheme
        self.separator = separator
        self._for: Token | None = None
        self._headers: Mapping[str, str] = _EMPTY

    def __repr__(self) -> str:
        return f"BearerAuth(scheme={self.scheme!r}, separator={self.separator!r})"

    def _header_value(self, token: Token) -> str:
        return f"{self.scheme}{self.separator}{token.access_token.reveal()}"

    async def auth_headers(self) -> Mapping[str, str]:
        """``{"Authorization": ...}`` for the cache's current token (built once per token)."""
        token = await self.cache.get()
        if token is not self._for:
            self._headers = MappingProxyType({"Authorization": self._header_value(token)})
            self._for = token
        return self._headers

    async def on_unauthorized(self, sent: Mapping[str, str]) -> bool:
        """Refresh the token that got the 401 (once for all concurrent callers); True if renewed."""
        current = self.cache.current
        sent_value = sent.get("Authorization")
        if (
            current is not None
            and sent_value is not None
            and sent_value != self._header_value(current)
        ):
            return True  # another caller already replaced the rejected token
        renewed = await self.cache.refresh(current)
        return sent_value is None or self._header_value(renewed) != sent_value
