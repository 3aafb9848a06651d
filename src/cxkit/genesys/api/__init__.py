"""Typed Platform API resources: one small class per API family, reached from a
:class:`~cxkit.genesys.client.GenesysClient` (``client.users``, ``client.routing``, ...)."""

from __future__ import annotations

from cxkit.genesys.api.analytics import AnalyticsAPI
from cxkit.genesys.api.conversations import ConversationsAPI
from cxkit.genesys.api.notifications import NotificationsAPI
from cxkit.genesys.api.presence import PresenceAPI
from cxkit.genesys.api.routing import RoutingAPI
from cxkit.genesys.api.tokens import TokensAPI
from cxkit.genesys.api.users import UsersAPI

__all__ = [
    "AnalyticsAPI",
    "ConversationsAPI",
    "NotificationsAPI",
    "PresenceAPI",
    "RoutingAPI",
    "TokensAPI",
    "UsersAPI",
]
