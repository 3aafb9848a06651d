"""Presence: definitions and user presence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import (
    EntityListing,
    PresenceDefinition,
    PresenceDefinitionRef,
    UserPresence,
    UserPresenceUpdate,
)

__all__ = ["PresenceAPI"]


class PresenceAPI(Resource):
    """``client.presence``."""

    __slots__ = ()

    async def definitions(
        self,
        *,
        deactivated: bool | None = None,
        division_ids: Sequence[str] | None = None,
        locale_code: str | None = None,
    ) -> EntityListing[PresenceDefinition]:
        """``GET /api/v2/presence/definitions``."""
        return await self._client.call(
            "GET",
            "/api/v2/presence/definitions",
            EntityListing[PresenceDefinition],
            params={
                "deactivated": deactivated,
                "divisionId": division_ids,
                "localeCode": locale_code,
            },
        )

    async def get_user_presence(self, user_id: str, source_id: str = "purecloud") -> UserPresence:
        """``GET /api/v2/users/{userId}/presences/{sourceId}`` (``purecloud`` by default)."""
        path = f"/api/v2/users/{seg(user_id)}/presences/{seg(source_id)}"
        return await self._client.call("GET", path, UserPresence)

    async def patch_user_presence(
        self,
        user_id: str,
        body: UserPresenceUpdate | dict[str, Any],
        source_id: str = "purecloud",
    ) -> UserPresence:
        """``PATCH /api/v2/users/{userId}/presences/{sourceId}``: None fields are left
        unchanged, :data:`~cxkit.genesys.models.NULL` clears one."""
        path = f"/api/v2/users/{seg(user_id)}/presences/{seg(source_id)}"
        return await self._client.call("PATCH", path, UserPresence, json=body)

    async def set_user_presence(
        self, user_id: str, presence_definition_id: str, *, message: str | None = None
    ) -> UserPresence:
        """Set a user's presence to a definition (shorthand for the PATCH)."""
        body = UserPresenceUpdate(
            presence_definition=PresenceDefinitionRef(id=presence_definition_id), message=message
        )
        return await self.patch_user_presence(user_id, body)
