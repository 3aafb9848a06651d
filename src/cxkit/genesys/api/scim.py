"""SCIM 2.0 users: ``/api/v2/scim/v2/users`` (``startIndex``/``count`` paging)."""

from __future__ import annotations

from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import ScimListing, ScimUser
from cxkit.genesys.paging import Paginator

__all__ = ["ScimAPI"]

_USERS = ScimListing[ScimUser]


class ScimAPI(Resource):
    """``client.scim``."""

    __slots__ = ()

    async def list_users(
        self, *, start_index: int | None = None, count: int | None = None
    ) -> ScimListing[ScimUser]:
        """``GET /api/v2/scim/v2/users`` (``start_index`` is 1-based)."""
        return await self._client.call(
            "GET",
            "/api/v2/scim/v2/users",
            _USERS,
            params={"startIndex": start_index, "count": count},
        )

    def iter_users(self, *, count: int = 100) -> Paginator[ScimUser]:
        """Every SCIM user, ``count`` per page."""
        return Paginator(
            self._client, "/api/v2/scim/v2/users", _USERS, page_size=count, style="index"
        )

    async def get_user(self, user_id: str) -> ScimUser:
        """``GET /api/v2/scim/v2/users/{userId}``."""
        return await self._client.call("GET", f"/api/v2/scim/v2/users/{seg(user_id)}", ScimUser)
