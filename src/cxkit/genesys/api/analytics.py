"""Analytics: queue observations, conversation details (query, async jobs), aggregates,
users details (presence and routing-status periods)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final

from cxkit.errors import APIStatusError
from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import (
    AnalyticsConversation,
    AnalyticsConversationQueryResponse,
    AnalyticsJobResults,
    AnalyticsUserDetail,
    AnalyticsUserDetailsQueryResponse,
    AsyncQueryResponse,
    AsyncQueryStatus,
    ConversationAggregateQueryResponse,
    QueueObservationQueryResponse,
)
from cxkit.genesys.paging import AnalyticsPaginator, BodyPaginator, Paginator

__all__ = ["AnalyticsAPI", "AnalyticsJobFailed"]

_JOBS: Final = "/api/v2/analytics/conversations/details/jobs"
_USERS_DETAILS: Final = "/api/v2/analytics/users/details/query"
_DONE: Final = frozenset({"FULFILLED", "FAILED", "CANCELLED", "EXPIRED"})


def _user_details(page: AnalyticsUserDetailsQueryResponse) -> list[AnalyticsUserDetail]:
    return page.user_details


class AnalyticsJobFailed(APIStatusError):
    """An async details job ended FAILED, CANCELLED or EXPIRED instead of FULFILLED;
    ``state`` says which and ``vendor_message`` holds the service's ``errorMessage``."""

    def __init__(self, job_id: str, status: AsyncQueryStatus) -> None:
        super().__init__(
            f"analytics job {job_id} ended {status.state}"
            + (f": {status.error_message}" if status.error_message else ""),
            vendor="genesys",
            status=200,
            code=status.state,
            vendor_message=status.error_message,
        )
        self.job_id = job_id
        self.state = status.state


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

    async def conversation(self, conversation_id: str) -> AnalyticsConversation:
        """``GET /api/v2/analytics/conversations/{conversationId}/details``: one
        conversation's analytics view (segments, metrics)."""
        return await self._client.call(
            "GET",
            f"/api/v2/analytics/conversations/{seg(conversation_id)}/details",
            AnalyticsConversation,
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

    async def conversation_aggregates(self, query: Any) -> ConversationAggregateQueryResponse:
        """``POST /api/v2/analytics/conversations/aggregates/query``: ``{"interval": ...,
        "groupBy": ["queueId"], "metrics": ["nOffered", "tHandle"]}``."""
        return await self._client.call(
            "POST",
            "/api/v2/analytics/conversations/aggregates/query",
            ConversationAggregateQueryResponse,
            json=query,
        )

    async def user_details(self, query: Any) -> AnalyticsUserDetailsQueryResponse:
        """``POST /api/v2/analytics/users/details/query``: users' presence and routing-status
        periods. ``query``: ``{"interval": "<start>/<end>", "userFilters": [...],
        "paging": {"pageSize": 25, "pageNumber": 1}}``."""
        return await self._client.call(
            "POST", _USERS_DETAILS, AnalyticsUserDetailsQueryResponse, json=query
        )

    def iter_user_details(
        self, query: Any, *, page_size: int = 100
    ) -> BodyPaginator[AnalyticsUserDetail]:
        """Every user detail matching ``query``, page after page (``paging`` in the body)."""
        return BodyPaginator(
            self._client,
            _USERS_DETAILS,
            query,
            AnalyticsUserDetailsQueryResponse,
            page_size=page_size,
            items=_user_details,
            paging_key="paging",
        )

    # ----------------------------------------------------------------- async jobs

    async def submit_conversation_details_job(self, query: Any) -> AsyncQueryResponse:
        """``POST .../details/jobs``: start an async details job (large exports, stable
        results, no page shifting); returns its ``job_id``."""
        return await self._client.call("POST", _JOBS, AsyncQueryResponse, json=query)

    async def conversation_details_job(self, job_id: str) -> AsyncQueryStatus:
        """``GET .../details/jobs/{jobId}``: the job's ``state``."""
        return await self._client.call("GET", f"{_JOBS}/{seg(job_id)}", AsyncQueryStatus)

    async def cancel_conversation_details_job(self, job_id: str) -> None:
        """``DELETE .../details/jobs/{jobId}``."""
        await self._client.request("DELETE", f"{_JOBS}/{seg(job_id)}")

    async def conversation_details_job_results(
        self, job_id: str, *, cursor: str | None = None, page_size: int | None = None
    ) -> AnalyticsJobResults:
        """``GET .../details/jobs/{jobId}/results``: one page (pass its ``cursor`` on)."""
        return await self._client.call(
            "GET",
            f"{_JOBS}/{seg(job_id)}/results",
            AnalyticsJobResults,
            params={"cursor": cursor, "pageSize": page_size},
        )

    def iter_conversation_details_job(
        self, job_id: str, *, page_size: int | None = None
    ) -> Paginator[AnalyticsConversation]:
        """Every conversation of a fulfilled job, following ``cursor`` until it is absent."""
        return Paginator(
            self._client,
            f"{_JOBS}/{seg(job_id)}/results",
            AnalyticsJobResults,
            page_size=page_size,
            style="cursor",
        )

    async def wait_for_conversation_details_job(
        self,
        job_id: str,
        *,
        poll_interval: float = 2.0,
        timeout: float = 600.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> AsyncQueryStatus:
        """Poll until the job is FULFILLED and return its status; raise
        :class:`AnalyticsJobFailed` for FAILED/CANCELLED/EXPIRED and ``TimeoutError``
        after ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            while True:
                status = await self.conversation_details_job(job_id)
                if status.state in _DONE:
                    if status.state != "FULFILLED":
                        raise AnalyticsJobFailed(job_id, status)
                    return status
                await sleep(poll_interval)

    async def run_conversation_details_job(
        self,
        query: Any,
        *,
        page_size: int | None = None,
        poll_interval: float = 2.0,
        timeout: float = 600.0,
    ) -> Paginator[AnalyticsConversation]:
        """Submit a job, wait until it is fulfilled, and return the paginator of its results:
        ``async for c in await client.analytics.run_conversation_details_job(query)``."""
        job = await self.submit_conversation_details_job(query)
        await self.wait_for_conversation_details_job(
            job.job_id, poll_interval=poll_interval, timeout=timeout
        )
        return self.iter_conversation_details_job(job.job_id, page_size=page_size)
