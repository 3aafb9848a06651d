"""``/api/v2/scim/v2/users``: the SCIM 2.0 user listing (``startIndex``/``count`` paging,
``{Resources, totalResults, startIndex, itemsPerPage}`` answers, RFC 7644)."""

from __future__ import annotations

from typing import Any, Final

from aiohttp import web

from cxkit.emulator.genesys.api import json_response
from cxkit.emulator.genesys.errors import invalid_value, not_found
from cxkit.emulator.genesys.model import User
from cxkit.emulator.genesys.runtime import Runtime

__all__ = ["ScimRoutes"]

_LIST: Final = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
_USER: Final = "urn:ietf:params:scim:schemas:core:2.0:User"
_MAX_COUNT: Final = 100


def scim_user(u: User) -> dict[str, Any]:
    """A user as a SCIM resource."""
    return {
        "schemas": [_USER],
        "id": u.id,
        "userName": u.email,
        "displayName": u.name,
        "active": u.state == "active",
        "title": u.title,
        "emails": [{"value": u.email, "type": "work", "primary": True}],
        "meta": {
            "resourceType": "User",
            "location": f"/api/v2/scim/v2/users/{u.id}",
            "version": f'W/"{u.version}"',
        },
    }


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_value(name, raw, f"an integer {low}-{high}") from None
    # RFC 7644 3.4.2.4: a startIndex below 1 is read as 1, a negative count as 0.
    return min(max(value, low), high)


class ScimRoutes:
    """SCIM users (list and get)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        return [
            web.get("/scim/v2/users", self.list_users),
            web.get("/scim/v2/users/{user_id}", self.get_user),
        ]

    async def list_users(self, request: web.Request) -> web.Response:
        """``GET /api/v2/scim/v2/users?startIndex=1&count=25`` (1-based index)."""
        start = _int(request, "startIndex", 1, 1, 1_000_000)
        count = _int(request, "count", 25, 0, _MAX_COUNT)
        users = [u for u in self.rt.state.users.values() if u.state != "deleted"]
        users.sort(key=lambda u: u.email.lower())
        page = users[start - 1 : start - 1 + count]
        return json_response(
            {
                "schemas": [_LIST],
                "totalResults": len(users),
                "startIndex": start,
                "itemsPerPage": len(page),
                "Resources": [scim_user(u) for u in page],
            }
        )

    async def get_user(self, request: web.Request) -> web.Response:
        """``GET /api/v2/scim/v2/users/{userId}``."""
        user = self.rt.state.users.get(request.match_info["user_id"])
        if user is None or user.state == "deleted":
            raise not_found("user")
        return json_response(scim_user(user))
