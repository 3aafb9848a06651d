"""``/api/v2/routing/queues*``."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from cxkit.emulator.genesys import render
from cxkit.emulator.genesys.api import json_body, json_response, query_bool, query_list
from cxkit.emulator.genesys.errors import bad_request, invalid_value, not_found
from cxkit.emulator.genesys.model import Queue
from cxkit.emulator.genesys.paging import page_listing, read_page
from cxkit.emulator.genesys.runtime import Runtime

__all__ = ["RoutingRoutes"]

_SORT = {"asc": False, "ascending": False, "desc": True, "descending": True}


def _name_matcher(pattern: str) -> re.Pattern[str]:
    """``name`` filter: case-insensitive, ``*`` wildcards at either end."""
    body = re.escape(pattern.strip("*"))
    prefix = ".*" if pattern.startswith("*") else ""
    suffix = ".*" if pattern.endswith("*") else ""
    return re.compile(f"{prefix}{body}{suffix}", re.IGNORECASE)


class RoutingRoutes:
    """Queues and queue members."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        return [
            web.get("/routing/queues", self.list_queues),
            web.get("/routing/queues/{queue_id}", self.get_queue),
            web.get("/routing/queues/{queue_id}/members", self.members),
            web.post("/routing/queues/{queue_id}/members", self.change_members),
        ]

    def _queue(self, request: web.Request) -> Queue:
        queue = self.rt.state.queues.get(request.match_info["queue_id"])
        if queue is None:
            raise not_found("queue")
        return queue

    def _order(self, request: web.Request) -> bool:
        order = request.query.get("sortOrder", "asc").lower()
        if order not in _SORT:
            raise invalid_value("sortOrder", order, "asc, desc")
        return _SORT[order]

    async def list_queues(self, request: web.Request) -> web.Response:
        """``GET /api/v2/routing/queues`` (pageNumber, pageSize, sortOrder, name, id)."""
        page = read_page(request)
        descending = self._order(request)
        ids = set(query_list(request, "id"))
        name = request.query.get("name")
        matcher = _name_matcher(name) if name else None
        queues = [
            q
            for q in self.rt.state.queues.values()
            if (not ids or q.id in ids) and (matcher is None or matcher.fullmatch(q.name))
        ]
        queues.sort(key=lambda q: q.name.lower(), reverse=descending)
        rows = [render.queue(self.rt.state, q) for q in queues]
        return json_response(page_listing(request, rows, page))

    async def get_queue(self, request: web.Request) -> web.Response:
        """``GET /api/v2/routing/queues/{queueId}``."""
        return json_response(render.queue(self.rt.state, self._queue(request)))

    async def members(self, request: web.Request) -> web.Response:
        """``GET /api/v2/routing/queues/{queueId}/members`` (pageSize <= 100; filters name,
        joined, routingStatus, presence, memberBy; no totals in the answer)."""
        queue = self._queue(request)
        page = read_page(request, max_size=100)
        descending = self._order(request)
        state = self.rt.state
        name = request.query.get("name")
        matcher = _name_matcher(name) if name else None
        statuses = {s.upper() for s in query_list(request, "routingStatus")}
        presences = {p.replace(" ", "").lower() for p in query_list(request, "presence")}
        joined = query_bool(request, "joined", True) if "joined" in request.query else None
        member_by = request.query.get("memberBy")
        if member_by not in (None, "", "user", "group"):
            raise invalid_value("memberBy", member_by, "user, group")
        users = []
        for uid, is_joined in queue.members.items():
            u = state.users[uid]
            definition = state.presences[u.presence_id]
            if (
                (matcher is None or matcher.fullmatch(u.name))
                and (joined is None or is_joined == joined)
                and (not statuses or u.routing_status in statuses)
                and (
                    not presences
                    or definition.label.replace(" ", "").lower() in presences
                    or definition.system_presence.replace("_", "").lower() in presences
                )
                and member_by != "group"
            ):
                users.append(u)
        users.sort(key=lambda u: u.name.lower(), reverse=descending)
        expand = query_list(request, "expand")
        rows = [render.queue_member(state, queue, u, expand) for u in users]
        return json_response(page_listing(request, rows, page, totals=False))

    async def change_members(self, request: web.Request) -> web.Response:
        """``POST /api/v2/routing/queues/{queueId}/members`` ``[{id}]`` (``delete=true``
        removes them); emits ``v2.routing.queues.{id}.users``."""
        queue = self._queue(request)
        body: Any = await json_body(request)
        if not isinstance(body, list) or not all(
            isinstance(m, dict) and isinstance(m.get("id"), str) for m in body
        ):
            raise bad_request("The body must be a list of {id} objects")
        remove = query_bool(request, "delete", False)
        for member in body:
            if member["id"] not in self.rt.state.users:
                raise not_found("user")
        for member in body:
            if remove:
                if member["id"] in queue.members:
                    self.rt.state.remove_queue_member(queue.id, member["id"])
            elif member["id"] not in queue.members:
                self.rt.state.set_queue_member(queue.id, member["id"], joined=True)
        return web.Response(status=204)
