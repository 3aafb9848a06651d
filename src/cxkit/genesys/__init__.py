"""Genesys Cloud: the Platform API client, OAuth, and the notifications WebSocket.

.. code-block:: python

    from cxkit.genesys import GenesysClient, NotificationHub, topics

    async with GenesysClient(region="eu_west_1", client_id=..., client_secret=...) as gc:
        queues = await gc.routing.list_queues()
        async with NotificationHub(gc) as hub:
            await hub.subscribe([topics.queue_observations(q.id) for q in queues.entities])
            async for event in hub:
                ...

For blocking code wrap the same client: ``cxkit.sync.syncify(GenesysClient(...))``.
"""

from __future__ import annotations

from cxkit.genesys import topics
from cxkit.genesys.api.analytics import AnalyticsJobFailed
from cxkit.genesys.client import GENESYS, GenesysClient
from cxkit.genesys.events import TopicEvent
from cxkit.genesys.exceptions import (
    REASON,
    AuthorizationFailure,
    ChannelException,
    ChannelExpiring,
    ChannelFailure,
    ConnectionFailure,
    InitializationFailure,
    LifetimeExtensionFailure,
    ReceiveFailure,
    ReconnectFailure,
    RecoveryFailure,
    RolloverFailure,
    SubscriptionFailure,
)
from cxkit.genesys.models import NULL, EntityListing, ErrorBody, error_body, interval, iso_datetime
from cxkit.genesys.normalize import Normalizer
from cxkit.genesys.notifications import Channel, ChannelListener, NotificationHub
from cxkit.genesys.oauth import (
    PKCE,
    AccessToken,
    AuthorizationCode,
    ClientCredentials,
    PKCEPair,
    RefreshToken,
    SAML2Bearer,
    authorize_url,
    compute_pkce_code_challenge,
    generate_pkce_code_verifier,
    logout_url,
)
from cxkit.genesys.paging import AnalyticsPaginator, BodyPaginator, Paginator
from cxkit.genesys.protocol import ChannelProblem, ChannelSettings, NotificationSession
from cxkit.genesys.regions import REGIONS, GatewayConfig, Region, region, resolve_hosts
from cxkit.genesys.tls import mtls_context, mtls_context_from_contents, tls_context
from cxkit.genesys.tokenstore import FileTokenStore, MemoryTokenStore, StoredToken, TokenStore
from cxkit.genesys.transport import DefaultTransport, HttpRequestOptions, Pacer, Transport

__all__ = [
    "GENESYS",
    "NULL",
    "PKCE",
    "REASON",
    "REGIONS",
    "AccessToken",
    "AnalyticsJobFailed",
    "AnalyticsPaginator",
    "AuthorizationCode",
    "AuthorizationFailure",
    "BodyPaginator",
    "Channel",
    "ChannelException",
    "ChannelExpiring",
    "ChannelFailure",
    "ChannelListener",
    "ChannelProblem",
    "ChannelSettings",
    "ClientCredentials",
    "ConnectionFailure",
    "DefaultTransport",
    "EntityListing",
    "ErrorBody",
    "FileTokenStore",
    "GatewayConfig",
    "GenesysClient",
    "HttpRequestOptions",
    "InitializationFailure",
    "LifetimeExtensionFailure",
    "MemoryTokenStore",
    "Normalizer",
    "NotificationHub",
    "NotificationSession",
    "PKCEPair",
    "Pacer",
    "Paginator",
    "ReceiveFailure",
    "ReconnectFailure",
    "RecoveryFailure",
    "RefreshToken",
    "Region",
    "RolloverFailure",
    "SAML2Bearer",
    "StoredToken",
    "SubscriptionFailure",
    "TokenStore",
    "TopicEvent",
    "Transport",
    "authorize_url",
    "compute_pkce_code_challenge",
    "error_body",
    "generate_pkce_code_verifier",
    "interval",
    "iso_datetime",
    "logout_url",
    "mtls_context",
    "mtls_context_from_contents",
    "region",
    "resolve_hosts",
    "tls_context",
    "topics",
]
