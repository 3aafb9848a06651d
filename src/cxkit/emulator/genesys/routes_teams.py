"""``/api/v2/teams*``: the org's teams, paged with cursors (``before``/``after``).

The emulated org has one team per routing queue ("<queue> Team", the queue's members), so
the cursor-paged listings are backed by the same truth as everything else. Team ids are
derived from the queue ids (stable across resets with the same seed).
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Final

from aiohttp import web

from cxkit.emulator.genesys import render
from cxkit.emulator.genesys.api import json_response
from cxkit.emulator.genesys.cursor import cursor_listing, read_cursor_page
from cxkit.emulator.genesys.errors import not_found
from cxkit.emulator.genesys.model import Queue
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.timefmt import iso

__all__ = ["TeamRoutes", "team_id"]

_TEAMS: Final = uuid.UUID("6b0e3c1a-6f4e-4d55-9a8e-7c2d5e1f0a01")


def team_id(queue: Queue) -> str:
    """The id of the team that mirrors ``queue``."""
    return str(uuid.uuid5(_TEAMS, queue.id))


class TeamRoutes:
    """Teams and team members."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        return [
            web.get("/teams", self.list_teams),
            web.get("/teams/{team_id}", self.get_team),
            web.get("/teams/{team_id}/members", self.members),
        ]

    def _teams(self) -> list[Queue]:
        return sorted(self.rt.state.queues.values(), key=lambda q: (q.name.lower(), q.id))

    def _team(self, request: web.Request) -> Queue:
        wanted = request.match_info["team_id"]
        for queue in self.rt.state.queues.values():
            if team_id(queue) == wanted:
                return queue
        raise not_found("team")

    def _render(self, queue: Queue) -> dict[str, Any]:
        state = self.rt.state
        tid = team_id(queue)
        return {
            "id": tid,
            "name": f"{queue.name} Team",
            "division": render.division(state),
            "description": f"The agents of the {queue.name} queue",
            "dateCreated": iso(queue.created),
            "dateModified": iso(queue.created),
            "memberCount": len(queue.members),
            "selfUri": f"/api/v2/teams/{tid}",
        }

    async def list_teams(self, request: web.Request) -> web.Response:
        """``GET /api/v2/teams`` (``pageSize`` <= 200, ``after``/``before``, ``name``
        prefix filter) -> TeamEntityListing ``{entities, nextUri, selfUri, previousUri}``."""
        page = read_cursor_page(request)
        name = request.query.get("name")
        prefix = re.compile(re.escape(name), re.IGNORECASE) if name else None
        rows = [
            self._render(q)
            for q in self._teams()
            if prefix is None or prefix.match(f"{q.name} Team")
        ]
        endless = self.rt.live.current.endless_cursor_pages
        return json_response(cursor_listing(request, rows, page, endless=endless))

    async def get_team(self, request: web.Request) -> web.Response:
        """``GET /api/v2/teams/{teamId}``."""
        return json_response(self._render(self._team(request)))

    async def members(self, request: web.Request) -> web.Response:
        """``GET /api/v2/teams/{teamId}/members`` (cursor paging) -> TeamMemberEntityListing
        of ``{id, name, selfUri}`` user references, by name."""
        queue = self._team(request)
        page = read_cursor_page(request)
        users = sorted(
            (self.rt.state.users[uid] for uid in queue.members),
            key=lambda u: (u.name.lower(), u.id),
        )
        rows = [{"id": u.id, "name": u.name, "selfUri": f"/api/v2/users/{u.id}"} for u in users]
        endless = self.rt.live.current.endless_cursor_pages
        return json_response(cursor_listing(request, rows, page, endless=endless))
