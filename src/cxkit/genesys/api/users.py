"""Users: ``/api/v2/users``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import EntityListing, Queue, User, UsersSearchResponse
from cxkit.genesys.paging import BodyPaginator, Paginator

__all__ = ["UsersAPI"]

_USERS = EntityListing[User]


class UsersAPI(Resource):
    """``client.users``."""

    __slots__ = ()

    async def list(
        self,
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        ids: Sequence[str] | None = None,
        sort_order: str | None = None,
        expand: Sequence[str] | None = None,
        state: str | None = None,
        **params: Any,
    ) -> EntityListing[User]:
        """``GET /api/v2/users``: one page (25 users by default)."""
        query = {
            "pageSize": page_size,
            "pageNumber": page_number,
            "id": ids,
            "sortOrder": sort_order,
            "expand": expand,
            "state": state,
            **params,
        }
        return await self._client.call("GET", "/api/v2/users", _USERS, params=query)

    def iter(
        self,
        *,
        page_size: int | None = 100,
        expand: Sequence[str] | None = None,
        state: str | None = None,
        **params: Any,
    ) -> Paginator[User]:
        """Every user, page after page (``async for user in client.users.iter()``)."""
        query = {"expand": expand, "state": state, **params}
        return Paginator(
            self._client, "/api/v2/users", _USERS, params=query, page_size=page_size, style="page"
        )

    async def get(
        self, user_id: str, *, expand: Sequence[str] | None = None, state: str | None = None
    ) -> User:
        """``GET /api/v2/users/{userId}``."""
        return await self._client.call(
            "GET", f"/api/v2/users/{seg(user_id)}", User, params={"expand": expand, "state": state}
        )

    async def me(self, *, expand: Sequence[str] | None = None) -> User:
        """``GET /api/v2/users/me`` (user tokens only: client credentials get 400
        ``not.a.user``)."""
        return await self._client.call("GET", "/api/v2/users/me", User, params={"expand": expand})

    async def queues(
        self,
        user_id: str,
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        joined: bool | None = None,
    ) -> EntityListing[Queue]:
        """``GET /api/v2/users/{userId}/queues``."""
        return await self._client.call(
            "GET",
            f"/api/v2/users/{seg(user_id)}/queues",
            EntityListing[Queue],
            params={"pageSize": page_size, "pageNumber": page_number, "joined": joined},
        )

    async def patch(self, user_id: str, body: Any) -> User:
        """``PATCH /api/v2/users/{userId}`` (include ``version``; :data:`NULL` clears)."""
        return await self._client.call("PATCH", f"/api/v2/users/{seg(user_id)}", User, json=body)

    async def search(self, query: Any) -> UsersSearchResponse:
        """``POST /api/v2/users/search``: one page of a UserSearchRequest, e.g.
        ``{"query": [{"type": "CONTAINS", "fields": ["email"], "value": "@example.com"}]}``."""
        return await self._client.call(
            "POST", "/api/v2/users/search", UsersSearchResponse, json=query
        )

    def iter_search(self, query: Any, *, page_size: int = 100) -> BodyPaginator[User]:
        """Every user a search finds, page after page."""
        return BodyPaginator(
            self._client, "/api/v2/users/search", query, UsersSearchResponse, page_size=page_size
        )
