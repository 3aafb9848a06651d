"""Conversations: ``/api/v2/conversations``."""

from __future__ import annotations

from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import Conversation, EntityListing

__all__ = ["ConversationsAPI"]

_CONVERSATIONS = EntityListing[Conversation]


class ConversationsAPI(Resource):
    """``client.conversations``. The listings are the *user's* active conversations: with a
    client-credentials token they are empty (use the analytics details query instead)."""

    __slots__ = ()

    async def list(self, *, communication_type: str | None = None) -> EntityListing[Conversation]:
        """``GET /api/v2/conversations``."""
        return await self._client.call(
            "GET",
            "/api/v2/conversations",
            _CONVERSATIONS,
            params={"communicationType": communication_type},
        )

    async def get(self, conversation_id: str) -> Conversation:
        """``GET /api/v2/conversations/{conversationId}``."""
        return await self._client.call(
            "GET", f"/api/v2/conversations/{seg(conversation_id)}", Conversation
        )

    async def calls(self) -> EntityListing[Conversation]:
        """``GET /api/v2/conversations/calls``: the user's active calls."""
        return await self._client.call("GET", "/api/v2/conversations/calls", _CONVERSATIONS)

    async def get_call(self, conversation_id: str) -> Conversation:
        """``GET /api/v2/conversations/calls/{conversationId}``."""
        return await self._client.call(
            "GET", f"/api/v2/conversations/calls/{seg(conversation_id)}", Conversation
        )
