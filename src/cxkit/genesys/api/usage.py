"""The Usage API: ``/api/v2/usage/query`` (request counts by client, user, endpoint, status)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import UsageExecution, UsageQueryResults

__all__ = ["UsageAPI"]


class UsageAPI(Resource):
    """``client.usage``: find out which client or endpoint burns the rate limit."""

    __slots__ = ()

    async def submit(self, query: Any) -> UsageExecution:
        """``POST /api/v2/usage/query``: ``{"interval": "start/end", "groupBy":
        ["OAuthClientId", "TemplateUri"], "metrics": ["Status429", "Requests"]}``."""
        return await self._client.call("POST", "/api/v2/usage/query", UsageExecution, json=query)

    async def results(self, execution_id: str) -> UsageQueryResults:
        """``GET /api/v2/usage/query/{executionId}/results`` (``query_status`` may be
        ``Running``: ask again)."""
        path = f"/api/v2/usage/query/{seg(execution_id)}/results"
        return await self._client.call("GET", path, UsageQueryResults)

    async def query(
        self,
        interval: str,
        *,
        group_by: Sequence[str] = ("OAuthClientId",),
        metrics: Sequence[str] = ("Status200", "Status400", "Status429", "Status500", "Requests"),
        granularity: str | None = None,
        poll_interval: float = 1.0,
        timeout: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> UsageQueryResults:
        """Submit a query and wait until its results are complete (``TimeoutError`` after
        ``timeout`` seconds)."""
        body: dict[str, Any] = {
            "interval": interval,
            "groupBy": list(group_by),
            "metrics": list(metrics),
            "granularity": granularity,
        }
        execution = await self.submit(body)
        async with asyncio.timeout(timeout):
            while True:
                results = await self.results(execution.execution_id)
                if (results.query_status or "Complete").lower() != "running":
                    return results
                await sleep(poll_interval)
