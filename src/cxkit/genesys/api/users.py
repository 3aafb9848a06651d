"""Users: ``/api/v2/users``."""

from __future__ import annotations

import base64
import builtins
from collections.abc import Sequence
from typing import Any

import msgspec

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

    async def create(self, body: Any) -> User:
        """``POST /api/v2/users``: a CreateUser body (``{name, email, ...}``)."""
        return await self._client.call("POST", "/api/v2/users", User, json=body)

    async def delete(self, user_id: str) -> None:
        """``DELETE /api/v2/users/{userId}``: the user becomes ``deleted`` (still readable
        with ``state="deleted"``)."""
        await self._client.request("DELETE", f"/api/v2/users/{seg(user_id)}")

    async def set_profile_skills(
        self, user_id: str, skills: Sequence[str]
    ) -> builtins.list[str]:  # (``list`` here is the method above)
        """``PUT /api/v2/users/{userId}/profileskills``: replace the profile skills; returns
        them as stored."""
        return await self._client.call(
            "PUT", f"/api/v2/users/{seg(user_id)}/profileskills", list[str], json=list(skills)
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

    async def search_q64(
        self, query: Any, *, expand: Sequence[str] | None = None
    ) -> UsersSearchResponse:
        """``GET /api/v2/users/search?q64=``: the same search as :meth:`search` by GET (the
        query travels base64-encoded; cacheable, and allowed where POST is not)."""
        q64 = base64.b64encode(msgspec.json.encode(query)).decode("ascii")
        return await self._client.call(
            "GET",
            "/api/v2/users/search",
            UsersSearchResponse,
            params={"q64": q64, "expand": expand},
        )

    def iter_search(self, query: Any, *, page_size: int = 100) -> BodyPaginator[User]:
        """Every user a search finds, page after page."""
        return BodyPaginator(
            self._client, "/api/v2/users/search", query, UsersSearchResponse, page_size=page_size
        )
