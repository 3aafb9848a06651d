"""Small frozen configuration objects, with every default in one place.

Each object validates itself on construction and raises :class:`cxkit.errors.ConfigError`
naming the key, the value and what is allowed. Reprs never show secrets.

Values come from keyword arguments, environment variables or a config file (INI or JSON,
detected, with live reload): see :mod:`cxkit.settings` (``resolve_settings``,
``settings_from_env``, ``load_settings``, ``SettingsWatcher``). Running clients pick up a new
:class:`RetryPolicy` or :class:`LoggingConfig` through their ``apply_settings()`` method.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from cxkit.errors import ConfigError

__all__ = [
    "DEFAULTS",
    "LogFormat",
    "LogLevel",
    "LoggingConfig",
    "ProxyConfig",
    "ReconnectPolicy",
    "RetryPolicy",
    "Secret",
    "Timeouts",
]


class Secret(str):
    """A string that never shows itself in ``repr``/``str`` formatting of containers.

    ``str(secret)`` still returns the value (it is a ``str``), but ``repr`` is ``'***'`` so
    a secret inside a dataclass, dict or exception message built with ``!r`` stays hidden.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"

    def reveal(self) -> str:
        """Return the plain value (for building an auth header or a form)."""
        return str.__str__(self)


def _check_number(key: str, value: float, *, minimum: float = 0.0, allow_zero: bool = True) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError.bad_value(key, value, "a number")
    if value < minimum or (not allow_zero and value == 0):
        cmp = ">=" if allow_zero else ">"
        raise ConfigError.bad_value(key, value, f"a number {cmp} {minimum}")


@dataclass(frozen=True, slots=True)
class Timeouts:
    """HTTP timeouts in seconds. ``total`` bounds one attempt, not the retries."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 60.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            _check_number(f"timeouts.{name}", getattr(self, name), allow_zero=False)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before retrying an HTTP request (pure data; see core.retry).

    Attributes:
        max_retries: retries after the first attempt (0 disables retrying).
        min_wait: first backoff delay in seconds (doubles each attempt, with full jitter).
        max_wait: cap of one backoff delay in seconds.
        retry_after_cap: the longest Retry-After (seconds) that is honoured; a longer one
            is not waited for and the 429 is raised (Genesys' Go SDK gives up above 180 s).
        retry_statuses: statuses retried with backoff (Retry-After is honoured when given).
        retry_connection_errors: retry when no answer came (connect errors, timeouts).
        retry_non_idempotent: also retry POST/PATCH after a connection error (a 429 or 503
            is always safe to retry, the vendor did not act on it).
        rate_limit_wait: seconds to wait after a 429 that says neither when to retry
            (``Retry-After``) nor when the limit resets; the Genesys SDKs wait 3 s. None
            falls back to the jittered backoff.
        max_elapsed: a bound in seconds on a request's retries: a retry whose wait would end
            more than this long after the first attempt started is not made (None: no
            bound). Each attempt still has its own ``Timeouts.total``.
        reset_headers: headers read, on a 429 without ``Retry-After``, for when the limit
            resets (seconds to wait, or a Unix moment in seconds or milliseconds).
    """

    max_retries: int = 3
    min_wait: float = 0.5
    max_wait: float = 30.0
    retry_after_cap: float = 180.0
    retry_statuses: frozenset[int] = frozenset({429, 502, 503, 504})
    retry_connection_errors: bool = True
    retry_non_idempotent: bool = False
    rate_limit_wait: float | None = 3.0
    max_elapsed: float | None = None
    reset_headers: tuple[str, ...] = ("inin-ratelimit-reset", "X-RateLimit-Reset")

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise ConfigError.bad_value("retry.max_retries", self.max_retries, "an integer >= 0")
        if self.max_retries < 0:
            raise ConfigError.bad_value("retry.max_retries", self.max_retries, "an integer >= 0")
        _check_number("retry.min_wait", self.min_wait)
        _check_number("retry.max_wait", self.max_wait)
        _check_number("retry.retry_after_cap", self.retry_after_cap)
        if self.rate_limit_wait is not None:
            _check_number("retry.rate_limit_wait", self.rate_limit_wait)
        if self.max_elapsed is not None:
            _check_number("retry.max_elapsed", self.max_elapsed, allow_zero=False)
        if self.max_wait < self.min_wait:
            raise ConfigError.bad_value(
                "retry.max_wait", self.max_wait, f"a number >= retry.min_wait ({self.min_wait})"
            )
        object.__setattr__(self, "retry_statuses", frozenset(self.retry_statuses))
        for status in self.retry_statuses:
            if not isinstance(status, int) or not 100 <= status <= 599:
                raise ConfigError.bad_value("retry.retry_statuses", status, "HTTP statuses 100-599")

    def replace(self, **changes: object) -> RetryPolicy:
        """Return a copy with some fields changed (validated)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Backoff for stream reconnects: full-jitter exponential from ``min_wait`` to ``max_wait``.

    ``max_attempts`` of 0 means reconnect forever. ``reset_after`` is how long a connection
    must stay up before the attempt counter starts again from zero.
    """

    min_wait: float = 1.0
    max_wait: float = 60.0
    factor: float = 2.0
    max_attempts: int = 0
    reset_after: float = 30.0

    def __post_init__(self) -> None:
        _check_number("reconnect.min_wait", self.min_wait)
        _check_number("reconnect.max_wait", self.max_wait)
        _check_number("reconnect.factor", self.factor, minimum=1.0)
        _check_number("reconnect.reset_after", self.reset_after)
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int):
            raise ConfigError.bad_value(
                "reconnect.max_attempts", self.max_attempts, "an integer >= 0"
            )
        if self.max_attempts < 0:
            raise ConfigError.bad_value(
                "reconnect.max_attempts", self.max_attempts, "an integer >= 0"
            )
        if self.max_wait < self.min_wait:
            raise ConfigError.bad_value(
                "reconnect.max_wait",
                self.max_wait,
                f"a number >= reconnect.min_wait ({self.min_wait})",
            )


class LogLevel(StrEnum):
    """The official Genesys SDKs' levels: none (default), error, debug, trace."""

    NONE = "none"
    ERROR = "error"
    DEBUG = "debug"
    TRACE = "trace"


class LogFormat(StrEnum):
    """Text blocks (default) or one JSON object per line."""

    TEXT = "text"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class LoggingConfig:
    """What the HTTP layer logs, where and how.

    Trace logs method, URL, request and response headers and (opt-in) bodies; debug the same
    without response headers; error only non-2xx answers (with the response body when
    ``log_response_body``). Authorization headers, cookies, tokens and passwords are always
    redacted, whatever the level.
    """

    level: LogLevel = LogLevel.NONE
    format: LogFormat = LogFormat.TEXT
    to_console: bool = True
    file_path: str | None = None
    log_request_body: bool = False
    log_response_body: bool = False

    def __post_init__(self) -> None:
        try:
            level = str(getattr(self.level, "value", self.level)).lower()
            object.__setattr__(self, "level", LogLevel(level))
        except ValueError:
            raise ConfigError.bad_value(
                "logging.log_level", self.level, "none, error, debug or trace"
            ) from None
        try:
            object.__setattr__(
                self, "format", LogFormat(str(getattr(self.format, "value", self.format)).lower())
            )
        except ValueError:
            raise ConfigError.bad_value("logging.log_format", self.format, "text or json") from None
        for name in ("to_console", "log_request_body", "log_response_body"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError.bad_value(f"logging.{name}", getattr(self, name), "true or false")


@dataclass(frozen=True, slots=True)
class ProxyConfig:
    """An HTTP(S) proxy. Credentials are kept apart from the URL and never printed."""

    host: str
    port: int | None = None
    protocol: Literal["http", "https"] = "http"
    username: str | None = None
    password: Secret | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.host:
            raise ConfigError.bad_value("proxy.host", self.host, "a host name")
        if self.protocol not in ("http", "https"):
            raise ConfigError.bad_value("proxy.protocol", self.protocol, "http or https")
        if self.port is not None and (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 < self.port < 65536
        ):
            raise ConfigError.bad_value("proxy.port", self.port, "an integer 1-65535")
        if self.password is not None and not isinstance(self.password, Secret):
            object.__setattr__(self, "password", Secret(self.password))

    @classmethod
    def from_url(cls, url: str) -> ProxyConfig:
        """Parse ``http://user:pass@host:port``; the password is kept as a :class:`Secret`."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError.bad_value("proxy", "<url>", "http://[user:password@]host[:port]")
        return cls(
            host=parts.hostname,
            port=parts.port,
            protocol=parts.scheme,  # type: ignore[arg-type]
            username=unquote(parts.username) if parts.username else None,
            password=Secret(unquote(parts.password)) if parts.password else None,
        )

    @property
    def url(self) -> str:
        """The proxy URL without credentials (credentials go in a Proxy-Authorization header)."""
        port = f":{self.port}" if self.port else ""
        return f"{self.protocol}://{self.host}{port}"

    def url_with_credentials(self) -> str:
        """The proxy URL with quoted credentials, for transports that need them inline."""
        if not self.username:
            return self.url
        cred = quote(self.username, safe="")
        if self.password:
            cred += ":" + quote(self.password.reveal(), safe="")
        port = f":{self.port}" if self.port else ""
        return f"{self.protocol}://{cred}@{self.host}{port}"

    def __repr__(self) -> str:
        user = f", username={self.username!r}" if self.username else ""
        pw = ", password='***'" if self.password else ""
        return f"ProxyConfig(url={self.url!r}{user}{pw})"


@dataclass(frozen=True, slots=True)
class _Defaults:
    """Every default knob, in one place (documented values, overridable per client)."""

    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    reconnect: ReconnectPolicy = ReconnectPolicy()
    logging: LoggingConfig = LoggingConfig()
    user_agent: str = "cxkit"
    pool_size: int = 100
    token_advisory_window: float = 60.0
    token_refresh_timeout: float = 10.0
    five9_ping_interval: float = 15.0
    five9_missed_pongs: int = 2
    genesys_heartbeat_interval: float = 30.0
    stream_max_queue: int = 10_000
    stream_connect_timeout: float = 10.0
    stream_close_timeout: float = 2.0
    # A Five9 5000 statistics snapshot of a large tenant runs to tens of MB (about 2 KB per
    # agent across AGENT_STATE and AGENT_STATISTIC); aiohttp's own 4 MiB default would refuse
    # it and drop the socket on every connect.
    stream_max_message_size: int = 256 * 1024 * 1024


DEFAULTS = _Defaults()
"""The defaults every client starts from."""
