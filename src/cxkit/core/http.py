"""The one HTTP request layer both vendors use: an aiohttp session per client, retries, auth.

:class:`HTTPClient` owns one :class:`aiohttp.ClientSession` (created lazily inside the running
loop) with a pooled connector, the configured timeouts, proxy (credentials sent as
``Proxy-Authorization``, never logged), default headers, user agent and a cookie jar that
accepts IP hosts (the emulator runs on 127.0.0.1; Five9 auth uses cookies).

A request goes: encode the body once (msgspec JSON, or a form) -> add auth headers -> send ->
on a 401 ask the auth provider and replay once -> on a retryable status or a transport error
ask the pure :func:`cxkit.core.retry.decide`, call ``on_retry``, sleep (the injectable
``sleep`` is the only place that waits) and send again -> build an :class:`APIResponse`, or
raise the :func:`cxkit.errors.api_error_class` error with the vendor's code, message and
correlation id. Logging (see :mod:`cxkit.core.httplog`) costs one attribute test per request
when it is off.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import math
import ssl as ssl_module
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

import aiohttp
import msgspec
from multidict import CIMultiDict

from cxkit.config import DEFAULTS, LoggingConfig, LogLevel, ProxyConfig, RetryPolicy, Timeouts
from cxkit.core.auth import AuthProvider
from cxkit.core.httplog import HTTPLogger, redact_text, redact_url
from cxkit.core.retry import (
    decide,
    parse_number_header,
    parse_rate_limit_reset,
    parse_retry_after,
)
from cxkit.errors import (
    APIStatusError,
    ConfigError,
    ConnectError,
    RateLimitError,
    TransportError,
    TransportTimeout,
    UsageError,
    api_error_class,
)

__all__ = [
    "GENERIC",
    "APIResponse",
    "HTTPClient",
    "RateLimit",
    "RetryEvent",
    "VendorProfile",
    "generic_error_parser",
    "parse_rate_limit",
    "status_error",
]

T = TypeVar("T")

_log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- vendor profile


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def generic_error_parser(status: int, body: Any) -> tuple[str | None, str | None]:
    """Pull ``(code, message)`` out of common error body shapes; never raises.

    Understands Genesys (``code``/``message``), OAuth (``error``/``error_description``),
    Five9 (``five9ExceptionDetail.errorCode``/``message``, ``context.contextCode``) and
    plain text bodies (the message, cut to 500 characters).
    """
    if isinstance(body, str):
        return None, _as_text(body[:500])
    if not isinstance(body, dict):
        return None, None
    detail = body.get("five9ExceptionDetail")
    if isinstance(detail, dict):
        return _as_text(detail.get("errorCode")), _as_text(detail.get("message"))
    code = _as_text(body.get("code")) or _as_text(body.get("errorCode"))
    context = body.get("context")
    if code is None and isinstance(context, dict):
        code = _as_text(context.get("contextCode"))
    if code is None and isinstance(body.get("error"), str):
        code = _as_text(body.get("error"))
    message = (
        _as_text(body.get("message"))
        or _as_text(body.get("error_description"))
        or _as_text(body.get("description"))
    )
    return code, message


@dataclass(frozen=True, slots=True)
class VendorProfile:
    """What the HTTP layer needs to know about a vendor's wire habits.

    Attributes:
        name: ``"genesys"``, ``"five9"``, ... (goes into errors).
        correlation_headers: response headers holding the correlation / request id, tried in
            order (case-insensitive).
        parse_error: ``(status, decoded_body) -> (code, message)`` for error bodies.
    """

    name: str
    correlation_headers: tuple[str, ...] = ("ININ-Correlation-Id",)
    parse_error: Callable[[int, Any], tuple[str | None, str | None]] = generic_error_parser


GENERIC: Final = VendorProfile("generic", correlation_headers=("X-Request-Id", "X-Correlation-Id"))
"""A profile for vendor-neutral use (tests, webhooks)."""


# --------------------------------------------------------------------------- response


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Rate-limit figures from response headers (Genesys ``inin-ratelimit-*``).

    Attributes:
        count: requests counted in the current window.
        allowed: requests allowed in the window.
        reset: seconds until the window resets.
    """

    count: int | None
    allowed: int | None
    reset: float | None


def _int_header(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if math.isfinite(number) else None


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """Read ``inin-ratelimit-count/allowed/reset``; None when none is present.

    Garbage values become None for that figure instead of failing the response.
    """
    count = headers.get("inin-ratelimit-count")
    allowed = headers.get("inin-ratelimit-allowed")
    reset = headers.get("inin-ratelimit-reset")
    if count is None and allowed is None and reset is None:
        return None
    return RateLimit(_int_header(count), _int_header(allowed), parse_number_header(reset))


def _rate_limit_hint(headers: Mapping[str, str], reset_names: tuple[str, ...]) -> float | None:
    """Seconds a 429 asks to wait: its ``Retry-After``, else the first of ``reset_names``
    that parses. A reset that says "now" or a moment already past (clock skew, a rounded-down
    reset) is no hint: a 429 retried at once would only spend the exhausted window again, so
    the policy's ``rate_limit_wait`` applies instead."""
    retry_after = parse_retry_after(headers.get("Retry-After"))
    if retry_after is not None:
        return retry_after
    for name in reset_names:
        wait = parse_rate_limit_reset(headers.get(name))
        if wait is not None:
            return wait if wait > 0 else None
    return None


_MISSING: Final[Any] = object()
_DEFAULT_RESET_HEADERS: Final = DEFAULTS.retry.reset_headers


@functools.lru_cache(maxsize=512)
def _cached_decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(type_)


def _decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    # typing constructs such as list[int] are hashable; a rare unhashable one is built anew
    try:
        return _cached_decoder(type_)
    except TypeError:
        return msgspec.json.Decoder(type_)


class APIResponse:
    """One vendor answer. ``body`` and ``rate_limit`` are decoded lazily, once.

    Attributes:
        status: the HTTP status.
        headers: the response headers (case-insensitive mapping).
        content: the raw body bytes.
        elapsed: seconds from sending the (last) attempt to having read the body.
        method, url: what was called (the URL as sent; ``repr`` redacts it).
        attempts: how many times the request was sent (retries and 401 replays included).
    """

    __slots__ = (
        "_body",
        "_rate_limit",
        "_vendor",
        "attempts",
        "content",
        "elapsed",
        "headers",
        "method",
        "status",
        "url",
    )

    def __init__(
        self,
        *,
        status: int,
        headers: Mapping[str, str],
        content: bytes,
        elapsed: float,
        method: str,
        url: str,
        attempts: int = 1,
        vendor: VendorProfile = GENERIC,
    ) -> None:
        """Wrap an answer; normally built by :class:`HTTPClient`."""
        self.status = status
        self.headers = headers
        self.content = content
        self.elapsed = elapsed
        self.method = method
        self.url = url
        self.attempts = attempts
        self._vendor = vendor
        self._body: Any = _MISSING
        self._rate_limit: Any = _MISSING

    def __repr__(self) -> str:
        return (
            f"<APIResponse {self.method} {redact_url(self.url)} {self.status} "
            f"({len(self.content)} bytes, {self.elapsed * 1000:.1f} ms)>"
        )

    @property
    def ok(self) -> bool:
        """True for statuses below 400 (2xx, and 3xx that were not followed)."""
        return self.status < 400

    @property
    def is_success(self) -> bool:
        """True for every 2xx status (206 included, which one official SDK calls an error)."""
        return 200 <= self.status < 300

    @property
    def reason(self) -> str:
        """The status's standard reason phrase (``"Too Many Requests"``), or "" if unknown."""
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return ""

    @property
    def has_body(self) -> bool:
        """True when the answer carried a body."""
        return bool(self.content)

    @property
    def error(self) -> APIStatusError | None:
        """The error this answer stands for (status >= 400), or None; useful with
        ``raise_for_status=False``."""
        if self.status < 400:
            return None
        return status_error(self, self._vendor)

    def raise_for_status(self) -> None:
        """Raise :attr:`error` when the status is 400 or above."""
        error = self.error
        if error is not None:
            raise error

    @property
    def correlation_id(self) -> str | None:
        """The vendor's correlation / request id from the profile's headers, if sent."""
        headers = self.headers
        for name in self._vendor.correlation_headers:
            value = headers.get(name)
            if value:
                return value
        return None

    @property
    def rate_limit(self) -> RateLimit | None:
        """Rate-limit figures, or None when the vendor sent none."""
        if self._rate_limit is _MISSING:
            self._rate_limit = parse_rate_limit(self.headers)
        return self._rate_limit  # type: ignore[no-any-return]

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header, if any."""
        return self.headers.get("Content-Type")

    @property
    def text(self) -> str:
        """The body as text (UTF-8 unless the ``Content-Type`` names another charset)."""
        charset = "utf-8"
        ctype = self.content_type
        if ctype and "charset=" in ctype:
            charset = ctype.split("charset=", 1)[1].split(";", 1)[0].strip().strip('"') or charset
        try:
            return self.content.decode(charset, "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    @property
    def body(self) -> Any:
        """The body decoded from JSON; the text when it is not JSON; None when empty."""
        if self._body is _MISSING:
            if not self.content:
                self._body = None
            else:
                try:
                    self._body = msgspec.json.decode(self.content)
                except msgspec.DecodeError:
                    self._body = self.text
        return self._body

    def json(self) -> Any:
        """The body decoded as JSON; :class:`~cxkit.errors.UsageError` if it is not JSON."""
        return self.decode(Any)

    def decode(self, type_: type[T] | Any) -> T:
        """Decode the body as JSON into ``type_`` (a msgspec Struct, dataclass, builtin...).

        Raises :class:`~cxkit.errors.UsageError` naming the call, the status and msgspec's
        reason (which quotes the path, never the values) when the body does not fit.
        """
        try:
            decoder: msgspec.json.Decoder[T] = _decoder(type_)
            return decoder.decode(self.content)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            name = getattr(type_, "__name__", str(type_))
            raise UsageError(
                f"cannot decode the body of {self.method} {redact_url(self.url)} "
                f"({self.status}) as {name}: {exc}"
            ) from None


# --------------------------------------------------------------------------- client


@dataclass(frozen=True, slots=True)
class RetryEvent:
    """Passed to ``on_retry`` before each retry sleep.

    Attributes:
        attempt: the number of the retry about to be made (1 = first retry).
        method, url: the request (URL redacted).
        status: the status that caused the retry, or None after a transport error.
        error: the transport error that caused the retry, or None.
        delay: seconds that will be slept before the retry.
        reason: why (from :func:`cxkit.core.retry.decide`).
    """

    attempt: int
    method: str
    url: str
    status: int | None
    error: BaseException | None
    delay: float
    reason: str


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Final = _Unset()
_NO_HEADERS: Final[Mapping[str, str]] = MappingProxyType({})

_JSON_ENCODER = msgspec.json.Encoder()
_JSON_CT: Final = "application/json"
_FORM_CT: Final = "application/x-www-form-urlencoded"
_TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)


@functools.lru_cache(maxsize=64)
def _client_timeout(timeouts: Timeouts) -> aiohttp.ClientTimeout:
    # sock_connect, not connect: aiohttp's "connect" also counts waiting for a free pooled
    # connection, which under load is not a network failure and must not fail the call.
    return aiohttp.ClientTimeout(
        total=timeouts.total, sock_connect=timeouts.connect, sock_read=timeouts.read
    )


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


def _encode_query(params: Mapping[str, Any]) -> str:
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            items.extend((key, _query_value(item)) for item in value)
        else:
            items.append((key, _query_value(value)))
    return urlencode(items)


def _check_base_url(base_url: str) -> str:
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigError.bad_value("base_url", base_url, "an http:// or https:// URL")
    return base_url.rstrip("/")


class HTTPClient:
    """Async HTTP client for one vendor tenant: pooling, retries, auth replay, logging.

    Use as ``async with HTTPClient(base_url, vendor=...) as http:`` or call :meth:`close`.
    Arguments are documented in the module contract; all have defaults from
    :data:`cxkit.config.DEFAULTS`. ``pool_size`` 0 means no connection limit.
    """

    def __init__(
        self,
        base_url: str,
        *,
        vendor: VendorProfile,
        timeouts: Timeouts = DEFAULTS.timeouts,
        retry: RetryPolicy = DEFAULTS.retry,
        proxy: ProxyConfig | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str = DEFAULTS.user_agent,
        logging: LoggingConfig = DEFAULTS.logging,
        auth: AuthProvider | None = None,
        on_retry: Callable[[RetryEvent], Any] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ssl: ssl_module.SSLContext | bool | None = None,
        pool_size: int = DEFAULTS.pool_size,
    ) -> None:
        """Configure the client; no socket or session is opened until the first request."""
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 0:
            raise ConfigError.bad_value("pool_size", pool_size, "an integer >= 0")
        self._base_url = _check_base_url(base_url)
        self.vendor = vendor
        self.timeouts = timeouts
        self._retry = retry
        self._proxy = proxy
        # aiohttp >= 3.14 deprecates BasicAuth/proxy_auth in favour of an explicit
        # Proxy-Authorization header. aiohttp sends ``proxy_headers`` only with a CONNECT
        # (https/wss targets); for a plain http target the header must travel in the request
        # itself, which then goes to the proxy. Never logged (redacted by name).
        self._proxy_headers: Mapping[str, str] | None = (
            MappingProxyType(
                {
                    "Proxy-Authorization": aiohttp.encode_basic_auth(
                        proxy.username, proxy.password.reveal() if proxy.password else ""
                    )
                }
            )
            if proxy is not None and proxy.username
            else None
        )
        self._default_headers: CIMultiDict[str] = CIMultiDict(
            {"User-Agent": user_agent, "Accept": _JSON_CT}
        )
        if headers:
            self._default_headers.update(headers)  # case-insensitive replace: "accept" wins
        self._logging = logging
        self._log: HTTPLogger | None = (
            HTTPLogger(logging) if logging.level is not LogLevel.NONE else None
        )
        self.auth = auth
        self.on_retry = on_retry
        self._sleep = sleep
        self._ssl: ssl_module.SSLContext | bool = True if ssl is None else ssl
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._jar: aiohttp.CookieJar | None = None
        self._closed = False

    def __repr__(self) -> str:
        proxy = f", proxy={self._proxy!r}" if self._proxy else ""
        return f"HTTPClient({redact_url(self._base_url)!r}, vendor={self.vendor.name!r}{proxy})"

    async def __aenter__(self) -> HTTPClient:
        """Open the session now (inside the running loop)."""
        _ = self.session
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the session and the log sinks."""
        await self.close()

    # ------------------------------------------------------------------ settings

    @property
    def base_url(self) -> str:
        """Where relative request paths are joined (settable: Five9 moves data centers)."""
        return self._base_url

    @base_url.setter
    def base_url(self, value: str) -> None:
        self._base_url = _check_base_url(value)

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy for requests that do not pass their own (settable)."""
        return self._retry

    @retry.setter
    def retry(self, policy: RetryPolicy) -> None:
        if not isinstance(policy, RetryPolicy):
            raise ConfigError.bad_value("retry", type(policy).__name__, "a RetryPolicy")
        self._retry = policy

    @property
    def logging_config(self) -> LoggingConfig:
        """The logging config in force (settable: the old sinks are closed, new ones opened)."""
        return self._logging

    @logging_config.setter
    def logging_config(self, config: LoggingConfig) -> None:
        if not isinstance(config, LoggingConfig):
            raise ConfigError.bad_value("logging", type(config).__name__, "a LoggingConfig")
        old = self._log
        self._log = HTTPLogger(config) if config.level is not LogLevel.NONE else None
        self._logging = config
        if old is not None:
            old.close()

    def apply_settings(self, settings: object) -> None:
        """Apply the non-None ``retry`` and ``logging`` attributes of ``settings`` (live reload)."""
        retry = getattr(settings, "retry", None)
        if retry is not None:
            self.retry = retry
        logging_config = getattr(settings, "logging", None)
        if logging_config is not None:
            self.logging_config = logging_config

    @property
    def proxy_url(self) -> str | None:
        """The proxy URL without credentials (for ``ws_connect``), or None."""
        return self._proxy.url if self._proxy is not None else None

    @property
    def proxy_headers(self) -> Mapping[str, str] | None:
        """``{"Proxy-Authorization": ...}`` when the proxy has credentials, else None.

        For ``session.ws_connect`` pass ``proxy_headers=http.proxy_headers`` (used by the
        CONNECT of a ``wss://`` target) and add :meth:`proxy_request_headers` to the request
        headers (needed for a plain ``ws://`` target, e.g. the emulator behind a proxy).
        """
        return self._proxy_headers

    def proxy_request_headers(self, url: str) -> Mapping[str, str]:
        """Proxy credentials to put in the request's own headers for a plain-text ``url``.

        Empty for TLS targets (``https://``, ``wss://``): there the credentials must only go
        in the CONNECT to the proxy, never through the tunnel to the vendor.
        """
        if self._proxy_headers is None or url.startswith(("https://", "wss://")):
            return _NO_HEADERS
        return self._proxy_headers

    @property
    def proxy_auth(self) -> aiohttp.BasicAuth | None:
        """The proxy credentials as an :class:`aiohttp.BasicAuth`, or None.

        Kept for the contract; aiohttp >= 3.14 deprecates ``proxy_auth`` (building this
        object warns), so prefer :attr:`proxy_headers`.
        """
        proxy = self._proxy
        if proxy is None or not proxy.username:
            return None
        return aiohttp.BasicAuth(proxy.username, proxy.password.reveal() if proxy.password else "")

    @property
    def cookies(self) -> aiohttp.CookieJar:
        """The client's cookie jar (accepts IP hosts); needs a running event loop."""
        if self._jar is None:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                raise UsageError("HTTPClient.cookies needs a running event loop") from None
            self._jar = aiohttp.CookieJar(unsafe=True)
        return self._jar

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session (created on first use, inside the running loop).

        It carries the proxy, TLS settings, default headers and cookies, so
        ``session.ws_connect(...)`` behaves like the client's requests.
        """
        session = self._session
        if session is None or session.closed:
            if self._closed:
                raise UsageError("this HTTPClient is closed")
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=self._ssl),
                cookie_jar=self.cookies,
                headers=self._default_headers,
                timeout=_client_timeout(self.timeouts),
                proxy=self.proxy_url,
            )
            self._session = session
        return session

    async def close(self) -> None:
        """Close the session (and pooled connections) and the log sinks. Idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
        if self._log is not None:
            self._log.close()

    # ------------------------------------------------------------------ requests

    def _join(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        if not url:
            return self._base_url
        return self._base_url + url if url[0] == "/" else f"{self._base_url}/{url}"

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = _UNSET,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        raise_for_status: bool = True,
        retry: RetryPolicy | None = None,
        timeout: Timeouts | None = None,
    ) -> APIResponse:
        """Send a request, retrying and replaying per policy, and return the answer.

        ``url`` is joined to ``base_url`` unless absolute. Give at most one body:
        ``json`` (msgspec-encoded), ``data`` (a form) or ``content`` (raw bytes). ``params``
        values may be str, numbers, bools (``true``/``false``), None (left out) or lists
        (repeated). Raises the :func:`~cxkit.errors.api_error_class` error for statuses
        >= 400 when ``raise_for_status``; :class:`~cxkit.errors.ConnectError` or
        :class:`~cxkit.errors.TransportTimeout` when no answer came.
        """
        method = method.upper()
        target = self._join(url)
        if params:
            query = _encode_query(params)
            if query:
                target = f"{target}{'&' if '?' in target else '?'}{query}"
        body, content_type = _encode_body(json, data, content)
        policy = self._retry if retry is None else retry
        client_timeout = _client_timeout(self.timeouts if timeout is None else timeout)
        provider = self.auth if auth else None
        session = self.session
        plain_proxy = self.proxy_request_headers(target) if self._proxy_headers else _NO_HEADERS

        attempts = 0
        retries = 0
        replayed = False
        began = 0.0
        while True:
            attempts += 1
            sent_auth = await provider.auth_headers() if provider is not None else None
            if content_type is None and not headers and not plain_proxy:
                send_headers: Any = sent_auth
            else:
                send_headers = CIMultiDict(plain_proxy)
                if content_type is not None:
                    send_headers["Content-Type"] = content_type
                if sent_auth:
                    send_headers.update(sent_auth)
                if headers:
                    send_headers.update(headers)
            started = time.perf_counter()
            if attempts == 1:
                began = started
            try:
                async with session.request(
                    method,
                    target,
                    data=body,
                    headers=send_headers,
                    timeout=client_timeout,
                    proxy_headers=self._proxy_headers,
                ) as resp:
                    raw = await resp.read()
                    status = resp.status
                    resp_headers = resp.headers
                    sent_headers = resp.request_info.headers
            except _TRANSPORT_ERRORS as exc:
                error = _transport_error(exc, method, target)
                log = self._log
                if log is not None and log.wants(True):
                    log.log_exchange(
                        method=method,
                        url=target,
                        request_headers=self._merged_headers(send_headers),
                        request_body=body,
                        request_content_type=content_type,
                        status=None,
                        response_headers=None,
                        response_body=None,
                        response_content_type=None,
                        correlation_id=None,
                        error=error,
                    )
                retries += 1
                decision = decide(
                    policy,
                    attempt=retries,
                    method=method,
                    error=error,
                    elapsed=time.perf_counter() - began,
                )
                if not decision.retry:
                    raise error from None
                await self._before_retry(
                    RetryEvent(
                        retries,
                        method,
                        redact_url(target),
                        None,
                        error,
                        decision.delay,
                        decision.reason,
                    )
                )
                continue
            elapsed = time.perf_counter() - started

            log = self._log
            if log is not None and log.wants(status >= 400):
                log.log_exchange(
                    method=method,
                    url=target,
                    request_headers=sent_headers,
                    request_body=body,
                    request_content_type=content_type,
                    status=status,
                    response_headers=resp_headers,
                    response_body=raw,
                    response_content_type=resp_headers.get("Content-Type"),
                    correlation_id=_correlation_id(self.vendor, resp_headers),
                )

            if status == 401 and provider is not None and not replayed:
                replayed = True
                if await provider.on_unauthorized(sent_auth or {}):
                    continue
            elif status in policy.retry_statuses:
                if status == 429:
                    retry_after = _rate_limit_hint(resp_headers, policy.reset_headers)
                else:
                    retry_after = parse_retry_after(resp_headers.get("Retry-After"))
                decision = decide(
                    policy,
                    attempt=retries + 1,
                    method=method,
                    status=status,
                    retry_after=retry_after,
                    elapsed=time.perf_counter() - began,
                )
                if decision.retry:
                    retries += 1
                    await self._before_retry(
                        RetryEvent(
                            retries,
                            method,
                            redact_url(target),
                            status,
                            None,
                            decision.delay,
                            decision.reason,
                        )
                    )
                    continue

            response = APIResponse(
                status=status,
                headers=resp_headers,
                content=raw,
                elapsed=elapsed,
                method=method,
                url=target,
                attempts=attempts,
                vendor=self.vendor,
            )
            if status >= 400 and raise_for_status:
                raise self._status_error(response)
            return response

    async def get(self, url: str, **kwargs: Any) -> APIResponse:
        """``request("GET", url, **kwargs)``."""
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> APIResponse:
        """``request("POST", url, **kwargs)``."""
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> APIResponse:
        """``request("PUT", url, **kwargs)``."""
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> APIResponse:
        """``request("PATCH", url, **kwargs)``."""
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> APIResponse:
        """``request("DELETE", url, **kwargs)``."""
        return await self.request("DELETE", url, **kwargs)

    # ------------------------------------------------------------------ helpers

    async def _before_retry(self, event: RetryEvent) -> None:
        hook = self.on_retry
        if hook is not None:
            try:
                result = hook(event)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                # a broken hook must not turn a recoverable failure into a crash
                _log.warning("on_retry hook raised; retrying anyway", exc_info=True)
        await self._sleep(event.delay)

    def _merged_headers(self, extra: Mapping[str, str] | None) -> CIMultiDict[str]:
        merged = CIMultiDict(self._default_headers)
        if extra:
            merged.update(extra)
        return merged

    def _status_error(self, response: APIResponse) -> APIStatusError:
        return status_error(response, self.vendor, self._retry.reset_headers)


def status_error(
    response: APIResponse,
    vendor: VendorProfile,
    reset_headers: tuple[str, ...] = _DEFAULT_RESET_HEADERS,
) -> APIStatusError:
    """The :class:`~cxkit.errors.APIStatusError` subclass an error ``response`` stands for,
    with the vendor's code and message parsed from its body (redacted)."""
    status = response.status
    body = response.body
    try:
        code, vendor_message = vendor.parse_error(status, body)
    except Exception:
        # a vendor parser failing on an odd body must not hide the status error
        code, vendor_message = None, None
    if vendor_message is not None:
        vendor_message = redact_text(vendor_message)
    correlation_id = response.correlation_id
    url = redact_url(response.url)
    text = f"{vendor.name} answered {status}"
    if code:
        text += f" {code}"
    if vendor_message:
        text += f": {vendor_message}"
    text += f" ({response.method} {url})"
    if correlation_id:
        text += f" [correlation id {correlation_id}]"
    fields: dict[str, Any] = {
        "vendor": vendor.name,
        "status": status,
        "correlation_id": correlation_id,
        "body": body,
        "code": code,
        "vendor_message": vendor_message,
        "headers": response.headers,
        "method": response.method,
        "url": url,
    }
    error_class = api_error_class(status)
    if issubclass(error_class, RateLimitError):
        retry_after = _rate_limit_hint(response.headers, reset_headers)
        return error_class(text, retry_after=retry_after, **fields)
    return error_class(text, **fields)


def _correlation_id(vendor: VendorProfile, headers: Mapping[str, str]) -> str | None:
    for name in vendor.correlation_headers:
        value = headers.get(name)
        if value:
            return value
    return None


def _encode_body(
    json: Any, data: Mapping[str, str] | None, content: bytes | None
) -> tuple[bytes | None, str | None]:
    given = (json is not _UNSET) + (data is not None) + (content is not None)
    if given > 1:
        raise UsageError("give at most one of json=, data= and content=")
    if json is not _UNSET:
        try:
            return _JSON_ENCODER.encode(json), _JSON_CT
        except (TypeError, msgspec.EncodeError) as exc:
            raise UsageError(f"cannot encode the json= body: {exc}") from None
    if data is not None:
        return urlencode(data).encode(), _FORM_CT
    return content, None


def _transport_error(exc: BaseException, method: str, url: str) -> TransportError:
    shown = redact_url(url)
    detail = redact_text(str(exc)) or "no detail"
    if isinstance(exc, TimeoutError):
        return TransportTimeout(
            f"{method} {shown} timed out ({type(exc).__name__}: {detail})",
            method=method,
            url=shown,
        )
    return ConnectError(
        f"{method} {shown} failed: {type(exc).__name__}: {detail}", method=method, url=shown
    )
