"""Converters from raw setting values (INI strings, JSON values, environment strings) to typed
values, each raising :class:`cxkit.errors.ConfigError` that names the key, the value and what is
allowed.

INI and environment values are always strings; JSON values may already be typed. Every converter
accepts both, so one set of rules serves the three sources. ``key`` is the name the user wrote
(``logging.log_level``, ``proxy.auth-password``, ``CXKIT_RETRY_MAX``), so the message points at
the line or variable to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from cxkit.config import ProxyConfig, Secret
from cxkit.errors import ConfigError

__all__ = [
    "BOOL_WORDS",
    "is_secret_key",
    "looks_secret_value",
    "proxy_from_url",
    "to_bool",
    "to_choice",
    "to_float",
    "to_int",
    "to_path_params",
    "to_port",
    "to_str",
]

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")
BOOL_WORDS = "true, false, yes, no, 1, 0, on or off"

# Key names whose values are credentials. Matched on the last dotted part, lower-cased.
_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|credentials?|api[_-]?key|(access|refresh|id|bearer|auth)[_-]?token"
    r"|^token|cookie|authorization)$"
)
# Known flags whose names merely end like a secret.
_NOT_SECRET = frozenset({"refresh_access_token"})
# A URL with inline credentials: scheme://user:password@host
_URL_WITH_PASSWORD = re.compile(r"://[^/@\s:]*:[^/@\s]*@")


def is_secret_key(key: str) -> bool:
    """True when a setting named ``key`` (e.g. ``proxy.auth-password``) holds a credential."""
    last = key.rsplit(".", 1)[-1].lower()
    return last not in _NOT_SECRET and _SECRET_KEY.search(last) is not None


def looks_secret_value(value: str) -> bool:
    """True when a raw value carries a credential by itself (a URL with ``user:password@``)."""
    return _URL_WITH_PASSWORD.search(value) is not None


def _bad(key: str, value: Any, allowed: str, *, secret: bool = False) -> ConfigError:
    return ConfigError.bad_value(key, value, allowed, secret=secret or is_secret_key(key))


def to_str(key: str, value: Any, *, secret: bool = False) -> str:
    """A non-empty string (numbers from JSON are accepted as their text: ``"port": 8080``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _bad(key, value, "a string", secret=secret)
    text = value if isinstance(value, str) else str(value)
    return Secret(text) if secret or is_secret_key(key) else text


def to_bool(key: str, value: Any) -> bool:
    """``true/false/yes/no/1/0/on/off`` in any case, a JSON boolean, or JSON ``0``/``1``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _bad(key, value, BOOL_WORDS)


def to_int(key: str, value: Any, *, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer (``"3"`` or JSON ``3``; never a boolean or ``3.5``) within the bounds."""
    allowed = (
        f"an integer {minimum}-{maximum}" if maximum is not None else f"an integer >= {minimum}"
    )
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value.strip(), 10)
        except ValueError:
            number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        raise _bad(key, value, allowed)
    return number


def to_float(key: str, value: Any, *, minimum: float = 0.0, allow_zero: bool = True) -> float:
    """A finite number of seconds (``"0.5"`` or JSON ``0.5``), ``>= minimum`` (or ``>`` it)."""
    allowed = f"a number {'>=' if allow_zero else '>'} {minimum:g} (seconds)"
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if (
        number is None
        or not math.isfinite(number)
        or number < minimum
        or (not allow_zero and number == minimum)
    ):
        raise _bad(key, value, allowed)
    return number


def to_choice(key: str, value: Any, choices: Iterable[str]) -> str:
    """One of ``choices`` (case-insensitive); returned lower-cased."""
    options = tuple(choices)
    if isinstance(value, str) and value.strip().lower() in options:
        return value.strip().lower()
    allowed = ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]
    raise _bad(key, value, allowed)


def to_port(key: str, value: Any, *, allow_default: bool = False) -> int | None:
    """A TCP port 1-65535. With ``allow_default``, ``-1`` means "the protocol's default port"
    (the Python SDK's gateway convention) and gives None."""
    if allow_default and (value == -1 or (isinstance(value, str) and value.strip() == "-1")):
        return None
    return to_int(key, value, minimum=1, maximum=65535)


_PATH_PARAMS_ALLOWED = (
    "name:value pairs separated by commas (e.g. login:loginpath,api:apipath), "
    "or a list of {pathName, pathValue} objects"
)


def to_path_params(key: str, value: Any) -> dict[str, str]:
    """Gateway / proxy path parameters, in any of the official SDKs' spellings.

    * the Go SDK's INI string ``"login:x,api:y"`` (``ConvertStringToPathParams``);
    * the Go SDK's JSON list ``[{"pathName": "login", "pathValue": "x"}, ...]``;
    * a plain JSON object ``{"login": "x", "api": "y"}``.
    """
    params: dict[str, str] = {}
    if isinstance(value, str):
        for item in value.split(","):
            if not item.strip():
                continue
            name, sep, path = item.partition(":")
            if not sep or not name.strip():
                raise _bad(key, value, _PATH_PARAMS_ALLOWED)
            params[name.strip()] = path.strip()
        return params
    if isinstance(value, Mapping):
        for name, path in value.items():
            if not isinstance(path, str):
                raise _bad(key, value, _PATH_PARAMS_ALLOWED)
            params[str(name)] = path
        return params
    if isinstance(value, list):
        for entry in value:
            if not isinstance(entry, Mapping):
                raise _bad(key, value, _PATH_PARAMS_ALLOWED)
            # The Go SDK's JSON tags are pathName/pathValue; accept any letter case.
            lowered = {str(k).lower(): v for k, v in entry.items()}
            path_name, path_value = lowered.get("pathname"), lowered.get("pathvalue", "")
            if not isinstance(path_name, str) or not path_name or not isinstance(path_value, str):
                raise _bad(key, value, _PATH_PARAMS_ALLOWED)
            params[path_name] = path_value
        return params
    raise _bad(key, value, _PATH_PARAMS_ALLOWED)


def proxy_from_url(key: str, url: Any) -> ProxyConfig:
    """A proxy from ``[scheme://][user[:password]@]host[:port]`` (scheme defaults to http).

    The error never shows the password: the URL is echoed with it replaced by ``***``.
    """
    allowed = "http(s)://[user[:password]@]host[:port]"
    if not isinstance(url, str) or not url.strip():
        raise _bad(key, url, allowed, secret=not isinstance(url, str))
    text = url.strip() if "://" in url else "http://" + url.strip()
    shown = _URL_WITH_PASSWORD.sub(
        lambda m: "://" + m.group(0)[3:].split(":", 1)[0] + ":***@", text
    )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigError.bad_value(key, shown, allowed) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ConfigError.bad_value(key, shown, allowed)
    return ProxyConfig(
        host=parts.hostname,
        port=port,
        protocol="https" if parts.scheme == "https" else "http",
        username=unquote(parts.username) if parts.username else None,
        password=Secret(unquote(parts.password)) if parts.password else None,
    )
