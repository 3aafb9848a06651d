"""The emulated data centers: login metadata, the active DC and host matching.

The emulator is one server; its "login host" (the ``app.five9.com`` role) and its "DC hosts"
are names of that server told apart by the request's ``Host`` header (``127.0.0.1:PORT``
vs ``localhost:PORT`` by default). A migration moves the domain to another DC: from then on
REST calls that still reach the old DC's host answer "service migrated".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cxkit.emulator.five9.ids import IdGenerator
from cxkit.emulator.five9.options import DataCenterSpec

__all__ = ["DataCenter", "DataCenters"]


@dataclass(slots=True)
class DataCenter:
    """One data center with its placeholders resolved and its route keys fixed."""

    spec: DataCenterSpec
    host: str
    port: str
    route_keys: dict[str, str]

    @property
    def farm_id(self) -> str:
        """The farm id of this DC (``context.farmId`` while it is active)."""
        return self.spec.farm_id

    def matches(self, host_header: str) -> bool:
        """True when a request's ``Host`` header names this DC."""
        return _split_host(host_header, self.port) == (self.host.lower(), self.port)

    def url(self, kind: str) -> dict[str, str]:
        """One ``{host, port, routeKey, version}`` entry (``kind``: UI, API or LGN)."""
        return {
            "host": self.host,
            "port": self.port,
            "routeKey": self.route_keys[kind],
            "version": self.spec.version,
        }


def _split_host(host_header: str, default_port: str) -> tuple[str, str]:
    host, sep, port = host_header.rpartition(":")
    if not sep or "]" in port:
        return host_header.lower(), default_port
    return host.lower(), port


class DataCenters:
    """The DC list of the login metadata (resolved lazily: the port is known late)."""

    def __init__(self, specs: tuple[DataCenterSpec, ...], ids: IdGenerator) -> None:
        if not specs:
            raise ValueError("the five9 emulator needs at least one data center")
        self._specs = specs
        self._ids = ids
        self._resolved: list[DataCenter] | None = None
        self._base_url = ""
        actives = [i for i, spec in enumerate(specs) if spec.active]
        self.active_index = actives[0] if actives else 0
        self.retired: set[int] = set()
        """DCs the domain migrated away from: REST there answers "service migrated"."""

    def resolve(self, base_url: str) -> list[DataCenter]:
        """The DCs with ``{login_host}``, ``{alt_host}`` and ``{port}`` filled in."""
        if self._resolved is not None and base_url == self._base_url:
            return self._resolved
        parts = urlsplit(base_url)
        login_host = parts.hostname or "127.0.0.1"
        port = str(parts.port or (443 if parts.scheme == "https" else 80))
        alt_host = "127.0.0.1" if login_host == "localhost" else "localhost"
        old_keys = [dc.route_keys for dc in self._resolved] if self._resolved else None
        resolved = []
        for index, spec in enumerate(self._specs):
            fill = {"login_host": login_host, "alt_host": alt_host, "port": port}
            keys = (
                old_keys[index]
                if old_keys
                else {k: self._ids.route_key(spec.code, k) for k in ("UI", "API", "LGN")}
            )
            resolved.append(
                DataCenter(
                    spec=spec,
                    host=spec.host.format(**fill),
                    port=str(spec.port).format(**fill),
                    route_keys=keys,
                )
            )
        self._resolved = resolved
        self._base_url = base_url
        return resolved

    def active(self, base_url: str) -> DataCenter:
        """The DC the domain lives on now."""
        return self.resolve(base_url)[self.active_index]

    def metadata(self, base_url: str, freedom_url: str) -> dict[str, Any]:
        """The ``metadata`` object of the login body (and of event 1002)."""
        return {
            "freedomUrl": freedom_url,
            "dataCenters": [
                {
                    "name": dc.spec.name,
                    "uiUrls": [dc.url("UI")],
                    "apiUrls": [dc.url("API")],
                    "loginUrls": [dc.url("LGN")],
                    "active": index == self.active_index,
                }
                for index, dc in enumerate(self.resolve(base_url))
            ],
        }

    def which(self, base_url: str, host_header: str) -> int | None:
        """Index of the DC a request's ``Host`` names (None: not a DC host)."""
        for index, dc in enumerate(self.resolve(base_url)):
            if dc.matches(host_header):
                return index
        return None

    def migrate(self, target: int | str | None) -> int:
        """Make another DC active (by index, name or code; None: the next one)."""
        specs = self._specs
        if target is None:
            if len(specs) < 2:
                raise ValueError("migration needs at least two data centers")
            new = (self.active_index + 1) % len(specs)
        elif isinstance(target, int) and not isinstance(target, bool):
            if not 0 <= target < len(specs):
                raise ValueError(f"no data center at index {target}")
            new = target
        else:
            matches = [
                i
                for i, spec in enumerate(specs)
                if str(target).lower() in (spec.name.lower(), spec.code.lower())
            ]
            if not matches:
                raise ValueError(f"no data center named {target!r}")
            new = matches[0]
        if new != self.active_index:
            self.retired.add(self.active_index)
        self.retired.discard(new)
        self.active_index = new
        return new

    def is_retired(self, base_url: str, host_header: str) -> bool:
        """True when a request reaches a DC the domain migrated away from."""
        index = self.which(base_url, host_header)
        return index is not None and index in self.retired
