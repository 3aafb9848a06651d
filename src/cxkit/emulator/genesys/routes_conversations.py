"""``/api/v2/conversations*`` (analytics are in :mod:`routes_analytics`)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cxkit.emulator.genesys import render
from cxkit.emulator.genesys.api import json_body, json_response, token_of
from cxkit.emulator.genesys.errors import bad_request, invalid_value, not_found
from cxkit.emulator.genesys.model import Conversation, Participant
from cxkit.emulator.genesys.paging import page_listing, read_page
from cxkit.emulator.genesys.runtime import Runtime

__all__ = ["ConversationRoutes"]


class ConversationRoutes:
    """Conversations and calls."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table (``/conversations/calls`` before ``/conversations/{id}``)."""
        return [
            web.get("/conversations", self.list_conversations),
            web.get("/conversations/calls", self.list_calls),
            web.get("/conversations/calls/{conversation_id}", self.get_call),
            web.patch(
                "/conversations/calls/{conversation_id}/participants/{participant_id}",
                self.patch_participant,
            ),
            web.get("/conversations/{conversation_id}", self.get_conversation),
        ]

    def _conversation(self, request: web.Request) -> Conversation:
        found = self.rt.state.conversations.get(request.match_info["conversation_id"])
        if found is None:
            raise not_found("conversation")
        return found

    def _mine(self, request: web.Request) -> list[Conversation]:
        """Active conversations of the token's user (none for client credentials, as the
        real service answers: this endpoint needs a user context)."""
        user_id = token_of(request).user_id
        if user_id is None:
            return []
        return self.rt.state.open_conversations(user_id)

    async def list_conversations(self, request: web.Request) -> web.Response:
        """``GET /api/v2/conversations`` (``communicationType`` accepted)."""
        page = read_page(request)
        kind = request.query.get("communicationType", "").lower()
        mine = [] if kind not in ("", "call") else self._mine(request)
        rows = [render.conversation(self.rt.state, c) for c in mine]
        return json_response(page_listing(request, rows, page))

    async def list_calls(self, request: web.Request) -> web.Response:
        """``GET /api/v2/conversations/calls`` (the user's active calls)."""
        rows = [render.call_conversation(c) for c in self._mine(request)]
        return json_response(page_listing(request, rows, read_page(request)))

    async def get_call(self, request: web.Request) -> web.Response:
        """``GET /api/v2/conversations/calls/{conversationId}``."""
        return json_response(render.call_conversation(self._conversation(request)))

    async def get_conversation(self, request: web.Request) -> web.Response:
        """``GET /api/v2/conversations/{conversationId}``."""
        return json_response(render.conversation(self.rt.state, self._conversation(request)))

    async def patch_participant(self, request: web.Request) -> web.Response:
        """``PATCH .../participants/{participantId}`` ``{state, wrapup}``: ``connected``
        answers an alerting agent, ``disconnected`` hangs up. 202 with no body.

        With a simulated center the simulation does it (see :mod:`simview`): hang-up is the
        agent's ``end_call`` and ``wrapup: {code}`` ends its after-call work."""
        conversation = self._conversation(request)
        participant = conversation.participant(request.match_info["participant_id"])
        if participant is None:
            raise not_found("participant")
        body = await json_body(request)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a MediaParticipantRequest object")
        wanted = body.get("state")
        if self.rt.sim is not None:
            await self._simulated(conversation, participant, body)
        elif wanted == "connected":
            if participant.purpose != "agent" or participant.state != "alerting":
                raise bad_request("Only an alerting agent participant can be connected")
            self.rt.state.answer_call(conversation.id)
        elif wanted == "disconnected":
            self.rt.state.disconnect_participant(conversation.id, participant.id)
        elif wanted is not None:
            raise invalid_value("state", wanted, "connected, disconnected")
        return web.Response(status=202)

    async def _simulated(
        self, conversation: Conversation, participant: Participant, body: dict[str, Any]
    ) -> None:
        sim = self.rt.sim
        assert sim is not None
        wanted, wrapup = body.get("state"), body.get("wrapup")
        code: str | None = None
        if wrapup is not None:
            code = wrapup.get("code") if isinstance(wrapup, dict) else None
            if not isinstance(code, str) or not code:
                raise invalid_value("wrapup.code", code, "a wrap-up code")
        if wanted == "connected":
            if participant.purpose != "agent" or participant.state != "connected":
                # simulated agents answer at once: nothing ever alerts
                raise bad_request("Only an alerting agent participant can be connected")
        elif wanted == "disconnected" and participant.state != "disconnected":
            by_agent = participant.purpose == "agent"
            await sim.hang_up(conversation, by_agent=by_agent, wrapup_code=code)
            return
        elif wanted not in (None, "disconnected"):
            raise invalid_value("state", wanted, "connected, disconnected")
        if code is not None:
            await sim.wrap_up(conversation, code)
