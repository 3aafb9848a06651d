"""``/api/v2/usage/query``: the Usage API over the emulator's own request log."""

from __future__ import annotations

import uuid

from aiohttp import web

from cxkit.emulator.genesys.api import json_body, json_response
from cxkit.emulator.genesys.errors import not_found
from cxkit.emulator.genesys.runtime import Runtime

__all__ = ["UsageRoutes"]


class UsageRoutes:
    """Submit a usage query, read its results."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        return [
            web.post("/usage/query", self.submit),
            web.get("/usage/query/{execution_id}/results", self.results),
        ]

    async def submit(self, request: web.Request) -> web.Response:
        """``POST /api/v2/usage/query`` ApiUsageQuery -> 202 ``{executionId, resultsUri}``."""
        body = await json_body(request)
        execution_id = str(uuid.uuid4())
        self.rt.usage.submit(execution_id, body)
        return json_response(
            {
                "executionId": execution_id,
                "resultsUri": f"/api/v2/usage/query/{execution_id}/results",
            },
            status=202,
        )

    async def results(self, request: web.Request) -> web.Response:
        """``GET /api/v2/usage/query/{executionId}/results`` -> ``{results, queryStatus}``."""
        found = self.rt.usage.results(request.match_info["execution_id"])
        if found is None:
            raise not_found("usage query")
        return json_response(found)
