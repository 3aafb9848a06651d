"""Genesys Cloud regions and the hosts derived from them.

The region list is data, not code: Genesys adds regions over time (the official SDKs disagree
on the count), so :data:`REGIONS` maps each name to its domain and every host is derived from
the domain: ``api.<d>`` (Platform API), ``login.<d>`` (OAuth), ``apps.<d>`` (web apps) and
``streaming.<d>`` (notifications; always prefer the ``connectUri`` the API returns).

Any base URL works too (the local emulator, a proxying gateway): :func:`resolve_hosts` accepts a
region name (``us_east_1`` or ``us-east-1``), a bare domain (``mypurecloud.ie``), or a URL.
The login URL is derived like the official SDKs do (``//api.`` → ``//login.``, case-insensitive)
and falls back to the API URL itself when the host has no ``api.`` prefix (one emulator process
serves both). A :class:`GatewayConfig` maps both onto one gateway host with path prefixes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from cxkit.config import Secret
from cxkit.errors import ConfigError

__all__ = [
    "AP_NORTHEAST_1",
    "AP_NORTHEAST_2",
    "AP_NORTHEAST_3",
    "AP_SOUTHEAST_1",
    "AP_SOUTHEAST_2",
    "AP_SOUTH_1",
    "CA_CENTRAL_1",
    "DEFAULT_REGION",
    "EUSC_DE_EAST_1",
    "EU_CENTRAL_1",
    "EU_CENTRAL_2",
    "EU_WEST_1",
    "EU_WEST_2",
    "ME_CENTRAL_1",
    "MX_CENTRAL_1",
    "REGIONS",
    "SA_EAST_1",
    "US_EAST_1",
    "US_EAST_2",
    "US_WEST_2",
    "GatewayConfig",
    "Hosts",
    "Region",
    "login_url_for",
    "region",
    "resolve_hosts",
]


@dataclass(frozen=True, slots=True)
class Region:
    """One Genesys Cloud region: its name (``us_east_1``) and domain (``mypurecloud.com``)."""

    name: str
    domain: str

    @property
    def api_url(self) -> str:
        """``https://api.<domain>``: the Platform API."""
        return f"https://api.{self.domain}"

    @property
    def login_url(self) -> str:
        """``https://login.<domain>``: OAuth token, authorize and logout."""
        return f"https://login.{self.domain}"

    @property
    def apps_url(self) -> str:
        """``https://apps.<domain>``: the web apps."""
        return f"https://apps.{self.domain}"

    @property
    def streaming_url(self) -> str:
        """``wss://streaming.<domain>``: the notifications WebSocket host (derived; the API's
        ``connectUri`` is authoritative)."""
        return f"wss://streaming.{self.domain}"


# name -> domain. Keep in sync with the vendor's region list; order as the SDKs list them.
_REGION_DOMAINS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "eu_west_1": "mypurecloud.ie",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "eu_central_1": "mypurecloud.de",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "ap_northeast_2": "apne2.pure.cloud",
    "eu_west_2": "euw2.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "us_east_2": "use2.us-gov-pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    "eu_central_2": "euc2.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
}

REGIONS: Mapping[str, Region] = MappingProxyType(
    {name: Region(name, domain) for name, domain in _REGION_DOMAINS.items()}
)
"""Every known region by name (``us_east_1`` style)."""

# Public constants, one per region (Go's README names constants its code does not export).
US_EAST_1: Region = REGIONS["us_east_1"]
EU_WEST_1: Region = REGIONS["eu_west_1"]
AP_SOUTHEAST_2: Region = REGIONS["ap_southeast_2"]
AP_NORTHEAST_1: Region = REGIONS["ap_northeast_1"]
EU_CENTRAL_1: Region = REGIONS["eu_central_1"]
US_WEST_2: Region = REGIONS["us_west_2"]
CA_CENTRAL_1: Region = REGIONS["ca_central_1"]
AP_NORTHEAST_2: Region = REGIONS["ap_northeast_2"]
EU_WEST_2: Region = REGIONS["eu_west_2"]
AP_SOUTH_1: Region = REGIONS["ap_south_1"]
US_EAST_2: Region = REGIONS["us_east_2"]
SA_EAST_1: Region = REGIONS["sa_east_1"]
ME_CENTRAL_1: Region = REGIONS["me_central_1"]
AP_NORTHEAST_3: Region = REGIONS["ap_northeast_3"]
EU_CENTRAL_2: Region = REGIONS["eu_central_2"]
MX_CENTRAL_1: Region = REGIONS["mx_central_1"]
AP_SOUTHEAST_1: Region = REGIONS["ap_southeast_1"]
EUSC_DE_EAST_1: Region = REGIONS["eusc_de_east_1"]

DEFAULT_REGION: Region = REGIONS["us_east_1"]
"""The official SDKs' default: ``https://api.mypurecloud.com``."""

_BY_DOMAIN: dict[str, Region] = {r.domain: r for r in REGIONS.values()}


def region(name: str) -> Region:
    """Look a region up by name (``us_east_1``, ``us-east-1``, ``US_EAST_1``) or domain.

    Raises :class:`cxkit.errors.ConfigError` listing the known names when there is no match.
    """
    key = name.strip().lower().replace("-", "_")
    found = REGIONS.get(key) or _BY_DOMAIN.get(name.strip().lower())
    if found is None:
        raise ConfigError.bad_value(
            "genesys.region", name, "a region name (" + ", ".join(REGIONS) + ") or a domain"
        )
    return found


_API_PREFIX = re.compile(r"//api\.", re.IGNORECASE)


def login_url_for(api_url: str) -> str:
    """The OAuth host for an API base URL: ``//api.`` becomes ``//login.`` (as the official
    SDKs do); any other URL (the emulator, a custom host) is its own login host."""
    if _API_PREFIX.search(api_url):
        return _API_PREFIX.sub("//login.", api_url, count=1)
    return api_url


def _check_url(key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError.bad_value(key, url, "an http(s) URL such as https://api.mypurecloud.com")
    return url.rstrip("/")


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """An API gateway in front of Genesys Cloud (official SDKs' ``gateway`` settings).

    With a gateway the login URL is ``<protocol>://<host>[:<port>]/<path_params_login>`` and the
    API URL ``<protocol>://<host>[:<port>]/<path_params_api>``; the port is left out when it is
    80 or 443, as the Go SDK does.
    """

    host: str
    protocol: str = "https"
    port: int | None = None
    path_params_login: str = ""
    path_params_api: str = ""
    username: str | None = None
    password: Secret | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.host:
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

    @classmethod
    def from_object(cls, obj: Any) -> GatewayConfig:
        """Build from any object or mapping with the official keys (``host``, ``protocol``,
        ``port``, ``path_params_login``/``path_params_api`` or Go's ``path_params``
        ``"login:x,api:y"`` / ``pathParams`` list, ``username``/``password``)."""
        if isinstance(obj, GatewayConfig):
            return obj

        def get(*names: str) -> Any:
            for name in names:
                value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
                if value not in (None, ""):
                    return value
            return None

        login = get("path_params_login", "pathParamsLogin")
        api = get("path_params_api", "pathParamsApi")
        params = get("path_params", "path-params", "pathParams")
        if isinstance(params, Mapping):
            login = login or params.get("login")
            api = api or params.get("api")
        elif isinstance(params, str):
            for part in params.split(","):
                name, _, value = part.partition(":")
                if name.strip().lower() == "login":
                    login = login or value.strip()
                elif name.strip().lower() == "api":
                    api = api or value.strip()
        elif isinstance(params, (list, tuple)):
            for item in params:
                key = item.get("pathName") if isinstance(item, Mapping) else item[0]
                val = item.get("pathValue") if isinstance(item, Mapping) else item[1]
                if str(key).lower() == "login":
                    login = login or val
                elif str(key).lower() == "api":
                    api = api or val
        port = get("port")
        if isinstance(port, str):
            if not port.strip().isdigit():
                raise ConfigError.bad_value("gateway.port", port, "an integer 1-65535")
            port = int(port)
        auth = get("auth")
        username = get("username", "auth_username", "auth-username") or (
            auth.get("username") if isinstance(auth, Mapping) else None
        )
        password = get("password", "auth_password", "auth-password") or (
            auth.get("password") if isinstance(auth, Mapping) else None
        )
        return cls(
            host=str(get("host") or ""),
            protocol=str(get("protocol") or "https").lower(),
            port=port,
            path_params_login=str(login or ""),
            path_params_api=str(api or ""),
            username=username,
            password=Secret(password) if password else None,
        )

    def _url(self, path: str) -> str:
        port = "" if self.port in (None, 80, 443) else f":{self.port}"
        path = path.strip("/")
        return f"{self.protocol}://{self.host}{port}" + (f"/{path}" if path else "")

    @property
    def api_url(self) -> str:
        """The API base URL through the gateway."""
        return self._url(self.path_params_api)

    @property
    def login_url(self) -> str:
        """The login base URL through the gateway."""
        return self._url(self.path_params_login)


@dataclass(frozen=True, slots=True)
class Hosts:
    """The resolved base URLs a client talks to."""

    api_url: str
    login_url: str
    region: Region | None = None


def resolve_hosts(
    where: str | Region | None = None,
    *,
    login_url: str | None = None,
    gateway: GatewayConfig | None = None,
) -> Hosts:
    """Resolve a region name, domain, :class:`Region` or base URL into API and login URLs.

    ``login_url`` overrides the derived login host; ``gateway`` overrides both.
    """
    if gateway is not None:
        return Hosts(gateway.api_url, gateway.login_url)
    if where is None:
        found: Region | None = DEFAULT_REGION
        api = DEFAULT_REGION.api_url
    elif isinstance(where, Region):
        found, api = where, where.api_url
    elif "://" in where:
        api = _check_url("genesys.base_url", where)
        host = (urlsplit(api).hostname or "").lower()
        found = _BY_DOMAIN.get(host[4:]) if host.startswith("api.") else None
    else:
        found = region(where)
        api = found.api_url
    login = _check_url("genesys.login_url", login_url) if login_url else login_url_for(api)
    return Hosts(api, login, found)
