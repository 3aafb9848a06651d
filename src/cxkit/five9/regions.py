"""Five9 VCC login hosts by region, and base-URL handling.

No authoritative public list exists; this map is data (override it by passing ``base_url``
or ``hosts``). The region is always applied (one peer accepted a region and ignored it).

* US: ``app.five9.com``
* CA: ``app.ca.five9.com`` (alternate ``app.five9.ca``)
* UK: ``app.five9.eu`` (one peer used ``app.ca.five9.eu``, which looks like a typo: not used)
* EU (Frankfurt): ``app.eu.five9.com`` (alternates ``eu.five9.com``, ``app.eu.five9.eu``)

A custom base URL may be ``http://`` or ``https://`` (the emulator runs on plain HTTP).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final
from urllib.parse import urlsplit

from cxkit.errors import ConfigError

__all__ = ["ALTERNATE_HOSTS", "REGIONS", "login_base_url", "region_names"]

REGIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "US": "app.five9.com",
        "CA": "app.ca.five9.com",
        "UK": "app.five9.eu",
        "EU": "app.eu.five9.com",
    }
)
"""Region -> login host."""

ALTERNATE_HOSTS: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "US": (),
        "CA": ("app.five9.ca",),
        "UK": (),
        "EU": ("eu.five9.com", "app.eu.five9.eu"),
    }
)
"""Other login hosts public sources name per region (use one through ``base_url``)."""

_ALIASES: Final = {"LDN": "UK", "GB": "UK", "FRK": "EU", "CANADA": "CA", "USA": "US"}


def region_names() -> list[str]:
    """The region names accepted (aliases LDN/GB -> UK, FRK -> EU are accepted too)."""
    return sorted(REGIONS)


def login_base_url(
    region: str | None = "US",
    base_url: str | None = None,
    *,
    hosts: Mapping[str, str] | None = None,
) -> str:
    """The login base URL (``scheme://host[:port]``) for a region or an explicit base URL.

    ``hosts`` overrides or extends the region map; a value is a host name (``https`` is
    implied) or a whole base URL (``http://127.0.0.1:8080``).

    Raises:
        ConfigError: unknown region, or a base URL that is not ``http(s)://host[:port]``.
    """
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError.bad_value("five9.base_url", base_url, "http(s)://host[:port]")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError.bad_value(
                "five9.base_url", base_url, "http(s)://host[:port]"
            ) from None
        netloc = parts.hostname if port is None else f"{parts.hostname}:{port}"
        if ":" in (parts.hostname or "") and port is None:
            netloc = f"[{parts.hostname}]"
        return f"{parts.scheme}://{netloc}"
    table = dict(REGIONS)
    if hosts:
        table.update({k.upper(): v for k, v in hosts.items()})
    key = (region or "US").strip().upper()
    key = _ALIASES.get(key, key)
    host = table.get(key)
    if host is None:
        raise ConfigError.bad_value("five9.region", region, ", ".join(sorted(table)))
    if "://" in host:
        return login_base_url(None, host)
    return f"https://{host}"
