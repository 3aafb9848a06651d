"""The Genesys emulator's switches: ``EmulatorConfig.vendor_options["genesys"]``.

Every switch has one default here. :func:`GenesysOptions.from_mapping` validates a plain mapping
(from a config file or the CLI) and names the bad key; ``POST /_emulator/genesys/configure``
changes them at run time through :class:`LiveOptions`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from cxkit.errors import ConfigError

__all__ = ["CHOICES", "GenesysOptions", "LiveOptions"]

CHOICES: dict[str, tuple[str, ...]] = {
    # How an unknown / expired / evicted channel id is treated at the WebSocket upgrade:
    # accepted then ``{"result": "404", "message": ...}`` and closed (what genesys-notifications
    # handles), or the upgrade itself rejected with 401 or 404 (what other peers expect).
    "invalid_channel": ("message", "reject_401", "reject_404"),
    # Whether ``v2.users.X?presence&routingStatus`` counts once or twice toward the topic cap
    # (undocumented by Genesys).
    "combined_topic_counting": ("expanded", "combined"),
    # "token": one budget per access token; "client_user": one per (OAuth client, user),
    # Genesys' ``org.app.user.rate.per.minute``.
    "rate_limit_key": ("token", "client_user"),
}


_ZERO_OK = frozenset({"analytics_job_polls"})
_PREFIX = re.compile(r"/?[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*/?")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class GenesysOptions:
    """Genesys emulator switches (all optional; defaults follow the real service).

    Attributes:
        token_lifetime: seconds an access token lives (Genesys allows 300-172,800 per OAuth
            client; the emulator accepts any value >= 1 so tests can expire tokens).
        auth_code_lifetime: seconds an authorization code stays redeemable.
        oauth_error_status: HTTP status of ``invalid_client`` answers.
        rotate_refresh_tokens: issue a new refresh token on every refresh grant.
        allow_loopback_redirects: accept any ``http://127.0.0.1:*`` / ``http://localhost:*``
            redirect URI (RFC 8252 style) besides the client's registered one.
        rate_limit: requests allowed per window and key (``org.app.user.rate.per.minute``).
        rate_limit_window: the window in seconds (emulator clock).
        rate_limit_key: see :data:`CHOICES`.
        user_rate_limit: requests allowed per window for one user across every OAuth client
            (``org.user.rate.per.minute``, 3000); client-credentials tokens have no user.
        endpoint_rate_limits: per-endpoint budgets per key and window, keyed by
            ``"METHOD /api/v2/<template>"`` as the Usage API names templates (e.g.
            ``{"PUT /api/v2/architect/ivrs/{ivrId}": 100}``).
        max_body_bytes: larger request bodies answer 413.
        heartbeat_interval: seconds between ``WebSocket Heartbeat`` frames.
        heartbeats: send heartbeats at all.
        idle_timeout: close a socket with 1001 ("idle timeout", as users see it) when the
            client sent no frame (ping, subscribe) for this many seconds; None: never.
        socket_closing_grace: seconds between ``v2.system.socket_closing`` and the forced close.
        channel_lifetime: seconds a channel lives after creation or its last subscribe.
        close_on_token_expiry: a channel dies when the token that created it expires (the
            service's behaviour: GN's ``result 404`` notes list it).
        max_channels: channels per (user, OAuth client) before the oldest is evicted.
        max_topics: topics per channel; more answers 400.
        combined_topic_max: characters a combined topic may have.
        combined_topic_counting: see :data:`CHOICES`.
        invalid_channel: see :data:`CHOICES`.
        kick_close_code: close code sent to a socket replaced by a second one on its channel.
        expiry_check_interval: seconds between sweeps for expired channels and tokens.
        users: users in the demo org (the tenant's demo user is the first); with a
            simulated center the org has its agents instead (this and the next two apply
            to the scripted org only).
        queues: queues in the demo org.
        scenario: run the scripted scenario from start-up (the demo turns it on).
        scenario_interval: seconds between scenario steps.
        history: ended conversations kept for analytics queries.
        analytics_job_polls: status polls of an async analytics job answered ``QUEUED`` then
            ``PENDING`` before it is ``FULFILLED`` (0: fulfilled at once).
        analytics_job_lifetime: seconds a fulfilled job's results stay available before the
            job is ``EXPIRED``.
        analytics_shift_pages: make conversation-details pages shift between calls (each
            call moves the page window back by one more conversation), as pages do while
            data arrives, so clients can prove they deduplicate.
        usage_log_size: API requests remembered for the Usage API.
        endless_cursor_pages: cursor listings (``/api/v2/teams``) keep handing out a
            ``nextUri`` after the last page, with empty pages, as some real endpoints do.
        gateway_api_prefix: also serve the Platform API under ``/<prefix>/api/v2`` (an SDK
            gateway's ``path_params_api``); read at start-up.
        gateway_login_prefix: also serve the login host under ``/<prefix>`` (the gateway's
            ``path_params_login``); read at start-up.
    """

    token_lifetime: float = 86_400.0
    auth_code_lifetime: float = 300.0
    oauth_error_status: int = 401
    rotate_refresh_tokens: bool = False
    allow_loopback_redirects: bool = True
    rate_limit: int = 300
    rate_limit_window: float = 60.0
    rate_limit_key: str = "token"
    user_rate_limit: int = 3_000
    endpoint_rate_limits: dict[str, int] = field(default_factory=dict)
    max_body_bytes: int = 1_048_576
    heartbeat_interval: float = 30.0
    heartbeats: bool = True
    idle_timeout: float | None = None
    socket_closing_grace: float = 60.0
    channel_lifetime: float = 86_400.0
    close_on_token_expiry: bool = True
    max_channels: int = 20
    max_topics: int = 1_000
    combined_topic_max: int = 200
    combined_topic_counting: str = "expanded"
    invalid_channel: str = "message"
    kick_close_code: int = 1000
    expiry_check_interval: float = 1.0
    users: int = 12
    queues: int = 3
    scenario: bool = False
    scenario_interval: float = 2.0
    history: int = 10_000
    analytics_job_polls: int = 2
    analytics_job_lifetime: float = 86_400.0
    analytics_shift_pages: bool = False
    usage_log_size: int = 100_000
    endless_cursor_pages: bool = False
    gateway_api_prefix: str = ""
    gateway_login_prefix: str = ""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            key = f"genesys.{f.name}"
            if f.type == "bool":
                if not isinstance(value, bool):
                    raise ConfigError.bad_value(key, value, "true or false")
            elif f.type == "int":
                low = 0 if f.name in _ZERO_OK else 1
                if isinstance(value, bool) or not isinstance(value, int) or value < low:
                    raise ConfigError.bad_value(key, value, f"an integer >= {low}")
            elif f.type == "float":
                if (
                    isinstance(value, bool)
                    or not isinstance(value, (int, float))
                    or not math.isfinite(value)
                    or value <= 0
                ):
                    raise ConfigError.bad_value(key, value, "a number > 0")
                object.__setattr__(self, f.name, float(value))
            elif f.type == "float | None":
                if value is not None and (
                    isinstance(value, bool)
                    or not isinstance(value, (int, float))
                    or not math.isfinite(value)
                    or value <= 0
                ):
                    raise ConfigError.bad_value(key, value, "a number > 0, or null")
                if value is not None:
                    object.__setattr__(self, f.name, float(value))
            elif f.name in CHOICES and value not in CHOICES[f.name]:
                raise ConfigError.bad_value(key, value, " or ".join(CHOICES[f.name]))
            elif f.name in ("gateway_api_prefix", "gateway_login_prefix"):
                if not isinstance(value, str) or (value and not _PREFIX.fullmatch(value)):
                    raise ConfigError.bad_value(key, value, "a path such as gw/api (or empty)")
                object.__setattr__(self, f.name, value.strip("/"))
        self._check_endpoint_limits()
        if not 100 <= self.oauth_error_status <= 599:
            raise ConfigError.bad_value(
                "genesys.oauth_error_status", self.oauth_error_status, "an HTTP status"
            )
        if not 1000 <= self.kick_close_code <= 4999:
            raise ConfigError.bad_value(
                "genesys.kick_close_code", self.kick_close_code, "a close code 1000-4999"
            )

    def _check_endpoint_limits(self) -> None:
        limits = self.endpoint_rate_limits
        allowed = "{'METHOD /api/v2/template': requests per window, ...}"
        if not isinstance(limits, Mapping):
            raise ConfigError.bad_value("genesys.endpoint_rate_limits", limits, allowed)
        for name, value in limits.items():
            method, _, path = str(name).partition(" ")
            if method.upper() not in _METHODS or not path.startswith("/api/v2/"):
                raise ConfigError.bad_value("genesys.endpoint_rate_limits", name, allowed)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError.bad_value(
                    f"genesys.endpoint_rate_limits[{name}]", value, "an integer >= 1"
                )
        object.__setattr__(
            self,
            "endpoint_rate_limits",
            {f"{k.split(' ', 1)[0].upper()} {k.split(' ', 1)[1]}": v for k, v in limits.items()},
        )

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any] | None) -> GenesysOptions:
        """Build from ``vendor_options["genesys"]``; unknown keys raise ConfigError."""
        if not options:
            return cls()
        known = {f.name for f in fields(cls)}
        for key in options:
            if key not in known:
                raise ConfigError.bad_value(
                    f"genesys.{key}", options[key], f"a known switch ({', '.join(sorted(known))})"
                )
        return cls(**dict(options))

    def replace(self, changes: Mapping[str, Any]) -> GenesysOptions:
        """A validated copy with ``changes`` applied (unknown keys raise ConfigError)."""
        merged = {**dataclasses.asdict(self), **dict(changes)}
        return GenesysOptions.from_mapping(merged)

    def to_info(self) -> dict[str, Any]:
        """The switches as JSON."""
        return dataclasses.asdict(self)


class LiveOptions:
    """The options every component reads at use time, so ``configure`` applies at once."""

    __slots__ = ("current",)

    def __init__(self, options: GenesysOptions) -> None:
        self.current = options
