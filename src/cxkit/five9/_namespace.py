"""Shared plumbing of the agent and supervisor namespaces."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from cxkit.errors import ConfigError, UsageError
from cxkit.five9.models import MaintenanceNotice, Metadata, ReasonCode

if TYPE_CHECKING:
    from cxkit.five9.client import Five9Client, Role

__all__ = ["Namespace", "StationBodyStyle", "station_body_of"]

T = TypeVar("T")

StationBodyStyle = Literal["standard", "with_state", "type_only"]
"""How a ``session_start`` body is spelled (see :func:`station_body_of`)."""


def station_body_of(style: StationBodyStyle, station_type: str, station_id: str) -> dict[str, str]:
    """The ``session_start`` body in one of the three spellings clients send (Five9 accepts
    them all): ``standard`` ``{stationId, stationType}`` (the Go client), ``with_state``
    ``{state: "DISCONNECTED", stationId, stationType}`` (the PyPI clients' model) and
    ``type_only`` ``{stationType}`` (a minimal peer; no station id, so not for PSTN)."""
    if style == "standard":
        return {"stationId": station_id, "stationType": station_type}
    if style == "with_state":
        return {"state": "DISCONNECTED", "stationId": station_id, "stationType": station_type}
    if style == "type_only":
        return {"stationType": station_type}
    raise ConfigError.bad_value("five9.station_body", style, "standard, with_state or type_only")


# Placeholders the client does not fill itself (it fills agentId, supId, orgId, userId).
_UNFILLED = re.compile(r"\{(?!(?:agentId|supId|orgId|userId)\})(\w+)\}")


class Namespace:
    """Methods common to ``client.agent`` and ``client.supervisor`` (session lifecycle,
    notices, reason codes). ``{me}`` in paths is ``agents/{agentId}`` or
    ``supervisors/{supId}``."""

    role: Role
    _me: str

    def __init__(self, client: Five9Client) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<Five9 {self.role} API of {self._client!r}>"

    async def _call(
        self,
        method: str,
        path: str,
        type_: Any = None,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        working: bool = True,
    ) -> Any:
        return await self._client.call(
            self.role,
            method,
            path.replace("{me}", self._me),
            type_,
            params=params,
            json=json,
            working=working,
        )

    async def _one(self, method: str, path: str, type_: type[T], **kwargs: Any) -> T | None:
        value: T | None = await self._call(method, path, type_, **kwargs)
        return value

    def register(
        self,
        name: str,
        method: str,
        path: str,
        type_: Any = None,
        *,
        working: bool = True,
    ) -> Callable[..., Awaitable[Any]]:
        """Add a method for an endpoint this namespace does not cover (as the Five9 Python
        pack lets users inject methods). ``path`` is relative to the role's root and may use
        ``{agentId}``/``{supId}``/``{orgId}``/``{userId}`` plus ``{name}`` placeholders filled
        from keyword arguments; the answer is decoded into ``type_`` (generic JSON if None).

        .. code-block:: python

            client.agent.register("prompts", "GET", "agents/{agentId}/prompts")
            prompts = await client.agent.prompts()
        """
        if not name.isidentifier() or name.startswith("_") or hasattr(type(self), name):
            raise UsageError(f"cannot register {name!r}: not a free public method name")

        async def endpoint(
            *, json: Any = None, params: dict[str, Any] | None = None, **ids: Any
        ) -> Any:
            filled = path
            for key, value in ids.items():
                filled = filled.replace("{" + key + "}", str(value))
            missing = _UNFILLED.findall(filled)
            if missing:
                raise UsageError(f"{name}(): no value for {', '.join(missing)} of {path!r}")
            return await self._call(
                method, filled, type_, params=params, json=json, working=working
            )

        endpoint.__name__ = endpoint.__qualname__ = name
        endpoint.__doc__ = f"``{method.upper()} {path}`` (registered)."
        setattr(self, name, endpoint)
        return endpoint

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Any endpoint under this role's root (``{agentId}``/``{supId}``/``{orgId}`` filled);
        returns the :class:`~cxkit.core.http.APIResponse`."""
        return await self._client.request(method, path, role=self.role, **kwargs)

    # -- session lifecycle

    async def login_state(self) -> str | None:
        """``GET {me}/login_state`` (a bare string such as ``"WORKING"``)."""
        value = await self._call("GET", "{me}/login_state", working=False)
        return value.strip('"').upper() if isinstance(value, str) else value

    async def ensure_working(self) -> None:
        """Drive this role's login state to WORKING (done automatically before calls)."""
        await self._client.ensure_working(self.role)

    async def session_start(
        self,
        *,
        station_type: str = "EMPTY",
        station_id: str = "",
        force: bool | None = None,
        style: StationBodyStyle = "standard",
    ) -> None:
        """``PUT {me}/session_start[?force=...]`` with the station body spelled as ``style``
        says (:func:`station_body_of`; ``{stationId, stationType}`` by default)."""
        params = None if force is None else {"force": "true" if force else "false"}
        await self._call(
            "PUT",
            "{me}/session_start",
            params=params,
            json=station_body_of(style, station_type, station_id),
            working=False,
        )

    async def session_restart(self) -> None:
        """``PUT {me}/session_restart`` (the RELOGIN state)."""
        await self._call("PUT", "{me}/session_restart", working=False)

    async def session_stop(self) -> None:
        """``PUT {me}/session_stop``: end the station session (the login stays)."""
        await self._call("PUT", "{me}/session_stop", working=False)
        self._client._invalidate_role(self.role)

    async def ping(self) -> None:
        """``PUT {me}/ping``: REST keep-alive."""
        await self._call("PUT", "{me}/ping", working=False)

    async def maintenance_notices(self) -> list[MaintenanceNotice]:
        """``GET {me}/maintenance_notices``."""
        return (
            await self._call(
                "GET", "{me}/maintenance_notices", list[MaintenanceNotice], working=False
            )
            or []
        )

    async def accept_notice(self, notice_id: str) -> MaintenanceNotice | None:
        """``PUT {me}/maintenance_notices/{id}/accept`` (returns the notice)."""
        return await self._one(
            "PUT",
            f"{{me}}/maintenance_notices/{notice_id}/accept",
            MaintenanceNotice,
            working=False,
        )

    async def session_expiration(self) -> Any:
        """``GET {me}/session_expiration`` (when the session expires, epoch ms)."""
        return await self._call("GET", "{me}/session_expiration", working=False)

    async def switchover_metadata(self) -> Metadata | None:
        """``GET {me}/switchover_metadata``: the data centers to switch to."""
        return await self._one("GET", "{me}/switchover_metadata", Metadata, working=False)

    async def station(self) -> Any:
        """``GET {me}/station`` (``{stationId, stationType, state}``, or null)."""
        return await self._call("GET", "{me}/station", working=False)

    async def station_state(self) -> str | None:
        """``GET {me}/station_state`` (``CONNECTED``, ``DISCONNECTED``, ...)."""
        value = await self._call("GET", "{me}/station_state", working=False)
        return value if isinstance(value, str) or value is None else str(value)

    async def restart_station(self) -> None:
        """``PUT {me}/station/restart``."""
        await self._call("PUT", "{me}/station/restart", working=False)

    async def user_permissions(self) -> list[str]:
        """``GET users/{userId}/permissions`` (probe before undocumented endpoints)."""
        return await self._call("GET", "users/{userId}/permissions", list[str], working=False) or []

    async def user_roles(self) -> list[str]:
        """``GET users/{userId}/roles``."""
        return await self._call("GET", "users/{userId}/roles", list[str], working=False) or []

    async def org(self) -> Any:
        """``GET orgs/{orgId}`` (the domain's id and name)."""
        return await self._call("GET", "orgs/{orgId}")

    async def server_time(self) -> int | None:
        """``GET orgs/{orgId}/time`` (epoch ms)."""
        value = await self._call("GET", "orgs/{orgId}/time")
        return int(value) if isinstance(value, (int, float)) else None

    async def time_zones(self) -> list[str]:
        """``GET orgs/{orgId}/time_zones``."""
        return await self._call("GET", "orgs/{orgId}/time_zones", list[str]) or []

    # -- reason codes

    async def not_ready_reason_codes(self) -> list[ReasonCode]:
        """``GET orgs/{orgId}/not_ready_reason_codes``."""
        return (
            await self._call("GET", "orgs/{orgId}/not_ready_reason_codes", list[ReasonCode]) or []
        )

    async def logout_reason_codes(self) -> list[ReasonCode]:
        """``GET orgs/{orgId}/logout_reason_codes``."""
        return await self._call("GET", "orgs/{orgId}/logout_reason_codes", list[ReasonCode]) or []

    async def reason_code_names(self) -> dict[str, str]:
        """Not-ready reason code id -> name (``"0"`` is no reason)."""
        return {c.id: c.name or c.id for c in await self.not_ready_reason_codes()}
