"""Notifications REST: channels, subscriptions, available topics. The WebSocket side is
:mod:`cxkit.genesys.notifications`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cxkit.errors import NotFoundError
from cxkit.genesys.api._base import Resource, seg
from cxkit.genesys.models import (
    AvailableTopic,
    ChannelTopic,
    EntityListing,
    ListedChannel,
    NotificationChannel,
)

__all__ = ["NotificationsAPI"]

_TOPICS = EntityListing[ChannelTopic]
_BASE = "/api/v2/notifications/channels"


def _body(topics: Iterable[str]) -> list[dict[str, str]]:
    return [{"id": topic} for topic in topics]


class NotificationsAPI(Resource):
    """``client.notifications``."""

    __slots__ = ()

    async def create_channel(self) -> NotificationChannel:
        """``POST /api/v2/notifications/channels``: a new channel (20 per user and app; the
        21st evicts the oldest unconnected one)."""
        return await self._client.call("POST", _BASE, NotificationChannel)

    async def channels(self, include: str | None = None) -> EntityListing[ListedChannel]:
        """``GET /api/v2/notifications/channels`` (``include``: ``token``, the default, or
        ``oauthclient``: every token of the app, other tokens' channels without an id)."""
        return await self._client.call(
            "GET", _BASE, EntityListing[ListedChannel], params={"includechannels": include}
        )

    async def channel_exists(self, channel_id: str) -> bool:
        """``HEAD /api/v2/notifications/channels/{id}``: True if it exists."""
        try:
            await self._client.request("HEAD", f"{_BASE}/{seg(channel_id)}")
        except NotFoundError:
            return False
        return True

    async def subscriptions(self, channel_id: str) -> EntityListing[ChannelTopic]:
        """``GET .../subscriptions``."""
        return await self._client.call("GET", f"{_BASE}/{seg(channel_id)}/subscriptions", _TOPICS)

    async def subscribe(
        self, channel_id: str, topics: Sequence[str], *, ignore_errors: bool | None = None
    ) -> EntityListing[ChannelTopic]:
        """``POST .../subscriptions``: add topics (the single-writer way: no replace race)."""
        return await self._client.call(
            "POST",
            f"{_BASE}/{seg(channel_id)}/subscriptions",
            _TOPICS,
            json=_body(topics),
            params={"ignoreErrors": ignore_errors},
        )

    async def replace_subscriptions(
        self, channel_id: str, topics: Sequence[str], *, ignore_errors: bool | None = None
    ) -> EntityListing[ChannelTopic]:
        """``PUT .../subscriptions``: replace every topic (also renews the channel's life)."""
        return await self._client.call(
            "PUT",
            f"{_BASE}/{seg(channel_id)}/subscriptions",
            _TOPICS,
            json=_body(topics),
            params={"ignoreErrors": ignore_errors},
        )

    async def delete_subscriptions(self, channel_id: str) -> None:
        """``DELETE .../subscriptions``: remove every topic."""
        await self._client.request("DELETE", f"{_BASE}/{seg(channel_id)}/subscriptions")

    async def available_topics(
        self, *, expand: Sequence[str] | None = None, include_preview: bool | None = None
    ) -> EntityListing[AvailableTopic]:
        """``GET /api/v2/notifications/availabletopics``."""
        return await self._client.call(
            "GET",
            "/api/v2/notifications/availabletopics",
            EntityListing[AvailableTopic],
            params={"expand": expand, "includePreview": include_preview},
        )
