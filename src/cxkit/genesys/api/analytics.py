"""Analytics: queue observations and conversation details."""

from __future__ import annotations

from typing import Any

from cxkit.genesys.api._base import Resource
from cxkit.genesys.models import AnalyticsConversationQueryResponse, QueueObservationQueryResponse
from cxkit.genesys.paging import AnalyticsPaginator

__all__ = ["AnalyticsAPI"]


class AnalyticsAPI(Resource):
    """``client.analytics``."""

    __slots__ = ()

    async def queue_observations(self, query: Any) -> QueueObservationQueryResponse:
        """``POST /api/v2/analytics/queues/observations/query``: real-time queue figures.

        ``query``: ``{"filter": {...}, "metrics": ["oWaiting", "oOnQueueUsers", ...]}``."""
        return await self._client.call(
            "POST",
            "/api/v2/analytics/queues/observations/query",
            QueueObservationQueryResponse,
            json=query,
        )

    async def conversation_details(self, query: Any) -> AnalyticsConversationQueryResponse:
        """``POST /api/v2/analytics/conversations/details/query``: one page (``paging`` in
        the body)."""
        return await self._client.call(
            "POST",
            "/api/v2/analytics/conversations/details/query",
            AnalyticsConversationQueryResponse,
            json=query,
        )

    def iter_conversation_details(
        self, query: Any, *, page_size: int = 100, dedupe: bool = True
    ) -> AnalyticsPaginator:
        """Every conversation matching ``query``, page after page, each once (pages shift
        while data arrives, so duplicates are dropped by ``conversationId``)."""
        return AnalyticsPaginator(self._client, query, page_size=page_size, dedupe=dedupe)
