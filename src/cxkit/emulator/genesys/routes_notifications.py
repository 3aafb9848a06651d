"""``/api/v2/notifications/*``: channels, subscriptions, available topics."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from cxkit.emulator.genesys.api import json_body, json_response, query_bool, query_list, token_of
from cxkit.emulator.genesys.errors import ApiError, bad_request, invalid_value, not_found
from cxkit.emulator.genesys.notifications import Channel, SubscriptionRefused
from cxkit.emulator.genesys.runtime import Runtime
from cxkit.emulator.genesys.timefmt import iso
from cxkit.emulator.genesys.topics import TEMPLATES

__all__ = ["NotificationRoutes"]

_EXPANDS = {
    "description", "enforced", "schema", "visibility", "transports",
    "publicapitemplateuripaths", "requirespermissions", "permissiondetails", "topicparameters",
}  # fmt: skip


class NotificationRoutes:
    """The Notifications API."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def routes(self) -> list[web.RouteDef]:
        """The route table."""
        base = "/notifications/channels"
        return [
            web.post(base, self.create_channel),
            web.get(base, self.list_channels, allow_head=False),
            web.head(base + "/{channel_id}", self.head_channel),
            web.get(base + "/{channel_id}/subscriptions", self.get_subscriptions, allow_head=False),
            web.post(base + "/{channel_id}/subscriptions", self.post_subscriptions),
            web.put(base + "/{channel_id}/subscriptions", self.put_subscriptions),
            web.delete(base + "/{channel_id}/subscriptions", self.delete_subscriptions),
            web.get("/notifications/availabletopics", self.available_topics, allow_head=False),
        ]

    def _render(self, channel: Channel) -> dict[str, Any]:
        return {
            "connectUri": self.rt.hub.connect_uri(channel),
            "id": channel.id,
            "expires": iso(channel.expires),
        }

    def _channel(self, request: web.Request) -> Channel:
        """The caller's channel: other (user, client) owners' channels answer 404."""
        channel = self.rt.hub.get(request.match_info["channel_id"])
        token = token_of(request)
        if channel is None or channel.owner != (token.user_id, token.client_id):
            raise not_found("channel")
        return channel

    async def create_channel(self, request: web.Request) -> web.Response:
        """``POST /api/v2/notifications/channels`` (no body) -> Channel."""
        channel = self.rt.hub.create(token_of(request))
        return json_response(self._render(channel))

    async def list_channels(self, request: web.Request) -> web.Response:
        """``GET /api/v2/notifications/channels?includechannels=token|oauthclient``: other
        tokens' channels are shown without their id and connectUri."""
        scope = request.query.get("includechannels", "token").lower()
        if scope not in ("token", "oauthclient"):
            raise invalid_value("includechannels", scope, "token, oauthclient")
        token = token_of(request)
        rows = []
        for channel in self.rt.hub.owned_by(token.user_id, token.client_id):
            if channel.token is token:
                rows.append(self._render(channel))
            elif scope == "oauthclient":
                rows.append({"expires": iso(channel.expires)})
        return json_response({"entities": rows})

    async def head_channel(self, request: web.Request) -> web.Response:
        """``HEAD /api/v2/notifications/channels/{channelId}``: 200 or 404."""
        self._channel(request)
        return web.Response(status=200)

    async def get_subscriptions(self, request: web.Request) -> web.Response:
        """``GET .../subscriptions`` -> ChannelTopicEntityListing."""
        channel = self._channel(request)
        return json_response({"entities": self.rt.hub.topic_rows(channel)})

    async def _subscribe(self, request: web.Request, *, replace: bool) -> web.Response:
        channel = self._channel(request)
        body = await json_body(request)
        if not isinstance(body, list) or not all(
            isinstance(t, dict) and isinstance(t.get("id"), str) for t in body
        ):
            raise bad_request(
                'The body must be a list of topics: [{"id": "v2.users.<id>.presence"}]'
            )
        ignore = query_bool(request, "ignoreErrors", False)
        try:
            rows = self.rt.hub.subscribe(
                channel, [t["id"] for t in body], replace=replace, ignore_errors=ignore
            )
        except SubscriptionRefused as refused:
            if refused.code == "missing.permissions":
                raise ApiError(403, refused.code, {"permissions": refused.message}) from None
            raise ApiError(refused.status, refused.code, message=refused.message) from None
        return json_response({"entities": rows})

    async def post_subscriptions(self, request: web.Request) -> web.Response:
        """``POST .../subscriptions`` adds topics (``ignoreErrors``)."""
        return await self._subscribe(request, replace=False)

    async def put_subscriptions(self, request: web.Request) -> web.Response:
        """``PUT .../subscriptions`` replaces every topic (``ignoreErrors``)."""
        return await self._subscribe(request, replace=True)

    async def delete_subscriptions(self, request: web.Request) -> web.Response:
        """``DELETE .../subscriptions`` removes every topic (empty answer)."""
        self.rt.hub.unsubscribe(self._channel(request))
        return web.Response(status=200)

    async def available_topics(self, request: web.Request) -> web.Response:
        """``GET /api/v2/notifications/availabletopics`` (``expand``, ``includePreview``)."""
        expand = {e.lower() for e in query_list(request, "expand")}
        unknown = expand - _EXPANDS
        if unknown:
            raise invalid_value("expand", ",".join(sorted(unknown)), ", ".join(sorted(_EXPANDS)))
        query_bool(request, "includePreview", True)
        rows = []
        for template in TEMPLATES:
            row: dict[str, Any] = {"id": template.template}
            if "description" in expand:
                row["description"] = template.description
            if "enforced" in expand:
                row["enforced"] = False
            if "visibility" in expand:
                row["visibility"] = "Public"
            if "transports" in expand:
                row["transports"] = ["All"]
            if "requirespermissions" in expand:
                row["requiresPermissions"] = []
            if "permissiondetails" in expand:
                row["permissionDetails"] = []
            if "topicparameters" in expand:
                row["topicParameters"] = ["id"]
            if "publicapitemplateuripaths" in expand:
                row["publicApiTemplateUriPaths"] = []
            if "schema" in expand:
                row["schema"] = {"id": template.model, "type": "object", "properties": {}}
            rows.append(row)
        return json_response({"entities": rows})
