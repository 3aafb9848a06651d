"""The :class:`Settings` object (one layer of configuration) and :class:`GatewayConfig`.

A :class:`Settings` holds what one source said: a config file, the environment or keyword
arguments. ``None`` means "this source did not say": a client keeps its own value (or
:data:`cxkit.config.DEFAULTS`). Layers combine with :meth:`Settings.merge`, the later layer
winning for every value it set. ``explicit`` records which values a layer set, down to single
knobs (``"retry.max_retries"``), so a file that only sets ``retry_max`` does not reset the
waits that an earlier layer chose.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from cxkit.config import LoggingConfig, ProxyConfig, RetryPolicy, Secret, Timeouts
from cxkit.errors import ConfigError

__all__ = ["GatewayConfig", "Settings"]


# Marks "explicit was not given": __post_init__ then derives it from the values that are set.
_AUTO: frozenset[str] = frozenset({"\x00auto"})

# Fields merged knob by knob (the others are replaced whole).
_PARTIAL = ("retry", "logging", "timeouts")
_SCALAR_DEFAULTS: dict[str, Any] = {
    "live_reload": True,
    "refresh_access_token": True,
    "refresh_token_wait_max": 10.0,
}

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayConfig:
    """An API gateway that every login and API request goes through (Genesys SDKs' "gateway").

    With a gateway, the login URL is ``<protocol>://<host>[:<port>]/<path_params["login"]>`` and
    the API URL ``.../<path_params["api"]>`` (Genesys' ``get_conf_url``); ``username`` and
    ``password`` are reserved by the official SDKs "for a possible future use".
    """

    host: str
    protocol: Literal["http", "https"] = "https"
    port: int | None = None
    username: str | None = None
    password: Secret | None = field(default=None, repr=False)
    path_params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.host, str) or not self.host:
            raise ConfigError.bad_value("gateway.host", self.host, "a host name")
        if self.protocol not in ("http", "https"):
            raise ConfigError.bad_value("gateway.protocol", self.protocol, "http or https")
        if self.port is not None and (
            isinstance(self.port, bool)
            or not isinstance(self.port, int)
            or not 0 < self.port < 65536
        ):
            raise ConfigError.bad_value("gateway.port", self.port, "an integer 1-65535")
        if self.password is not None and not isinstance(self.password, Secret):
            object.__setattr__(self, "password", Secret(self.password))
        object.__setattr__(self, "path_params", MappingProxyType(dict(self.path_params)))

    def url(self, path_name: str | None = None) -> str:
        """The gateway base URL, with the path parameter ``path_name`` appended when it is set
        and non-empty (``url("login")`` for OAuth, ``url("api")`` for the Platform API)."""
        port = f":{self.port}" if self.port else ""
        base = f"{self.protocol}://{self.host}{port}"
        path = self.path_params.get(path_name, "") if path_name else ""
        return f"{base}/{path.strip('/')}" if path.strip("/") else base

    def __repr__(self) -> str:
        parts = [f"url={self.url()!r}"]
        if self.path_params:
            parts.append(f"path_params={dict(self.path_params)!r}")
        if self.username:
            parts.append(f"username={self.username!r}")
        if self.password:
            parts.append("password='***'")
        return f"GatewayConfig({', '.join(parts)})"


def _freeze_sections(sections: Mapping[str, Mapping[str, str]]) -> Mapping[str, Mapping[str, str]]:
    return MappingProxyType({str(s): MappingProxyType(dict(kv)) for s, kv in sections.items()})


def _check_type(name: str, value: Any, type_: type[Any], allowed: str) -> None:
    if value is not None and not isinstance(value, type_):
        raise ConfigError.bad_value(name, value, allowed)


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration from one source (or several, merged). Printable without secrets.

    Attributes:
        retry: HTTP retry policy (``[retry]``), None when not configured.
        logging: HTTP logging (``[logging]``), None when not configured.
        proxy: HTTP(S) proxy (``[proxy]``), None when not configured.
        proxy_path_params: the Go SDK's proxy ``path-params`` (``ProxyConfig`` has no field
            for them yet), e.g. ``{"login": "...", "api": "..."}``.
        gateway: API gateway (``[gateway]``), None when not configured.
        host: API base host or URL (``general.host``, e.g. ``https://api.mypurecloud.ie``).
        live_reload: watch the config file and apply changes (``general.live_reload_config``).
        refresh_access_token: renew an expired access token on 401
            (``reauthentication.refresh_access_token``).
        refresh_token_wait_max: seconds a caller waits for another caller's token refresh
            (``reauthentication.refresh_token_wait_max``).
        timeouts: HTTP timeouts (cxkit's ``[timeouts]``), None when not configured.
        source: the config file these settings came from, if any.
        sections: every section and key of the file as raw strings (keys lower-cased), for
            vendor-specific keys cxkit itself does not interpret. Nested JSON objects are
            flattened to dotted keys (``auth.username``), top-level JSON scalars go in the
            section ``""``. Credentials are :class:`cxkit.config.Secret` strings.
        explicit: which settings this layer set (``"host"``, ``"retry.max_retries"``, ...);
            derived from the values when not given. Not part of equality.
    """

    retry: RetryPolicy | None = None
    logging: LoggingConfig | None = None
    proxy: ProxyConfig | None = None
    proxy_path_params: Mapping[str, str] = field(default_factory=dict, hash=False)
    gateway: GatewayConfig | None = None
    host: str | None = None
    live_reload: bool = True
    refresh_access_token: bool = True
    refresh_token_wait_max: float = 10.0
    timeouts: Timeouts | None = None
    source: str | None = None
    sections: Mapping[str, Mapping[str, str]] = field(default_factory=dict, hash=False)
    explicit: frozenset[str] = field(default=_AUTO, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_type("retry", self.retry, RetryPolicy, "a cxkit.config.RetryPolicy")
        _check_type("logging", self.logging, LoggingConfig, "a cxkit.config.LoggingConfig")
        _check_type("proxy", self.proxy, ProxyConfig, "a cxkit.config.ProxyConfig")
        _check_type("gateway", self.gateway, GatewayConfig, "a GatewayConfig")
        _check_type("timeouts", self.timeouts, Timeouts, "a cxkit.config.Timeouts")
        _check_type("source", self.source, str, "a file path")
        for name in ("live_reload", "refresh_access_token"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError.bad_value(name, getattr(self, name), "true or false")
        wait = self.refresh_token_wait_max
        if isinstance(wait, bool) or not isinstance(wait, (int, float)) or not math.isfinite(wait):
            raise ConfigError.bad_value("refresh_token_wait_max", wait, "a number >= 0 (seconds)")
        if wait < 0:
            raise ConfigError.bad_value("refresh_token_wait_max", wait, "a number >= 0 (seconds)")
        object.__setattr__(self, "refresh_token_wait_max", float(wait))
        if self.host is not None:
            check_host("host", self.host)
        object.__setattr__(
            self, "proxy_path_params", MappingProxyType(dict(self.proxy_path_params))
        )
        object.__setattr__(self, "sections", _freeze_sections(self.sections))
        if self.explicit is _AUTO:
            object.__setattr__(self, "explicit", self._derive_explicit())
        else:
            object.__setattr__(self, "explicit", frozenset(self.explicit))

    def _derive_explicit(self) -> frozenset[str]:
        names = {name for name in ("proxy", "gateway", "host") if getattr(self, name) is not None}
        for name in _PARTIAL:
            # A whole object counts as every one of its knobs being set.
            names.update(knob_names(name, getattr(self, name)))
        names.update(n for n, default in _SCALAR_DEFAULTS.items() if getattr(self, n) != default)
        if self.proxy_path_params:
            names.add("proxy_path_params")
        return frozenset(names)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated); the changed fields count as set."""
        given = {k: v for k, v in changes.items() if k != "explicit"}
        fresh = Settings(**given)
        explicit = self.explicit | fresh.explicit | frozenset(given)
        return dataclasses.replace(self, **given, explicit=explicit)

    def is_set(self, name: str) -> bool:
        """True when this layer set ``name`` (a field, or a knob like ``"retry.max_retries"``)."""
        return name in self.explicit or any(k.startswith(name + ".") for k in self.explicit)

    def merge(self, other: Settings) -> Settings:
        """Combine two layers: every value ``other`` set wins, the rest comes from ``self``.

        ``retry``, ``logging`` and ``timeouts`` merge knob by knob when ``other`` set only some
        knobs (a file with only ``retry_max`` keeps the waits of ``self``); ``proxy`` and
        ``gateway`` are replaced whole; ``sections`` merge key by key. When ``other`` moves only
        one end of the retry wait range past the other end, the other end follows it.
        """
        values: dict[str, Any] = {}
        for name in _PARTIAL:
            values[name] = _merge_partial(name, getattr(self, name), getattr(other, name), other)
        for name in ("proxy", "gateway", "host", "source"):
            mine, theirs = getattr(self, name), getattr(other, name)
            values[name] = theirs if theirs is not None else mine
        for name in _SCALAR_DEFAULTS:
            values[name] = getattr(other if other.is_set(name) else self, name)
        values["proxy_path_params"] = (
            other.proxy_path_params if other.is_set("proxy_path_params") else self.proxy_path_params
        )
        sections = {s: dict(kv) for s, kv in self.sections.items()}
        for section, kv in other.sections.items():
            sections.setdefault(section, {}).update(kv)
        values["sections"] = sections
        return Settings(**values, explicit=self.explicit | other.explicit)

    def __repr__(self) -> str:
        parts: list[str] = []
        if self.source is not None:
            parts.append(f"source={self.source!r}")
        for name in ("retry", "logging", "timeouts", "proxy", "gateway", "host"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        if self.proxy_path_params:
            parts.append(f"proxy_path_params={dict(self.proxy_path_params)!r}")
        parts.extend(f"{n}={getattr(self, n)!r}" for n in _SCALAR_DEFAULTS)
        # Raw values may hold credentials under names cxkit cannot know: show section names only.
        parts.append(f"sections={sorted(self.sections)!r}")
        return f"Settings({', '.join(parts)})"


def knob_names(name: str, value: object) -> set[str]:
    """``{"retry.max_retries", "retry.min_wait", ...}`` for a config object (empty for None)."""
    if value is None or not dataclasses.is_dataclass(value):
        return set()
    return {f"{name}.{f.name}" for f in dataclasses.fields(value)}


def check_host(key: str, host: str) -> None:
    """Raise :class:`ConfigError` unless ``host`` is a host name or an http(s) URL."""
    if not isinstance(host, str) or not host.strip():
        raise ConfigError.bad_value(key, host, "a URL like https://api.mypurecloud.com or a host")
    if "://" in host:
        parts = urlsplit(host)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError.bad_value(
                key, host, "a URL like https://api.mypurecloud.com or a host"
            )


def _merge_partial(name: str, mine: _T | None, theirs: _T | None, other: Settings) -> _T | None:
    """Merge ``retry``/``logging``/``timeouts``: knob by knob when ``other`` set only some."""
    if theirs is None:
        return mine
    knobs = {k.split(".", 1)[1] for k in other.explicit if k.startswith(name + ".")}
    if mine is None or not knobs:
        return theirs
    changes = {knob: getattr(theirs, knob) for knob in knobs}
    if isinstance(mine, RetryPolicy):
        # Keep the wait range ordered when only one end moved (file min 3 + env max 2 is a
        # real conflict only when both ends were set by the same layer).
        if "min_wait" in changes and "max_wait" not in changes:
            changes["max_wait"] = max(mine.max_wait, changes["min_wait"])
        if "max_wait" in changes and "min_wait" not in changes:
            changes["min_wait"] = min(mine.min_wait, changes["max_wait"])
    return dataclasses.replace(mine, **changes)  # type: ignore[type-var]
