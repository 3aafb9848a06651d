"""``/api/v2/analytics/*``: queue observations, conversation details (query, single, async
jobs) and conversation aggregates."""

from __future__ import annotations

from aiohttp import web

from cxkit.emulator.genesys.analytics import (
    analytics_conversation,
    conversation_aggregates_query,
    conversation_details_query,
    matching_conversations,
    queue_observation_query,
    user_details_query,
)
from cxkit.emulator.genesys.api import json_body, json_response
from cxkit.emulator.genesys.errors import not_found
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.timefmt import iso

__all__ = ["AnalyticsRoutes"]

_JOBS = "/analytics/conversations/details/jobs"


class AnalyticsRoutes:
    """Analytics queries and async details jobs."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table (``jobs/availability`` before ``jobs/{jobId}``)."""
        return [
            web.post("/analytics/queues/observations/query", self.observations),
            web.post("/analytics/conversations/details/query", self.details_query),
            web.post("/analytics/conversations/aggregates/query", self.aggregates_query),
            web.post("/analytics/users/details/query", self.users_details_query),
            web.post(_JOBS, self.submit_job),
            web.get(f"{_JOBS}/availability", self.availability),
            web.get(f"{_JOBS}/{{job_id}}", self.job_status),
            web.delete(f"{_JOBS}/{{job_id}}", self.cancel_job),
            web.get(f"{_JOBS}/{{job_id}}/results", self.job_results),
            web.get("/analytics/conversations/{conversation_id}/details", self.details),
        ]

    async def observations(self, request: web.Request) -> web.Response:
        """``POST /api/v2/analytics/queues/observations/query``."""
        return json_response(queue_observation_query(self.rt.state, await json_body(request)))

    async def details_query(self, request: web.Request) -> web.Response:
        """``POST /api/v2/analytics/conversations/details/query`` (pages shift between calls
        with the ``analytics_shift_pages`` switch)."""
        body = await json_body(request)
        shift = 0
        if self.rt.live.current.analytics_shift_pages:
            shift = self.rt.details_calls
            self.rt.details_calls += 1
        return json_response(conversation_details_query(self.rt.state, body, shift=shift))

    async def aggregates_query(self, request: web.Request) -> web.Response:
        """``POST /api/v2/analytics/conversations/aggregates/query``."""
        body = await json_body(request)
        return json_response(conversation_aggregates_query(self.rt.state, body))

    async def users_details_query(self, request: web.Request) -> web.Response:
        """``POST /api/v2/analytics/users/details/query``."""
        body = await json_body(request)
        return json_response(user_details_query(self.rt.state, body))

    async def details(self, request: web.Request) -> web.Response:
        """``GET /api/v2/analytics/conversations/{conversationId}/details``."""
        found = self.rt.state.conversations.get(request.match_info["conversation_id"])
        if found is None:
            raise not_found("conversation")
        return json_response(analytics_conversation(found))

    # ------------------------------------------------------------------ async jobs

    async def submit_job(self, request: web.Request) -> web.Response:
        """``POST .../details/jobs`` AsyncConversationQuery -> 202 ``{jobId}``."""
        hits = matching_conversations(self.rt.state, await json_body(request))
        job = self.rt.jobs.submit([c.id for c in hits])
        return json_response({"jobId": job.id}, status=202)

    async def availability(self, request: web.Request) -> web.Response:
        """``GET .../details/jobs/availability`` -> ``{dataAvailabilityDate}``."""
        return json_response({"dataAvailabilityDate": iso(self.rt.now())})

    async def job_status(self, request: web.Request) -> web.Response:
        """``GET .../details/jobs/{jobId}`` -> AsyncQueryStatus (each poll moves it on)."""
        jobs = self.rt.jobs
        return json_response(jobs.poll(jobs.get(request.match_info["job_id"])))

    async def cancel_job(self, request: web.Request) -> web.Response:
        """``DELETE .../details/jobs/{jobId}``: cancel (202, no body)."""
        jobs = self.rt.jobs
        jobs.cancel(jobs.get(request.match_info["job_id"]))
        return web.Response(status=202)

    async def job_results(self, request: web.Request) -> web.Response:
        """``GET .../details/jobs/{jobId}/results?cursor&pageSize`` ->
        ``{conversations, cursor?, dataAvailabilityDate}``."""
        jobs, state = self.rt.jobs, self.rt.state
        job = jobs.get(request.match_info["job_id"])
        ids, cursor = jobs.results(job, request.query.get("cursor"), request.query.get("pageSize"))
        body: dict[str, object] = {
            "conversations": [
                analytics_conversation(state.conversations[cid])
                for cid in ids
                if cid in state.conversations
            ],
            "dataAvailabilityDate": iso(self.rt.now()),
        }
        if cursor is not None:
            body["cursor"] = cursor
        return json_response(body)
