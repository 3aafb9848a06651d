"""``GenesysClient``: the async Genesys Cloud Platform API client.

One object per org/region/credential set, configured per instance (no process-wide singleton,
no import-time side effects: unlike the official Python SDK nothing is read or started when the
module is imported). Use it async, or through :func:`cxkit.sync.syncify` for blocking code —
the same object, not a second implementation::

    async with GenesysClient(region="eu_west_1", client_id=..., client_secret=...) as gc:
        me = await gc.tokens.me()
        async for user in gc.users.iter():
            ...
        user, response = await gc.with_response(gc.users.get(user_id))
        print(response.correlation_id, response.rate_limit)

Every call returns typed data; the :class:`cxkit.core.http.APIResponse` (status, headers,
correlation id, rate-limit figures) of the latest call is ``client.last_response``, and
:meth:`GenesysClient.with_response` returns ``(data, response)`` for one call even under
concurrency. Any endpoint is reachable with :meth:`request` / :meth:`call`.

Retries are explicit (:class:`cxkit.config.RetryPolicy`): 429 honours ``Retry-After`` up to a
cap (180 s), 502/503/504 back off, 500 only when asked (``retry_500=True``), 501 never. The
official SDKs' logging options map to :class:`cxkit.config.LoggingConfig`; the SDKs' config
file (INI or JSON, same sections and keys) is read with ``config_file=`` and reloaded live.

The HTTP side is pluggable like the SDKs' ``AbstractHttpClient`` (see
:mod:`cxkit.genesys.transport`): ``pre_hook``/``post_hook``, a custom ``transport`` and
optional ``pacing`` (spacing between request starts, and a pause of the whole backlog on a
429). TLS: ``ssl=`` takes a context from :mod:`cxkit.genesys.tls` (custom CA, mutual TLS).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from cxkit import __version__
from cxkit.config import DEFAULTS, LoggingConfig, ProxyConfig, RetryPolicy, Secret, Timeouts
from cxkit.core.capture import CapturesResponses, ResponseRecorder
from cxkit.core.http import APIResponse, HTTPClient, RetryEvent, VendorProfile
from cxkit.errors import ConfigError
from cxkit.genesys.api.analytics import AnalyticsAPI
from cxkit.genesys.api.conversations import ConversationsAPI
from cxkit.genesys.api.notifications import NotificationsAPI
from cxkit.genesys.api.presence import PresenceAPI
from cxkit.genesys.api.routing import RoutingAPI
from cxkit.genesys.api.scim import ScimAPI
from cxkit.genesys.api.tokens import TokensAPI
from cxkit.genesys.api.usage import UsageAPI
from cxkit.genesys.api.users import UsersAPI
from cxkit.genesys.models import encode_body
from cxkit.genesys.oauth import ClientCredentials, Grant, OAuth
from cxkit.genesys.regions import GatewayConfig, Hosts, Region, resolve_hosts
from cxkit.genesys.tokenstore import TokenStore
from cxkit.genesys.transport import (
    DefaultTransport,
    HttpRequestOptions,
    Pacer,
    PostHook,
    PreHook,
    Transport,
    call_hook,
)
from cxkit.sync import namespace

if TYPE_CHECKING:
    import ssl as ssl_module

    from cxkit.genesys.notifications import Channel, NotificationHub
    from cxkit.settings import Settings, SettingsWatcher

__all__ = ["GENESYS", "GENESYS_TIMEOUTS", "GenesysClient"]

log = logging.getLogger("cxkit.genesys")

T = TypeVar("T")

GENESYS: Final = VendorProfile(
    "genesys", correlation_headers=("ININ-Correlation-Id", "Genesys-Correlation-Id")
)
"""Genesys' wire habits for the HTTP layer (correlation headers, error body)."""

GENESYS_TIMEOUTS: Final = Timeouts(connect=10.0, read=16.0, total=16.0)
"""The official Go SDK's 16 s request timeout (applied, unlike the Python SDK's)."""

_JSON_HEADERS: Final = {"Content-Type": "application/json"}
_NEVER_RETRIED: Final = frozenset({501})  # "not implemented" never gets better


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Final = _Unset()


def _query(params: Mapping[str, Any]) -> dict[str, Any]:
    # Genesys (and its SDKs) take list parameters comma-joined: expand=a,b.
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            if not value:
                continue
            out[key] = ",".join(str(getattr(v, "value", v)) for v in value)
        else:
            out[key] = value
    return out


def _genesys_retry(policy: RetryPolicy, *, retry_500: bool) -> RetryPolicy:
    statuses = set(policy.retry_statuses) - _NEVER_RETRIED
    if retry_500:
        statuses.add(500)
    if statuses == set(policy.retry_statuses):
        return policy
    return policy.replace(retry_statuses=frozenset(statuses))


class GenesysClient(CapturesResponses):
    """Async client of one Genesys Cloud org. See the module docstring.

    Args:
        region: a region name (``eu_west_1``/``eu-west-1``), a domain (``mypurecloud.ie``),
            a :class:`~cxkit.genesys.regions.Region`, or a base URL (the emulator:
            ``http://127.0.0.1:PORT``). Default: the config file's ``general.host``, else
            ``us_east_1``.
        login_url: override the OAuth host (derived from the API host otherwise).
        client_id, client_secret: client-credentials grant (shorthand for ``grant=``).
        grant: any :data:`~cxkit.genesys.oauth.Grant` (code, PKCE, SAML2, refresh, token).
        access_token: use this token as is (never renewed).
        config_file: the official SDKs' config file (INI or JSON); its ``retry``, ``logging``,
            ``reauthentication``, ``general``, ``proxy`` and ``gateway`` sections apply, and
            with ``general.live_reload_config`` (default true) edits apply to the running
            client. Keyword arguments win over the file.
        live_reload: force live reload on/off (default: the file's setting).
        retry, timeouts, logging, proxy, gateway: override the corresponding settings.
        retry_500: also retry 500 (Genesys treats only 429/502/503/504 as transient).
        headers: default headers for every request; ``user_agent`` the User-Agent.
        auto_refresh: renew client-credentials/SAML tokens before they expire.
        advisory_window: renew this many seconds before expiry (60, as the Go SDK).
        refresh_access_token: refresh code/PKCE tokens on 401 (default true).
        token_store: keep tokens between runs (:class:`~cxkit.genesys.tokenstore.TokenStore`:
            ``FileTokenStore(path)``, ``MemoryTokenStore()`` or your own); a stored token
            (or its refresh token) is used before the grant.
        refresh_token_wait: seconds concurrent callers wait for a token renewal (10).
        on_retry: called with a :class:`~cxkit.core.http.RetryEvent` before each retry
            (the Go SDK's request/response log hooks).
        pre_hook, post_hook: one-argument hooks around every request (token requests
            included): ``pre_hook(HttpRequestOptions)`` may change or stop the request,
            ``post_hook(APIResponse)`` sees every answer (see :mod:`cxkit.genesys.transport`).
        transport: replace the HTTP layer (anything with ``async do(options)``).
        pacing: a :class:`~cxkit.genesys.transport.Pacer`, or seconds between request starts
            (then every queued request also waits out a 429's ``Retry-After``).
        ssl: an ``ssl.SSLContext`` (:func:`cxkit.genesys.tls.mtls_context` for mutual TLS or
            a custom CA) or False to disable verification.
        clock, sleep: injectable time for tests.
    """

    def __init__(
        self,
        *,
        region: str | Region | None = None,
        base_url: str | None = None,
        login_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        grant: Grant | None = None,
        access_token: str | None = None,
        config_file: str | os.PathLike[str] | None = None,
        live_reload: bool | None = None,
        retry: RetryPolicy | None = None,
        retry_500: bool = False,
        timeouts: Timeouts | None = None,
        logging: LoggingConfig | None = None,
        proxy: ProxyConfig | str | None = None,
        gateway: GatewayConfig | Any | None = None,
        headers: Mapping[str, str] | None = None,
        user_agent: str | None = None,
        auto_refresh: bool = True,
        advisory_window: float = DEFAULTS.token_advisory_window,
        refresh_access_token: bool | None = None,
        refresh_token_wait: float | None = None,
        on_retry: Callable[[RetryEvent], Any] | None = None,
        pre_hook: PreHook | None = None,
        post_hook: PostHook | None = None,
        transport: Transport | None = None,
        pacing: Pacer | float | None = None,
        ssl: ssl_module.SSLContext | bool | None = None,
        pool_size: int = DEFAULTS.pool_size,
        environ: Mapping[str, str] | None = None,
        token_store: TokenStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        from cxkit.settings import resolve_settings

        if isinstance(proxy, str):
            proxy = ProxyConfig.from_url(proxy)
        self._overrides: dict[str, Any] = {
            "retry": retry,
            "timeouts": timeouts,
            "logging": logging,
            "proxy": proxy,
            "refresh_access_token": refresh_access_token,
            "refresh_token_wait_max": refresh_token_wait,
        }
        settings = resolve_settings(
            path=config_file, environ={} if environ is None else environ, **self._overrides
        )
        self.settings: Settings = settings
        self._config_file = os.fspath(config_file) if config_file is not None else None
        self._live_reload = settings.live_reload if live_reload is None else live_reload
        self._watcher: SettingsWatcher | None = None
        self._retry_500 = retry_500
        self._user_on_retry = on_retry
        self._pre_hook = pre_hook
        self._post_hook = post_hook
        self._transport: Transport | None = None
        self._pacer: Pacer | None = None
        self._plain = True  # no hook, transport or pacer: the one-call fast path
        self.settings_applied = 0
        self._settings_waiter: asyncio.Future[Settings] | None = None

        where: str | Region | None = base_url or region or settings.host
        gateway_config: GatewayConfig | None = None
        gateway_source = gateway if gateway is not None else settings.gateway
        if gateway_source is not None:
            gateway_config = GatewayConfig.from_object(gateway_source)
        self.hosts: Hosts = resolve_hosts(where, login_url=login_url, gateway=gateway_config)

        policy = settings.retry if settings.retry is not None else DEFAULTS.retry
        self._http = HTTPClient(
            self.hosts.api_url,
            vendor=GENESYS,
            timeouts=(
                settings.timeouts
                if settings.timeouts is not None and settings.is_set("timeouts")
                else GENESYS_TIMEOUTS
            ),
            retry=_genesys_retry(policy, retry_500=retry_500),
            proxy=settings.proxy,
            headers=headers,
            user_agent=user_agent or f"cxkit/{__version__} (genesys)",
            logging=settings.logging or DEFAULTS.logging,
            on_retry=self._on_retry,
            sleep=sleep,
            ssl=ssl,
            pool_size=pool_size,
        )
        if grant is None and access_token is not None:
            from cxkit.genesys.oauth import AccessToken

            grant = AccessToken(Secret(access_token))
        if grant is None and client_id is not None:
            if client_secret is None:
                raise ConfigError.bad_value(
                    "client_secret", None, "the OAuth client's secret (with client_id)"
                )
            grant = ClientCredentials(client_id, Secret(client_secret))
        self._default_transport = DefaultTransport(self._http)
        self.oauth = OAuth(
            self._http,
            self.hosts.login_url,
            grant,
            refresh_enabled=settings.refresh_access_token,
            auto_refresh=auto_refresh,
            advisory_window=advisory_window,
            refresh_timeout=settings.refresh_token_wait_max,
            clock=clock,
            token_store=token_store,
            send=self.send,
        )
        self._http.auth = self.oauth
        self.set_transport(transport)
        self.set_pacing(pacing, clock=clock, sleep=sleep)
        self._responses = ResponseRecorder("cxkit_genesys_capture")
        self._users = UsersAPI(self)
        self._presence = PresenceAPI(self)
        self._routing = RoutingAPI(self)
        self._conversations = ConversationsAPI(self)
        self._analytics = AnalyticsAPI(self)
        self._tokens = TokensAPI(self)
        self._notifications = NotificationsAPI(self)
        self._usage = UsageAPI(self)
        self._scim = ScimAPI(self)
        self._closed = False

    def __repr__(self) -> str:
        return f"GenesysClient(api_url={self.hosts.api_url!r}, oauth={self.oauth!r})"

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Start live reload of the config file (when configured). Idempotent; requests work
        without it."""
        if self._watcher is not None or self._config_file is None or not self._live_reload:
            return
        from cxkit.settings import SettingsWatcher, settings_from_kwargs

        watcher = SettingsWatcher(
            self._config_file,
            self.apply_settings,
            overrides=settings_from_kwargs(**self._overrides),
        )
        self._watcher = watcher
        await watcher.start()

    async def close(self) -> None:
        """Stop token renewal and live reload, close pooled connections. Idempotent."""
        self._closed = True
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            await watcher.stop()
        await self.oauth.close()
        await self._http.close()

    async def __aenter__(self) -> GenesysClient:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ----------------------------------------------------------------- settings

    @property
    def http(self) -> HTTPClient:
        """The HTTP layer (its aiohttp session is shared with notification sockets)."""
        return self._http

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy in force."""
        return self._http.retry

    @property
    def logging_config(self) -> LoggingConfig:
        """The logging configuration in force."""
        return self._http.logging_config

    def apply_settings(self, settings: Any) -> None:
        """Apply new settings to the running client (config-file live reload): retry policy,
        logging, token-refresh options. Host, proxy and gateway need a new client."""
        retry = getattr(settings, "retry", None)
        if isinstance(retry, RetryPolicy):
            self._http.retry = _genesys_retry(retry, retry_500=self._retry_500)
        logging_config = getattr(settings, "logging", None)
        if isinstance(logging_config, LoggingConfig):
            self._http.logging_config = logging_config
        refresh = getattr(settings, "refresh_access_token", None)
        if isinstance(refresh, bool):
            self.oauth.refresh_enabled = refresh
        wait = getattr(settings, "refresh_token_wait_max", None)
        if isinstance(wait, (int, float)) and not isinstance(wait, bool) and wait > 0:
            self.oauth.cache.refresh_timeout = float(wait)
        self.settings = settings if hasattr(settings, "live_reload") else self.settings
        self.settings_applied += 1
        waiter, self._settings_waiter = self._settings_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(self.settings)
        log.debug("genesys client settings applied")

    async def settings_changed(self, timeout: float | None = None) -> Settings:
        """Wait until the next settings are applied (a config-file edit) and return them."""
        waiter = self._settings_waiter
        if waiter is None or waiter.done():
            waiter = self._settings_waiter = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)

    # ----------------------------------------------------------------- auth

    async def login(self, grant: Grant | None = None) -> Any:
        """Obtain a token now (with ``grant`` or the configured one) and return it
        (:class:`cxkit.core.auth.Token`). Wrong credentials raise
        :class:`cxkit.errors.InvalidCredentialsError` here instead of on the first call."""
        return await self.oauth.authorize(grant)

    # ----------------------------------------------------------------- calls

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = _UNSET,
        headers: Mapping[str, str] | None = None,
        raise_for_status: bool = True,
        retry: RetryPolicy | None = None,
        timeout: Timeouts | None = None,
        auth: bool = True,
    ) -> APIResponse:
        """Call any endpoint (``path`` relative to the API host, or absolute) and return the
        :class:`~cxkit.core.http.APIResponse`.

        ``json`` may be a model Struct, a dict or a list: None values are left out and
        :data:`~cxkit.genesys.models.NULL` is sent as ``null``. List parameters are sent
        comma-joined, booleans as ``true``/``false``. Non-2xx answers raise the
        :mod:`cxkit.errors` class for the status (with Genesys' code, message and
        correlation id) unless ``raise_for_status`` is False.
        """
        content: bytes | None = None
        send_headers = headers
        if json is not _UNSET:
            content = encode_body(json)
            send_headers = _JSON_HEADERS if headers is None else {**_JSON_HEADERS, **headers}
        if self._plain:
            response = await self._http.request(
                method,
                path,
                params=_query(params) if params else None,
                content=content,
                headers=send_headers,
                raise_for_status=raise_for_status,
                retry=retry,
                timeout=timeout,
                auth=auth,
            )
        else:
            response = await self.send(
                HttpRequestOptions(
                    method=method.upper(),
                    url=path,
                    params=_query(params) if params else None,
                    headers=dict(send_headers or {}),
                    body=content,
                    auth=auth,
                    raise_for_status=raise_for_status,
                    retry=retry,
                    timeout=timeout,
                )
            )
        self._responses.record(response)
        return response

    async def send(self, options: HttpRequestOptions) -> APIResponse:
        """Send one request through pacing, ``pre_hook``, the transport and ``post_hook``
        (what :meth:`request` and token requests use; the SDKs' ``do(request_options)``)."""
        pacer = self._pacer
        if pacer is not None:
            await pacer.wait()
        if self._pre_hook is not None:
            await call_hook(self._pre_hook, options)
        transport = self._transport or self._default_transport
        post_hook = self._post_hook
        if post_hook is None:
            return await transport.do(options)
        wanted_raise = options.raise_for_status
        options.raise_for_status = False  # the hook sees error answers too
        response = await transport.do(options)
        await call_hook(post_hook, response)
        if wanted_raise and response.status >= 400:
            raise self._http._status_error(response)
        return response

    @property
    def transport(self) -> Transport:
        """The transport in use (:class:`~cxkit.genesys.transport.DefaultTransport` unless
        replaced)."""
        return self._transport or self._default_transport

    def set_transport(self, transport: Transport | None) -> None:
        """Replace the HTTP layer (None: back to the default). The SDKs' ``set_http_client``."""
        if transport is not None and not callable(getattr(transport, "do", None)):
            raise ConfigError.bad_value(
                "transport", type(transport).__name__, "an object with async do(options)"
            )
        self._transport = transport
        self._refresh_plain()

    @property
    def pre_hook(self) -> PreHook | None:
        """Called with every :class:`~cxkit.genesys.transport.HttpRequestOptions` before it
        is sent."""
        return self._pre_hook

    @pre_hook.setter
    def pre_hook(self, hook: PreHook | None) -> None:
        self._pre_hook = hook
        self._refresh_plain()

    @property
    def post_hook(self) -> PostHook | None:
        """Called with every :class:`~cxkit.core.http.APIResponse` (errors included)."""
        return self._post_hook

    @post_hook.setter
    def post_hook(self, hook: PostHook | None) -> None:
        self._post_hook = hook
        self._refresh_plain()

    @property
    def pacer(self) -> Pacer | None:
        """The pacing in force, if any."""
        return self._pacer

    def set_pacing(
        self,
        pacing: Pacer | float | None,
        *,
        suspend_on_429: bool = True,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Space request starts ``pacing`` seconds apart (a :class:`Pacer` for full control;
        None: no pacing). With ``suspend_on_429`` every queued request also waits out the
        ``Retry-After`` of a 429."""
        if pacing is None or isinstance(pacing, Pacer):
            self._pacer = pacing
        else:
            self._pacer = Pacer(pacing, suspend_on_429=suspend_on_429, clock=clock, sleep=sleep)
        self._refresh_plain()

    def _refresh_plain(self) -> None:
        self._plain = (
            self._transport is None
            and self._pre_hook is None
            and self._post_hook is None
            and self._pacer is None
        )

    async def _on_retry(self, event: RetryEvent) -> None:
        pacer = self._pacer
        if pacer is not None and event.status == 429:
            pacer.suspend(event.delay)
        hook = self._user_on_retry
        if hook is not None:
            await call_hook(hook, event)

    @overload
    async def call(
        self, method: str, path: str, type_: type[T], **kwargs: Any
    ) -> T: ...  # pragma: no cover

    @overload
    async def call(self, method: str, path: str, type_: Any = ..., **kwargs: Any) -> Any: ...

    async def call(self, method: str, path: str, type_: Any = Any, **kwargs: Any) -> Any:
        """Like :meth:`request`, returning the body decoded into ``type_`` (a model Struct,
        ``EntityListing[User]``, ``dict``...; plain JSON by default; None for an empty body)."""
        response = await self.request(method, path, **kwargs)
        if not response.content:
            return None
        return response.decode(type_)

    # ----------------------------------------------------------------- resources

    @namespace
    def users(self) -> UsersAPI:
        """Users: list, get, me, queues."""
        return self._users

    @namespace
    def presence(self) -> PresenceAPI:
        """Presence definitions and user presence."""
        return self._presence

    @namespace
    def routing(self) -> RoutingAPI:
        """Queues, queue members, routing status."""
        return self._routing

    @namespace
    def conversations(self) -> ConversationsAPI:
        """Conversations and calls."""
        return self._conversations

    @namespace
    def analytics(self) -> AnalyticsAPI:
        """Queue observations and conversation details queries."""
        return self._analytics

    @namespace
    def tokens(self) -> TokensAPI:
        """The current token: info, verify, revoke."""
        return self._tokens

    @namespace
    def notifications(self) -> NotificationsAPI:
        """Notification channels, subscriptions and available topics (REST)."""
        return self._notifications

    @namespace
    def usage(self) -> UsageAPI:
        """The Usage API: request counts by client, user, endpoint and status (429s)."""
        return self._usage

    @namespace
    def scim(self) -> ScimAPI:
        """SCIM 2.0 users (``startIndex``/``count`` paging)."""
        return self._scim

    # ----------------------------------------------------------------- notifications

    def channel(self, topics: Iterable[str] = (), **options: Any) -> Channel:
        """A :class:`~cxkit.genesys.notifications.Channel` of this client (not opened yet:
        ``async with client.channel(topics) as channel``). Through :mod:`cxkit.sync` this
        gives a blocking channel: ``with sync_client.channel(topics) as ch: for e in ch``."""
        from cxkit.genesys.notifications import Channel

        return Channel(self, topics, **options)

    def hub(self, **options: Any) -> NotificationHub:
        """A :class:`~cxkit.genesys.notifications.NotificationHub` of this client."""
        from cxkit.genesys.notifications import NotificationHub

        return NotificationHub(self, **options)
