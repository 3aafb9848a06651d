"""Routing: queues, members, user routing status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import EntityListing, Queue, QueueMember, RoutingStatus
from cxkit.genesys.paging import Paginator

__all__ = ["RoutingAPI"]

_QUEUES = EntityListing[Queue]
_MEMBERS = EntityListing[QueueMember]


class RoutingAPI(Resource):
    """``client.routing``."""

    __slots__ = ()

    async def list_queues(
        self,
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        name: str | None = None,
        ids: Sequence[str] | None = None,
        sort_order: str | None = None,
        **params: Any,
    ) -> EntityListing[Queue]:
        """``GET /api/v2/routing/queues`` (``name`` takes ``*`` wildcards)."""
        query = {
            "pageSize": page_size,
            "pageNumber": page_number,
            "name": name,
            "id": ids,
            "sortOrder": sort_order,
            **params,
        }
        return await self._client.call("GET", "/api/v2/routing/queues", _QUEUES, params=query)

    def iter_queues(
        self, *, page_size: int | None = 100, name: str | None = None, **params: Any
    ) -> Paginator[Queue]:
        """Every queue, page after page."""
        return Paginator(
            self._client,
            "/api/v2/routing/queues",
            _QUEUES,
            params={"name": name, **params},
            page_size=page_size,
            style="page",
        )

    async def get_queue(self, queue_id: str) -> Queue:
        """``GET /api/v2/routing/queues/{queueId}``."""
        return await self._client.call("GET", f"/api/v2/routing/queues/{seg(queue_id)}", Queue)

    async def queue_members(
        self,
        queue_id: str,
        *,
        page_size: int | None = None,
        page_number: int | None = None,
        joined: bool | None = None,
        expand: Sequence[str] | None = None,
        **params: Any,
    ) -> EntityListing[QueueMember]:
        """``GET /api/v2/routing/queues/{queueId}/members`` (pageSize at most 100)."""
        query = {
            "pageSize": page_size,
            "pageNumber": page_number,
            "joined": joined,
            "expand": expand,
            **params,
        }
        path = f"/api/v2/routing/queues/{seg(queue_id)}/members"
        return await self._client.call("GET", path, _MEMBERS, params=query)

    def iter_queue_members(
        self, queue_id: str, *, page_size: int | None = 100, **params: Any
    ) -> Paginator[QueueMember]:
        """Every member of a queue (the listing has no totals: paging follows ``nextUri``)."""
        return Paginator(
            self._client,
            f"/api/v2/routing/queues/{seg(queue_id)}/members",
            _MEMBERS,
            params=params,
            page_size=page_size,
            style="page",
        )

    async def user_status(self, user_id: str) -> RoutingStatus:
        """``GET /api/v2/users/{userId}/routingstatus``."""
        return await self._client.call(
            "GET", f"/api/v2/users/{seg(user_id)}/routingstatus", RoutingStatus
        )

    async def set_user_status(self, user_id: str, status: str) -> RoutingStatus:
        """``PUT /api/v2/users/{userId}/routingstatus`` (``IDLE``, ``OFF_QUEUE``, ...)."""
        return await self._client.call(
            "PUT",
            f"/api/v2/users/{seg(user_id)}/routingstatus",
            RoutingStatus,
            json={"userId": user_id, "status": str(status)},
        )
