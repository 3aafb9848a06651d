"""The Five9 VCC client: login, data-center selection, the login-state machine, REST, streams.

.. code-block:: python

    async with Five9Client("jdoe@example.com", "secret", region="US") as five9:
        users = await five9.supervisor.users()
        async with five9.supervisor_stream() as stream:
            async for event in stream:
                ...

The same object works synchronously through :func:`cxkit.sync.syncify`.

How a request goes (each step is a documented Five9 behaviour, see the wire reference):

1. **Login** (lazy on first use, or :meth:`Five9Client.login`), single-flight under
   concurrency. A :class:`~cxkit.five9.session_store.SessionStore` is asked first for a saved
   login to reuse; otherwise ``POST {login host}{root}/auth/login`` (or ``login_by_token`` for
   SSO, or polling ``auth/metadata`` with a browser's cookies in attach mode). The status is
   checked before the body is read; the REST base URL becomes the *active* data center's
   first API host (``active`` flag, else the first DC with an API host, else the login host)
   with the metadata validated. The login's ``Authorization``/``farmId``/``apiRouteKey``/
   ``f9-sessionId`` cookies are carried to that host; the login host's load-balancer cookies
   (``BIGipServer*``, ``TS*``) are not.
2. **Login state** (per role, before the first call that needs it): ``login_state`` is driven
   to ``WORKING`` -- ``SELECT_STATION`` -> ``session_start``; ``ACCEPT_NOTICE`` -> accept the
   notices (policy); ``RELOGIN`` -> ``session_restart``; ``SELECT_SKILLS`` -> the caller's hook;
   capped by ``max_login_steps``.
3. **Auth**: cookies, ``Authorization: Bearer-{tokenId}`` + ``farmId`` header, or both.
4. **Errors**: every non-2xx raises a :mod:`cxkit.errors` error carrying the
   ``five9ExceptionDetail`` (see :func:`cxkit.five9.errors.five9_detail`). Handled on the way:
   401 right after login is retried a bounded number of times (the session propagating to the
   data center; up to ``login_state_retries`` for ``login_state``), then one fresh login; 435
   ``LOGIN`` re-runs the state machine once; 435 "migrated" / errorCode 5001 logs in again
   (new farm) and retries once. 429 / 5xx are retried by the HTTP layer (Retry-After
   honoured); ``min_request_interval`` paces requests when a tenant's limits are tight.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import os
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

import aiohttp
import msgspec
from yarl import URL

from cxkit.config import (
    DEFAULTS,
    LoggingConfig,
    ProxyConfig,
    ReconnectPolicy,
    RetryPolicy,
    Secret,
    Timeouts,
)
from cxkit.core.capture import CapturesResponses, ResponseRecorder
from cxkit.core.http import APIResponse, HTTPClient
from cxkit.core.session import ConnectTarget
from cxkit.errors import (
    APIStatusError,
    AuthError,
    ConfigError,
    ConnectError,
    CxkitError,
    InvalidCredentialsError,
    TokenExpiredError,
    TransportTimeout,
    UnauthorizedError,
    UsageError,
)
from cxkit.five9._namespace import StationBodyStyle, station_body_of
from cxkit.five9.cloud import CloudAPI, CloudHeader
from cxkit.five9.errors import (
    FIVE9_PROFILE,
    DuplicateLoginError,
    LoginStateError,
    five9_detail,
    is_login_state_error,
    is_migration_error,
    parse_error_body,
    status_error,
)
from cxkit.five9.models import LoginResponse, MaintenanceNotice, Metadata
from cxkit.five9.protocol import (
    AgentStreamSession,
    ConnectRequest,
    Five9StreamSession,
    SupervisorStreamSession,
)
from cxkit.five9.regions import login_base_url
from cxkit.five9.session_store import SessionStore, StoredSession
from cxkit.five9.stats import StatsCache
from cxkit.five9.stats_backend import StatsBackend
from cxkit.five9.streams import Five9EventStream
from cxkit.sync import namespace

if TYPE_CHECKING:
    # imported at run time inside __init__: agent.py and supervisor.py import this module
    from cxkit.five9.agent import AgentAPI
    from cxkit.five9.supervisor import SupervisorAPI
    from cxkit.settings import SettingsWatcher

__all__ = [
    "AGENT_ROOT",
    "FIVE9_RECONNECT",
    "STATS_ROOT",
    "SUPERVISOR_ROOT",
    "AuthMode",
    "CookieSource",
    "Five9Client",
    "Five9EventStream",
    "Role",
]

logger = logging.getLogger("cxkit.five9")

AGENT_ROOT = "/appsvcs/rs/svc"
SUPERVISOR_ROOT = "/supsvcs/rs/svc"
STATS_ROOT = "/strsvcs/rs/svc"

FIVE9_RECONNECT = dataclasses.replace(DEFAULTS.reconnect, min_wait=2.0, max_wait=60.0)
"""Stream reconnect backoff: full jitter from 2 s to 60 s (what one Five9 peer found to
work against the real service), the other knobs as :data:`cxkit.config.DEFAULTS`."""

AuthMode = Literal["cookies", "header", "both"]
Role = Literal["agent", "supervisor"]
NoticePolicy = Literal["unaccepted", "all", "none"]
DuplicatePolicy = Literal["raise", "force"]
CookieSource = Mapping[str, str] | Callable[[], Mapping[str, str] | Awaitable[Mapping[str, str]]]
"""Browser cookies for attach mode: a mapping, or a callable re-read on every poll."""
RequestHook = Callable[[str, str, dict[str, str]], Any]
T = TypeVar("T")

# Cookies that authenticate a VCC session and must follow it to the data-center host.
_AUTH_COOKIES = ("Authorization", "farmId", "apiRouteKey", "f9-sessionId")
# Host-only load-balancer cookies of the login host: replayed to a DC they cause 401s.
_LB_COOKIE_PREFIXES = ("BIGipServer", "TS")
# Answers of auth/metadata that mean "no session yet" while attaching to a browser's login.
_ATTACH_WAIT_STATUSES = frozenset({200, 401, 403, 435})

_ROLE_PATH = {"agent": "agents", "supervisor": "supervisors"}
_ROLE_ROOT = {"agent": AGENT_ROOT, "supervisor": SUPERVISOR_ROOT}
_login_decoder = msgspec.json.Decoder(LoginResponse)
_login_encoder = msgspec.json.Encoder()
_TRANSPORT_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)


class _RoleState:
    """Login-state bookkeeping of one role (agent or supervisor)."""

    __slots__ = ("driver", "generation", "lock", "state")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.generation = -1  # the login generation for which the role reached WORKING
        self.state: str | None = None
        # The task driving the login state now. Calls it makes on the way (an
        # ``on_select_skills`` hook using the client's namespaces) must not wait for the drive
        # to end: that would wait for itself. Other tasks do wait.
        self.driver: asyncio.Task[Any] | None = None


class Five9Client(CapturesResponses):
    """Async Five9 VCC client (agent + supervisor REST, both WebSockets, cloud APIs).

    Args:
        username, password: VCC credentials (the password is kept as a :class:`Secret`).
        region: ``US`` (default), ``CA``, ``UK`` or ``EU``; ignored when ``base_url`` is given.
        region_hosts: override or extend the region -> login host map (a host name or a whole
            base URL per region).
        base_url: login host as ``http(s)://host[:port]`` (e.g. the emulator).
        login_root: ``"appsvcs"`` (default) or ``"supsvcs"``: where ``auth/login`` is called.
        app_key: free text naming the application in the login body.
        policy: ``"AttachExisting"`` (default; avoids two logins invalidating each other) or
            ``"ForceIn"``.
        tenant_name, org: optional login body parts.
        auth_mode: ``"both"`` (default), ``"cookies"`` or ``"header"``.
        farm_header: spelling of the farm header (``farmId``; some peers send ``farmid``).
        station_type, station_id: the ``session_start`` body (``EMPTY`` = REST-driven).
        station_body: how that body is spelled (:func:`~cxkit.five9._namespace.station_body_of`):
            ``"standard"`` (default), ``"with_state"`` or ``"type_only"``.
        force_session_start: send ``?force=true`` on ``session_start`` (take over a station
            session elsewhere). Default False: a ``DUPLICATE_LOGIN`` raises
            :class:`~cxkit.five9.errors.DuplicateLoginError` instead (or see
            ``on_duplicate_login``).
        on_duplicate_login: ``"raise"`` (default) or ``"force"``: after a ``DUPLICATE_LOGIN``
            answer, send ``session_start`` once more with ``?force=true``. The client never
            logs out silently (one peer did).
        accept_notices: ``"unaccepted"`` (default), ``"all"`` or ``"none"`` (raise
            :class:`~cxkit.five9.errors.LoginStateError` instead of accepting).
        on_select_skills: ``async hook(client, role)`` for the ``SELECT_SKILLS`` state; it
            may call the client (e.g. ``client.agent.set_active_skills([...])``, which is how
            Five9 leaves that state), the login state is read again afterwards.
        relogin_on_data_center: log in again on the DC host until the base URL is stable
            (one peer's fix for "service migrated"; another says it breaks login_state). Off.
        max_login_steps: cap of the login-state loop.
        propagation_retries, propagation_delay: 401s right after a login are retried this
            many times, this many seconds apart (the session propagating to the DC).
        login_state_retries: the same for ``login_state``, the call that binds a fresh login
            to the DC node (one peer needed up to 14 for supervisors).
        session_store, session_key: reuse logins across processes (see
            :mod:`cxkit.five9.session_store`); the key defaults to login host + root + user.
        cloud_header: header form of the cloud token exchange (``"vcc"`` or ``"bearer"``).
        request_hook: ``hook(method, url, headers)`` called before every REST attempt; it may
            add or change headers (e.g. ``f9-transaction-id``). May be async.
        min_request_interval: seconds between REST requests (0: no pacing; 1.0 = 60/min).
        queue_cache_ttl: seconds a ``supervisor.skill_snapshot`` answer is reused (0: never).
        stats_backend: where the statistics cache keeps its rows (see
            :mod:`cxkit.five9.stats_backend`); in-process dicts by default.
        socket_key: key of socket URLs (default unique per client, so two processes do not
            evict each other; each further stream of a kind gets a numbered key). Five9
            closes a second socket with the same key as a duplicate, and allows 3 sockets per
            user: a 4th closes the oldest (which then reconnects and closes the next oldest --
            keep to 3 streams per user).
        ping_interval, missed_pongs, reconnect, frame_buffer: stream keepalive, reconnect
            backoff and the size of the diagnostics ring buffer of received frames.
        timeouts, retry, proxy, logging, user_agent, ssl: HTTP settings (see HTTPClient).
        http: a ready :class:`~cxkit.core.http.HTTPClient` to use instead (a custom
            transport: connector, TLS, auth hooks); its vendor profile must be
            :data:`~cxkit.five9.errors.FIVE9_PROFILE`. The HTTP settings above are then
            ignored. Sockets use its aiohttp session too.
        config_file: an INI or JSON config file (the format of :mod:`cxkit.settings`, the
            official Genesys SDKs' keys): retry, logging, timeouts and proxy come from it,
            unless given as keyword arguments.
        live_reload: watch ``config_file`` and apply retry and logging edits to the running
            client (default: the file's own ``live_reload`` setting).
        sleep: awaited for 401-propagation pauses and pacing (tests inject a fast one).
        clock: monotonic seconds.
    """

    def __init__(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        region: str = "US",
        region_hosts: Mapping[str, str] | None = None,
        base_url: str | None = None,
        login_root: Literal["appsvcs", "supsvcs"] = "appsvcs",
        app_key: str = "cxkit",
        policy: Literal["AttachExisting", "ForceIn"] = "AttachExisting",
        tenant_name: str | None = None,
        org: Mapping[str, str] | None = None,
        auth_mode: AuthMode = "both",
        farm_header: str = "farmId",
        station_type: str = "EMPTY",
        station_id: str = "",
        station_body: StationBodyStyle = "standard",
        force_session_start: bool = False,
        on_duplicate_login: DuplicatePolicy = "raise",
        accept_notices: NoticePolicy = "unaccepted",
        on_select_skills: Callable[[Five9Client, Role], Awaitable[None]] | None = None,
        relogin_on_data_center: bool = False,
        max_login_steps: int = 8,
        propagation_retries: int = 3,
        propagation_delay: float = 2.0,
        login_state_retries: int = 14,
        session_store: SessionStore | None = None,
        session_key: str | None = None,
        cloud_header: CloudHeader = "vcc",
        request_hook: RequestHook | None = None,
        min_request_interval: float = 0.0,
        queue_cache_ttl: float = 0.0,
        stats_backend: StatsBackend | None = None,
        socket_key: str | None = None,
        ping_interval: float = DEFAULTS.five9_ping_interval,
        missed_pongs: int = DEFAULTS.five9_missed_pongs,
        reconnect: ReconnectPolicy = FIVE9_RECONNECT,
        frame_buffer: int = 100,
        timeouts: Timeouts = DEFAULTS.timeouts,
        retry: RetryPolicy = DEFAULTS.retry,
        proxy: ProxyConfig | None = None,
        logging: LoggingConfig = DEFAULTS.logging,
        user_agent: str = DEFAULTS.user_agent,
        ssl: Any = None,
        http: HTTPClient | None = None,
        config_file: str | os.PathLike[str] | None = None,
        live_reload: bool | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Configure the client; nothing is sent until the first call or :meth:`login`."""
        if auth_mode not in ("cookies", "header", "both"):
            raise ConfigError.bad_value("five9.auth_mode", auth_mode, "cookies, header or both")
        if policy not in ("AttachExisting", "ForceIn"):
            raise ConfigError.bad_value("five9.policy", policy, "AttachExisting or ForceIn")
        if login_root not in ("appsvcs", "supsvcs"):
            raise ConfigError.bad_value("five9.login_root", login_root, "appsvcs or supsvcs")
        if on_duplicate_login not in ("raise", "force"):
            raise ConfigError.bad_value(
                "five9.on_duplicate_login", on_duplicate_login, "raise or force"
            )
        if accept_notices not in ("unaccepted", "all", "none"):
            raise ConfigError.bad_value(
                "five9.accept_notices", accept_notices, "unaccepted, all or none"
            )
        for key, value in (
            ("max_login_steps", max_login_steps),
            ("propagation_retries", propagation_retries),
            ("login_state_retries", login_state_retries),
            ("frame_buffer", frame_buffer),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError.bad_value(f"five9.{key}", value, "an integer >= 0")
        for key, number in (
            ("propagation_delay", propagation_delay),
            ("min_request_interval", min_request_interval),
            ("queue_cache_ttl", queue_cache_ttl),
        ):
            if isinstance(number, bool) or not isinstance(number, (int, float)) or number < 0:
                raise ConfigError.bad_value(f"five9.{key}", number, "a number >= 0")
        self.username = username
        self._password = Secret(password) if password is not None else None
        self.login_base = login_base_url(region, base_url, hosts=region_hosts)
        self.region = None if base_url is not None else region
        self.login_root = AGENT_ROOT if login_root == "appsvcs" else SUPERVISOR_ROOT
        self.app_key = app_key
        self.policy = policy
        self.tenant_name = tenant_name
        self.org = dict(org) if org else None
        self.auth_mode: AuthMode = auth_mode
        self.farm_header = farm_header
        self.station_type = station_type
        self.station_id = station_id
        station_body_of(station_body, station_type, station_id)  # a bad style fails here
        self.station_body: StationBodyStyle = station_body
        self.force_session_start = force_session_start
        self.on_duplicate_login: DuplicatePolicy = on_duplicate_login
        self.accept_notices: NoticePolicy = accept_notices
        self.on_select_skills = on_select_skills
        self.relogin_on_data_center = relogin_on_data_center
        self.max_login_steps = max_login_steps
        self.propagation_retries = propagation_retries
        self.propagation_delay = float(propagation_delay)
        self.login_state_retries = login_state_retries
        self.session_store = session_store
        self.session_key = session_key or f"{self.login_base}{self.login_root}|{username or ''}"
        self.request_hook = request_hook
        self._responses = ResponseRecorder("cxkit_five9_capture")
        self.min_request_interval = float(min_request_interval)
        self.queue_cache_ttl = float(queue_cache_ttl)
        self.socket_key = socket_key or f"cxkit-{uuid.uuid4().hex[:10]}"
        self.ping_interval = ping_interval
        self.missed_pongs = missed_pongs
        self.reconnect = reconnect
        self.frame_buffer = frame_buffer
        # A config file (the same INI/JSON format as the Genesys client's, see
        # cxkit.settings) sets retry, logging, timeouts and proxy; keyword arguments other
        # than the defaults win over it. With live reload, edits to retry and logging reach
        # the running client.
        self._config_file = os.fspath(config_file) if config_file is not None else None
        self._watcher: SettingsWatcher | None = None
        self._overrides: dict[str, Any] = {}
        self._live_reload = False
        self.settings_applied = 0
        self._settings_waiter: asyncio.Future[Any] | None = None
        if self._config_file is not None:
            from cxkit.settings import resolve_settings

            self._overrides = {
                key: value
                for key, value, default in (
                    ("retry", retry, DEFAULTS.retry),
                    ("logging", logging, DEFAULTS.logging),
                    ("timeouts", timeouts, DEFAULTS.timeouts),
                    ("proxy", proxy, None),
                )
                if value is not default
            }
            settings = resolve_settings(path=self._config_file, environ={}, **self._overrides)
            retry = settings.retry or retry
            logging = settings.logging or logging
            timeouts = settings.timeouts or timeouts
            proxy = settings.proxy or proxy
            self._live_reload = settings.live_reload if live_reload is None else live_reload
        self.timeouts = timeouts
        self._sleep = sleep
        self._clock = clock
        if http is not None:
            if http.vendor is not FIVE9_PROFILE:
                raise ConfigError.bad_value(
                    "five9.http", http, "an HTTPClient built with vendor=FIVE9_PROFILE"
                )
            http.base_url = self.login_base
            self.http = http
        else:
            self.http = HTTPClient(
                self.login_base,
                vendor=FIVE9_PROFILE,
                timeouts=timeouts,
                retry=retry,
                proxy=proxy,
                logging=logging,
                user_agent=user_agent,
                ssl=ssl,
                sleep=sleep,
                headers={"Accept": "application/json, text/javascript, */*"},
            )
        self._token: Secret | None = None
        self._login_token: Secret | None = None  # SSO access token for login_by_token
        self._attach_source: CookieSource | None = None
        self.attach_poll_interval = 5.0
        self.attach_timeout: float | None = None
        self._adopt: tuple[LoginResponse, dict[str, str]] | None = None
        self._login: LoginResponse | None = None
        self._farm_id: str | None = None
        self._generation = 0
        self._logged_in_at: float | None = None
        self._login_lock = asyncio.Lock()
        self._pace_lock = asyncio.Lock()
        self._next_request_at = 0.0
        self._roles: dict[str, _RoleState] = {"agent": _RoleState(), "supervisor": _RoleState()}
        self._pending_metadata: Metadata | None = None
        # The last migration a stream switched to, and the login generation before it: the
        # other streams of this client that got the same 1002 share its re-login.
        self._last_migration: tuple[Metadata, int] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stream_counts: dict[str, int] = {}
        self.logins = 0
        """Network logins made (a reused stored session does not count)."""
        self.restored = 0
        """Logins reused from the session store."""
        self.state_history: deque[tuple[str, str | None]] = deque(maxlen=64)
        """The last login states read, as ``(role, state)`` (diagnostics)."""
        self.stats = StatsCache(backend=stats_backend)
        from cxkit.five9.agent import AgentAPI
        from cxkit.five9.supervisor import SupervisorAPI

        self._agent = AgentAPI(self)
        self._supervisor = SupervisorAPI(self)
        self._cloud = CloudAPI(self, header=cloud_header, clock=clock)

    @namespace
    def agent(self) -> AgentAPI:
        """Agent REST methods (``/appsvcs``): presence, calls, dispositions, transfers..."""
        return self._agent

    @namespace
    def supervisor(self) -> SupervisorAPI:
        """Supervisor REST methods (``/supsvcs``): users, statistics, monitoring..."""
        return self._supervisor

    @namespace
    def cloud(self) -> CloudAPI:
        """The cloud APIs (OAuth-style bearer header)."""
        return self._cloud

    def __repr__(self) -> str:
        state = "logged in" if self._login is not None else "not logged in"
        return (
            f"Five9Client(username={self.username!r}, login_base={self.login_base!r}, "
            f"api_base={self.http.base_url!r}, {state})"
        )

    # ------------------------------------------------------------------ other constructors

    @classmethod
    def attach(
        cls,
        cookies: CookieSource,
        *,
        poll_interval: float = 5.0,
        attach_timeout: float | None = None,
        **kwargs: Any,
    ) -> Five9Client:
        """Browser-attach mode: use the session of a Five9 Agent/Supervisor app that is
        logged in in a browser, through its cookies (no credentials).

        The client polls ``GET auth/metadata`` with the cookies every ``poll_interval``
        seconds (5 s, as the Salesforce peer does) until the answer carries a login instead
        of a ``five9ExceptionDetail``, then works as after a login. ``cookies`` may be a
        callable (sync or async) re-read on every poll, e.g. from a browser's cookie store.
        When the session ends later, polling starts again; with ``attach_timeout`` (seconds)
        it gives up with :class:`~cxkit.errors.TokenExpiredError`.
        """
        if isinstance(poll_interval, bool) or not isinstance(poll_interval, (int, float)):
            raise ConfigError.bad_value("five9.poll_interval", poll_interval, "a number > 0")
        if not poll_interval > 0:
            raise ConfigError.bad_value("five9.poll_interval", poll_interval, "a number > 0")
        kwargs.setdefault("auth_mode", "both")
        client = cls(None, None, **kwargs)
        client._attach_source = cookies
        client.attach_poll_interval = float(poll_interval)
        client.attach_timeout = attach_timeout
        return client

    @classmethod
    def from_metadata(
        cls,
        metadata: LoginResponse | Mapping[str, Any] | str | bytes,
        *,
        cookies: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> Five9Client:
        """A client over an existing login: a login / ``auth/metadata`` body obtained
        elsewhere (an SSO flow, a browser), plus its cookies if any. No request is made
        until the first call; without credentials a session that ends raises
        :class:`~cxkit.errors.TokenExpiredError`."""
        if isinstance(metadata, LoginResponse):
            login = metadata
        else:
            raw = metadata if isinstance(metadata, (str, bytes)) else msgspec.json.encode(metadata)
            try:
                login = _login_decoder.decode(raw)
            except (msgspec.DecodeError, msgspec.ValidationError):
                raise ConfigError.bad_value(
                    "five9.metadata", "<login body>", "a Five9 login / auth/metadata body"
                ) from None
        _check_login(login)
        client = cls(None, None, **kwargs)
        client._adopt = (login, dict(cookies or {}))
        return client

    # ------------------------------------------------------------------ properties

    @property
    def logged_in(self) -> bool:
        """True while a login is held."""
        return self._login is not None

    @property
    def session_info(self) -> LoginResponse | None:
        """The last login response (``repr`` hides the token)."""
        return self._login

    @property
    def user_id(self) -> str:
        """The logged-in user's id (``{agentId}`` / ``{supId}``)."""
        return self._require_login().user_id

    @property
    def org_id(self) -> str:
        """The domain (org) id (``{orgId}``)."""
        return self._require_login().org_id

    @property
    def farm_id(self) -> str | None:
        """The farm id in force."""
        return self._farm_id

    @property
    def api_base(self) -> str:
        """The REST base URL in force (the active data center after login)."""
        return self.http.base_url

    @property
    def cloud_client_url(self) -> str | None:
        """``context.cloudClientUrl`` of the login (None when absent or not logged in)."""
        return self._login.context.cloud_client_url if self._login is not None else None

    def _require_login(self) -> LoginResponse:
        if self._login is None:
            raise UsageError("not logged in to Five9: call login() first or make a request")
        return self._login

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        """Start config live reload (when configured) and return the client (login happens
        on first use or by :meth:`login`)."""
        await self.start()
        return self

    async def start(self) -> None:
        """Watch the config file for changes (when one was given with live reload on).
        Idempotent; requests work without it."""
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

    def apply_settings(self, settings: Any) -> None:
        """Apply new settings to the running client (config-file live reload): the retry
        policy and logging. Hosts, proxy and timeouts need a new client."""
        retry = getattr(settings, "retry", None)
        if isinstance(retry, RetryPolicy):
            self.http.retry = retry
        logging_config = getattr(settings, "logging", None)
        if isinstance(logging_config, LoggingConfig):
            self.http.logging_config = logging_config
        self.settings_applied += 1
        waiter, self._settings_waiter = self._settings_waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(settings)
        logger.debug("five9 client settings applied")

    async def settings_changed(self, timeout: float | None = None) -> Any:
        """Wait until the next settings are applied (a config-file edit) and return them."""
        waiter = self._settings_waiter
        if waiter is None or waiter.done():
            waiter = self._settings_waiter = asyncio.get_running_loop().create_future()
        return await asyncio.wait_for(asyncio.shield(waiter), timeout)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Log out (when logged in) and close the HTTP session."""
        await self.close()

    async def close(self) -> None:
        """Log out when logged in, stop background work and close the HTTP session."""
        try:
            if self._login is not None:
                try:
                    await self.logout()
                except CxkitError as exc:  # closing must finish; the failure is reported
                    logger.warning("five9: logout while closing failed: %s", exc)
        finally:
            watcher, self._watcher = self._watcher, None
            if watcher is not None:
                await watcher.stop()
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            await self.http.close()

    async def login(self, *, fresh: bool = False) -> LoginResponse:
        """Log in now, unless a login is held (or, with a session store, a saved one can be
        reused). ``fresh=True`` always makes a new network login."""
        async with self._login_lock:
            if self._login is not None and not fresh:
                return self._login
            if not fresh and await self._restore():
                assert self._login is not None
                return self._login
            return await self._do_login()

    async def ensure_login(self) -> LoginResponse:
        """The login in force, logging in (or reusing a stored session) when needed."""
        await self._ensure_login()
        return self._require_login()

    async def login_by_token(self, access_token: str) -> LoginResponse:
        """SSO: ``POST auth/login_by_token`` with ``Authorization: Bearer {access_token}``.

        The token is kept (as a :class:`Secret`) for re-logins."""
        self._login_token = Secret(access_token)
        return await self.login(fresh=True)

    async def logout(self) -> None:
        """``POST auth/logout`` (ends agent and supervisor sessions), forget the login and
        remove it from the session store."""
        if self._login is None:
            return
        try:
            await self._send("POST", f"{self.login_root}/auth/logout", headers=self._auth_headers())
        finally:
            self._forget_login()
            await self._store_delete()

    def _password_changed(self, old: str, new: str) -> None:
        """The user's password changed: log in with the new one from now on."""
        if self._password is not None and self._password.reveal() == old:
            self._password = Secret(new)

    def _forget_login(self) -> None:
        self._login = None
        self._token = None
        self._generation += 1
        self.cloud.invalidate()
        for role in self._roles.values():
            role.generation = -1
            role.state = None

    async def _ensure_login(self) -> int:
        if self._login is not None:
            return self._generation
        async with self._login_lock:
            if self._login is None and not await self._restore():
                await self._do_login()
            return self._generation

    async def relogin(self, generation: int | None = None) -> None:
        """Log in again unless someone already did since ``generation`` (single-flight).
        Never reuses a stored session (the one in force was just refused)."""
        async with self._login_lock:
            if generation is not None and generation != self._generation and self._login:
                return
            self._login = None
            await self._do_login()

    async def _do_login(self) -> LoginResponse:
        if self._login_token is not None or (self.username and self._password is not None):
            login = await self._password_login()
        elif self._adopt is not None:
            login, cookies = self._adopt
            self._adopt = None
            self._adopt_login(login, cookies=cookies, api_base=None)
            return login
        elif self._attach_source is not None:
            login = await self._attach_login()
        elif self._generation:  # a session was held before: it ended
            raise TokenExpiredError(
                "the Five9 session ended and this client has no credentials to log in again",
                vendor="five9",
            )
        else:
            raise UsageError("Five9 login needs a username and a password (or an SSO token)")
        await self._store_save()
        return login

    async def _password_login(self) -> LoginResponse:
        body: dict[str, Any] = {"policy": self.policy}
        headers: dict[str, str] = {"Content-Type": "application/json"}
        if self._login_token is not None:
            path = f"{AGENT_ROOT}/auth/login_by_token"
            headers["Authorization"] = f"Bearer {self._login_token.reveal()}"
        else:
            assert self.username and self._password is not None
            credentials: dict[str, str] = {
                "username": self.username,
                "password": self._password.reveal(),
            }
            if self.tenant_name:
                credentials["tenantName"] = self.tenant_name
            body["passwordCredentials"] = credentials
            body["appKey"] = self.app_key
            if self.org:
                body["org"] = self.org
            path = f"{self.login_root}/auth/login"
        login_url = self.login_base + path
        stable_base: str | None = None
        for _ in range(3 if self.relogin_on_data_center else 1):
            try:
                response = await self._send(
                    "POST", login_url, json=body, headers=headers, retry=_NO_STATUS_RETRY
                )
            except UnauthorizedError as exc:
                detail = five9_detail(exc)
                hint = "" if self.region is None else f"; is the user in region {self.region}?"
                raise InvalidCredentialsError(
                    f"Five9 refused the login for {self.username or 'the SSO token'!r} "
                    f"at {self.login_base} "
                    f"(401{': ' + detail.message if detail.message else ''}{hint})",
                    vendor="five9",
                    code=None if detail.error_code is None else str(detail.error_code),
                ) from None
            login = self._parse_login(response)
            base = self._apply_login(login, response)
            if not self.relogin_on_data_center or base == stable_base:
                break
            stable_base = base
            login_url = base + path  # A1: log in on the DC host until the base is stable
        assert self._login is not None
        return self._login

    async def _attach_login(self) -> LoginResponse:
        """Poll ``auth/metadata`` with the browser's cookies until it answers a login."""
        source = self._attach_source
        assert source is not None
        started = self._clock()
        url = f"{self.login_base}{self.login_root}/auth/metadata"
        polls = 0
        while True:
            cookies: Any = source() if callable(source) else source
            if inspect.isawaitable(cookies):
                cookies = await cookies
            if cookies:
                self.http.cookies.update_cookies(dict(cookies), response_url=URL(self.login_base))
            response = await self._send("GET", url, raise_for_status=False, retry=_NO_STATUS_RETRY)
            polls += 1
            if response.ok and parse_error_body(response.body) is None:
                login = self._parse_login(response)
                self._apply_login(login, response)
                logger.info("five9: attached to a browser session after %d poll(s)", polls)
                return login
            if response.status not in _ATTACH_WAIT_STATUSES:
                raise status_error(
                    response.status,
                    response.headers,
                    response.content,
                    method="GET",
                    url=response.url,
                )
            waited = self._clock() - started
            if self.attach_timeout is not None and waited >= self.attach_timeout:
                raise TokenExpiredError(
                    f"no Five9 session to attach to at {self.login_base} after {waited:.0f} s "
                    "(is the Five9 app logged in in the browser?)",
                    vendor="five9",
                )
            logger.debug("five9: no browser session yet (%d); polling again", response.status)
            await self._sleep(self.attach_poll_interval)

    def _parse_login(self, response: APIResponse) -> LoginResponse:
        try:
            login = _login_decoder.decode(response.content)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise AuthError(
                f"Five9 login answered {response.status} with a body that is not a login response",
                vendor="five9",
            ) from None
        _check_login(login)
        return login

    def _apply_login(self, login: LoginResponse, response: APIResponse) -> str:
        """Adopt a network login: token, farm, data center, cookies. Returns the new base."""
        metadata = login.metadata
        if not metadata.data_centers and self._pending_metadata is not None:
            metadata = self._pending_metadata
        self._pending_metadata = None
        base = self._data_center_base(metadata)
        self._install(login, base)
        self._logged_in_at = self._clock()
        self.logins += 1
        self._carry_cookies(base)
        logger.info(
            "five9: logged in user %s of org %s; API base %s", login.user_id, login.org_id, base
        )
        return base

    def _adopt_login(
        self, login: LoginResponse, *, cookies: Mapping[str, str], api_base: str | None
    ) -> None:
        """Adopt a login made elsewhere (a stored session, given metadata): no network."""
        base = api_base or self._data_center_base(login.metadata)
        self._install(login, base)
        # Not a fresh login: a 401 means the session is gone, not still propagating.
        self._logged_in_at = None
        if cookies:
            jar = self.http.cookies
            for url in {self.login_base, base}:
                jar.update_cookies(dict(cookies), response_url=URL(url))
        logger.info("five9: reusing a login of user %s; API base %s", login.user_id, base)

    def _install(self, login: LoginResponse, base: str) -> None:
        self._token = Secret(login.token_id)
        self._farm_id = login.farm_id or self._farm_id
        self._login = login
        self._generation += 1
        for role in self._roles.values():
            role.generation = -1
        self.http.base_url = base
        self.stats.tenant = login.org_id
        self.cloud.invalidate()

    def _data_center_base(self, metadata: Metadata) -> str:
        """The active DC's first usable API host as a base URL; else the login host. What is
        wrong with the metadata is logged (it is Five9's answer, so it is used as far as it
        can be rather than refused)."""
        problems = metadata.problems()
        if problems:
            logger.warning("five9: data-center metadata: %s", "; ".join(problems))
        dc = metadata.active_data_center()
        entry = dc.api_url() if dc is not None else None
        if entry is None:
            logger.warning("five9: metadata has no usable data center; using the login host")
            return self.login_base
        scheme = URL(self.login_base).scheme or "https"
        port = entry.port_number
        default = 443 if scheme == "https" else 80
        host = entry.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"

    def _carry_cookies(self, base: str) -> None:
        jar = self.http.cookies
        # Never replay the login host's load-balancer cookies anywhere else.
        jar.clear(lambda morsel: morsel.key.startswith(_LB_COOKIE_PREFIXES))
        if self.auth_mode == "header":
            jar.clear()
            return
        carried = self._session_cookies(self.login_base)
        if base != self.login_base and carried:
            jar.update_cookies(carried, response_url=URL(base))

    def _session_cookies(self, url: str) -> dict[str, str]:
        return {
            name: morsel.value
            for name, morsel in self.http.cookies.filter_cookies(URL(url)).items()
            if name in _AUTH_COOKIES
        }

    # ------------------------------------------------------------------ session store

    async def _restore(self) -> bool:
        """Adopt the stored session for :attr:`session_key`, if any (True when adopted)."""
        store = self.session_store
        if store is None:
            return False
        try:
            stored = await store.load(self.session_key)
        except Exception as exc:  # a broken store must not prevent a login
            logger.warning("five9: the session store failed to load: %s", exc)
            return False
        if stored is None:
            return False
        try:
            login = _login_decoder.decode(stored.login)
            _check_login(login)
        except (msgspec.DecodeError, msgspec.ValidationError, AuthError):
            logger.warning("five9: the stored session is not a login; logging in instead")
            await self._store_delete()
            return False
        self._adopt_login(login, cookies=stored.cookies, api_base=stored.api_base)
        if stored.farm_id:
            self._farm_id = stored.farm_id
        self.restored += 1
        return True

    async def _store_save(self) -> None:
        store = self.session_store
        login = self._login
        if store is None or login is None:
            return
        stored = StoredSession(
            login=msgspec.Raw(_login_encoder.encode(login)),
            api_base=self.api_base,
            farm_id=self._farm_id,
            cookies={} if self.auth_mode == "header" else self._session_cookies(self.api_base),
            saved_at=time.time(),
        )
        try:
            await store.save(self.session_key, stored)
        except Exception as exc:  # reuse is an optimisation: report, go on
            logger.warning("five9: the session store failed to save: %s", exc)

    async def _store_delete(self) -> None:
        store = self.session_store
        if store is None:
            return
        try:
            await store.delete(self.session_key)
        except Exception as exc:
            logger.warning("five9: the session store failed to delete: %s", exc)

    # ------------------------------------------------------------------ auth headers

    def _auth_headers(self) -> dict[str, str]:
        if self.auth_mode == "cookies" or self._token is None:
            return {}
        return self.auth_headers(force=True)

    def auth_headers(self, *, force: bool = False) -> dict[str, str]:
        """The VCC authorization headers (``Authorization: Bearer-{tokenId}`` + farm header)
        as this client sends them; ``force`` gives them even in cookie mode. Empty before
        login. Secrets: never log the result."""
        if self._token is None or (self.auth_mode == "cookies" and not force):
            return {}
        headers = {"Authorization": f"Bearer-{self._token.reveal()}"}
        if self._farm_id:
            headers[self.farm_header] = self._farm_id
        return headers

    def token_value(self) -> str:
        """The VCC ``tokenId`` in force (a secret; for APIs that want it in another form)."""
        if self._token is None:
            raise UsageError("not logged in to Five9: no token yet")
        return self._token.reveal()

    # ------------------------------------------------------------------ login state machine

    def role_state(self, role: Role) -> str | None:
        """The last login state read for a role (None before the first read)."""
        return self._roles[role].state

    async def ensure_working(self, role: Role) -> None:
        """Drive ``role``'s login state to ``WORKING`` (once per login, single-flight)."""
        generation = await self._ensure_login()
        state = self._roles[role]
        if state.generation == generation:
            return
        current = asyncio.current_task()
        if state.driver is not None and state.driver is current:
            return  # a call made by the drive itself (a hook): it runs in the state as it is
        async with state.lock:
            if state.generation == self._generation:
                return
            state.driver = current
            try:
                await self._drive_to_working(role)
            finally:
                state.driver = None
            state.generation = self._generation

    def _invalidate_role(self, role: Role) -> None:
        self._roles[role].generation = -1

    async def _drive_to_working(self, role: Role) -> None:
        prefix = f"{_ROLE_ROOT[role]}/{_ROLE_PATH[role]}/{self.user_id}"
        last: str | None = None
        patience = max(self.propagation_retries, self.login_state_retries)
        for _ in range(max(self.max_login_steps, 1)):
            response = await self._raw(
                role, "GET", f"{prefix}/login_state", working=False, propagation=patience
            )
            state = _bare_string(response.body)
            self._roles[role].state = state
            self.state_history.append((role, state))
            logger.debug("five9: %s login state %s", role, state)
            if state == "WORKING":
                return
            if state == "SELECT_STATION":
                await self._session_start(role, prefix)
            elif state == "ACCEPT_NOTICE":
                await self._accept_notices(role, prefix)
            elif state == "RELOGIN":
                await self._raw(role, "PUT", f"{prefix}/session_restart", working=False)
            elif state == "SELECT_SKILLS":
                if self.on_select_skills is None:
                    raise LoginStateError(
                        f"Five9 {role} login state is SELECT_SKILLS and no on_select_skills "
                        "hook is configured",
                        state=state,
                    )
                await self.on_select_skills(self, role)
            else:
                raise LoginStateError(f"unknown Five9 {role} login state {state!r}", state=state)
            last = state
        raise LoginStateError(
            f"Five9 {role} login state did not reach WORKING in {self.max_login_steps} steps "
            f"(last {last!r})",
            state=last,
        )

    async def _session_start(self, role: Role, prefix: str) -> None:
        body = station_body_of(self.station_body, self.station_type, self.station_id)
        force = self.force_session_start
        while True:
            params = {"force": "true"} if force else None
            try:
                await self._raw(
                    role, "PUT", f"{prefix}/session_start", json=body, params=params, working=False
                )
                return
            except APIStatusError as exc:
                if five9_detail(exc).context_code != "DUPLICATE_LOGIN":
                    raise
                if force or self.on_duplicate_login != "force":
                    raise _duplicate_login(exc) from None
                logger.warning(
                    "five9: %s station session held elsewhere (DUPLICATE_LOGIN); taking it over "
                    "with force=true",
                    role,
                )
                force = True

    async def _accept_notices(self, role: Role, prefix: str) -> None:
        response = await self._raw(role, "GET", f"{prefix}/maintenance_notices", working=False)
        notices: list[MaintenanceNotice] = response.decode(list[MaintenanceNotice] | None) or []
        if self.accept_notices == "none":
            raise LoginStateError(
                f"Five9 {role} must accept {len(notices)} maintenance notice(s) and "
                "accept_notices is 'none'",
                state="ACCEPT_NOTICE",
            )
        for notice in notices:
            if self.accept_notices == "unaccepted" and notice.accepted:
                continue
            await self._raw(
                role, "PUT", f"{prefix}/maintenance_notices/{notice.id}/accept", working=False
            )

    # ------------------------------------------------------------------ requests

    def fill(self, path: str) -> str:
        """Fill ``{agentId}``, ``{supId}``, ``{userId}`` and ``{orgId}`` from the login."""
        if "{" not in path:
            return path
        login = self._require_login()
        return (
            path.replace("{agentId}", login.user_id)
            .replace("{supId}", login.user_id)
            .replace("{userId}", login.user_id)
            .replace("{orgId}", login.org_id)
        )

    def _path(self, role: Role, path: str) -> str:
        if path.startswith(("/appsvcs", "/supsvcs", "/strsvcs", "http://", "https://")):
            return path
        return f"{_ROLE_ROOT[role]}/{path.lstrip('/')}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        role: Role = "agent",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        working: bool = True,
    ) -> APIResponse:
        """Call any VCC endpoint (the escape hatch).

        ``path`` is relative to the role's root (``/appsvcs/rs/svc`` for ``agent``,
        ``/supsvcs/rs/svc`` for ``supervisor``) unless it starts with ``/appsvcs``,
        ``/supsvcs`` or ``/strsvcs``, or is an absolute URL; ``{agentId}``/``{supId}``/
        ``{orgId}`` are filled. With ``working`` the role is first driven to WORKING.
        """
        await self._ensure_login()
        return await self._raw(
            role,
            method,
            self._path(role, path),
            params=params,
            json=json,
            headers=headers,
            working=working,
        )

    async def send_with_recovery(
        self,
        method: str,
        url: str,
        *,
        role: Role = "agent",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        working: bool = False,
    ) -> APIResponse:
        """Send a request with the client's recoveries (propagation 401, re-login, 435,
        migration); ``headers`` may be a callable, re-evaluated on every attempt (so a
        header built from the token follows a re-login)."""
        return await self._raw(
            role, method, url, params=params, json=json, headers=headers, working=working
        )

    async def _send(self, method: str, url: str, **kwargs: Any) -> APIResponse:
        """Every REST request of this client goes through here, so ``last_response`` and
        ``with_response`` see logins, metadata and cloud calls too."""
        response = await self.http.request(method, url, **kwargs)
        self._responses.record(response)
        return response

    async def _raw(
        self,
        role: Role,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None = None,
        working: bool = True,
        propagation: int | None = None,
    ) -> APIResponse:
        """One logical REST call with Five9's recoveries."""

        async def attempt(url: str, send: dict[str, str]) -> APIResponse:
            kwargs: dict[str, Any] = {"params": params, "headers": send}
            if json is not None:
                kwargs["json"] = json
            return await self._send(method, url, **kwargs)

        return await self._recover(
            role, method, path, attempt, headers=headers, working=working, propagation=propagation
        )

    async def _recover(
        self,
        role: Role,
        method: str,
        path: str,
        attempt: Callable[[str, dict[str, str]], Awaitable[T]],
        *,
        headers: Mapping[str, str] | Callable[[], Mapping[str, str]] | None,
        working: bool,
        propagation: int | None = None,
    ) -> T:
        """Run ``attempt(url, headers)`` with Five9's recoveries: 401s right after a login
        retried (the session propagating), then one fresh login; 435 LOGIN re-runs the state
        machine once; 435 / 5001 "migrated" logs in again (new farm) once."""
        limit = self.propagation_retries if propagation is None else propagation
        window = max(30.0, self.propagation_delay * (limit + 1) * 2)
        retried = 0
        relogged = rerun = migrated = False
        while True:
            generation = await self._ensure_login()
            if working:
                await self.ensure_working(role)
            send = self._auth_headers()
            if headers is not None:
                send.update(headers() if callable(headers) else headers)
            url = self.fill(path)
            if self.request_hook is not None:
                hooked = self.request_hook(method, url, send)
                if inspect.isawaitable(hooked):
                    await hooked
            if self.min_request_interval:
                await self._pace()
            try:
                return await attempt(url, send)
            except UnauthorizedError:
                recent = (
                    self._logged_in_at is not None and self._clock() - self._logged_in_at < window
                )
                if recent and retried < limit and not relogged:
                    retried += 1
                    logger.info(
                        "five9: 401 right after login (propagating to the DC); retry %d/%d",
                        retried,
                        limit,
                    )
                    await self._sleep(self.propagation_delay)
                    continue
                if relogged:
                    raise
                relogged = True
                await self.relogin(generation)
                continue
            except APIStatusError as exc:
                if is_login_state_error(exc) and not rerun and working:
                    rerun = True
                    self._invalidate_role(role)
                    continue
                if is_migration_error(exc) and not migrated:
                    migrated = True
                    farm = five9_detail(exc).farm_id
                    logger.info("five9: service migrated (farm %s); logging in again", farm)
                    if farm:
                        self._farm_id = farm
                    await self.relogin(generation)
                    continue
                raise

    async def _pace(self) -> None:
        """Space request starts ``min_request_interval`` apart (one peer: 60 per minute)."""
        async with self._pace_lock:
            wait = self._next_request_at - self._clock()
            if wait > 0:
                await self._sleep(wait)
            self._next_request_at = max(self._clock(), self._next_request_at) + (
                self.min_request_interval
            )

    async def call(
        self,
        role: Role,
        method: str,
        path: str,
        type_: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        working: bool = True,
    ) -> Any:
        """Call an endpoint of ``role``'s root and decode the body into ``type_`` (or
        return the generic JSON when ``type_`` is None). Empty bodies decode to None."""
        response = await self._raw(
            role, method, f"{_ROLE_ROOT[role]}/{path}", params=params, json=json, working=working
        )
        if not response.content.strip():
            return None
        if type_ is None:
            return response.body
        return response.decode(type_ | None)

    async def stream_bytes(
        self,
        method: str,
        path: str,
        *,
        role: Role = "supervisor",
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        chunk_size: int = 64 * 1024,
        working: bool = True,
    ) -> AsyncIterator[bytes]:
        """The body of any VCC endpoint in chunks, as it arrives (large binaries such as
        recordings never sit whole in memory). Opening goes through the client's
        recoveries; a connection lost mid-body raises :class:`~cxkit.errors.ConnectError`."""
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise ConfigError.bad_value("chunk_size", chunk_size, "an integer >= 1")
        await self._ensure_login()
        target = self._path(role, path)
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self.timeouts.connect, sock_read=self.timeouts.read
        )

        async def attempt(url: str, send: dict[str, str]) -> aiohttp.ClientResponse:
            absolute = url if url.startswith(("http://", "https://")) else self.api_base + url
            send.update(headers or {})
            send.update(self.http.proxy_request_headers(absolute))
            try:
                response = await self.http.session.request(
                    method,
                    absolute,
                    params=dict(params) if params else None,
                    headers=send,
                    timeout=timeout,
                    proxy_headers=self.http.proxy_headers,
                )
            except _TRANSPORT_ERRORS as exc:
                raise _transport_error(exc, method, absolute) from None
            if response.status >= 400:
                try:
                    content = await response.read()
                finally:
                    response.release()
                raise status_error(
                    response.status, response.headers, content, method=method, url=absolute
                )
            return response

        response = await self._recover(role, method, target, attempt, headers=None, working=working)
        try:
            async for chunk in response.content.iter_chunked(chunk_size):
                yield chunk
        except _TRANSPORT_ERRORS as exc:
            raise _transport_error(exc, method, str(response.url)) from None
        finally:
            response.release()

    # ------------------------------------------------------------------ metadata

    async def metadata(self) -> LoginResponse:
        """``GET auth/metadata`` on the login host (the same shape as the login response)."""
        await self._ensure_login()
        response = await self._send(
            "GET", f"{self.login_base}{self.login_root}/auth/metadata", headers=self._auth_headers()
        )
        return self._parse_login(response)

    # ------------------------------------------------------------------ streams

    def agent_stream(
        self,
        *,
        event_filter: list[int] | None = None,
        unified: bool | None = None,
        key: str | None = None,
        path: str = "/appsvcs/ws/{key}",
    ) -> Five9EventStream:
        """The agent WebSocket as a :class:`Five9EventStream` (started by ``async with``).

        ``unified``: True always builds the vendor-neutral events, False never, None (the
        default) once something consumes them (``async for``, ``"*"`` or a unified kind).
        """
        target, bind = self._stream_target("agent", path, key or self._default_key("agent"))
        session = AgentStreamSession(
            target,
            ping_interval=self.ping_interval,
            missed_pongs=self.missed_pongs,
            event_filter=event_filter,
            unified=unified,
            tenant=self._login.org_id if self._login else "",
            agent_id=self._login.user_id if self._login else None,
            frame_buffer=self.frame_buffer,
        )
        bind(session)
        return Five9EventStream(session, http=self.http, reconnect=self.reconnect)

    def supervisor_stream(
        self,
        *,
        event_filter: list[int] | None = None,
        unified: bool | None = None,
        key: str | None = None,
        path: str = "/supsvcs/sws/{key}",
        request_full_statistics: bool = True,
    ) -> Five9EventStream:
        """The supervisor WebSocket, its statistics applied to :attr:`stats` (also
        ``stream.cache``); ``request_full_statistics`` is sent after every (re)connect.
        ``unified`` as for :meth:`agent_stream`."""
        target, bind = self._stream_target("supervisor", path, key or self._default_key("super"))
        session = SupervisorStreamSession(
            target,
            stats=self.stats,
            ping_interval=self.ping_interval,
            missed_pongs=self.missed_pongs,
            event_filter=event_filter,
            unified=unified,
            tenant=self._login.org_id if self._login else "",
            on_connected=self._spawn_full_statistics if request_full_statistics else None,
            frame_buffer=self.frame_buffer,
        )
        bind(session)
        return Five9EventStream(session, http=self.http, reconnect=self.reconnect)

    def _default_key(self, kind: str) -> str:
        """``{socket_key}_{kind}`` for a client's first stream of a kind, then ``..._{kind}2``,
        ...: Five9 closes a second socket with the same key as a duplicate (1020 / 3000)."""
        count = self._stream_counts[kind] = self._stream_counts.get(kind, 0) + 1
        return f"{self.socket_key}_{kind}" + ("" if count == 1 else str(count))

    def _spawn_full_statistics(self) -> None:
        task = asyncio.get_running_loop().create_task(self._full_statistics())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _full_statistics(self) -> None:
        try:
            await self.supervisor.request_full_statistics()
        except Exception as exc:  # reported, never crashes the stream
            logger.warning("five9: request_full_statistics failed: %s", exc)

    def _stream_target(
        self, role: Role, path: str, key: str
    ) -> tuple[
        Callable[[ConnectRequest], Awaitable[ConnectTarget]],
        Callable[[Five9StreamSession], None],
    ]:
        """The connect-target factory of a stream, and a function that binds the stream's
        session to it (so the org and user are stamped on its events once known)."""
        bound: list[Five9StreamSession] = []

        async def target(request: ConnectRequest) -> ConnectTarget:
            if request.metadata is not None:
                last = self._last_migration
                if last is not None and last[0] == request.metadata:
                    # Another stream of this client got the same 1002 and moved first: share
                    # its re-login instead of logging in once per socket.
                    await self.relogin(last[1])
                else:
                    generation = self._generation
                    self._last_migration = (request.metadata, generation)
                    self._pending_metadata = request.metadata
                    self._switch_to(request.metadata)
                    await self.relogin(generation)
            elif request.relogin:
                await self.relogin(self._generation)
            await self.ensure_working(role)
            for session in bound:
                session.set_identity(self.org_id, self.user_id)
            base = URL(self.http.base_url)
            scheme = "wss" if base.scheme == "https" else "ws"
            url = str(base.with_scheme(scheme)).rstrip("/") + path.replace("{key}", key)
            return ConnectTarget(url=url, headers=self._auth_headers())

        return target, bound.append

    def _switch_to(self, metadata: Metadata) -> None:
        """Point REST at the active DC of migration metadata (until the re-login answers)."""
        self.http.base_url = self._data_center_base(metadata)


# A login is not replayed on a gateway error (it may have succeeded); 429/503 are safe.
_NO_STATUS_RETRY = RetryPolicy(retry_statuses=frozenset({429, 503}))


def _check_login(login: LoginResponse) -> None:
    missing = [n for n in ("token_id", "user_id", "org_id") if not getattr(login, n)]
    if missing:
        raise AuthError(f"Five9 login response lacks {', '.join(missing)}", vendor="five9")


def _bare_string(body: Any) -> str | None:
    """``login_state`` answers a bare JSON string ("WORKING"); tolerate unquoted text."""
    if isinstance(body, str):
        return body.strip().strip('"').upper() or None
    if isinstance(body, dict):
        for key in ("state", "loginState", "value"):
            if isinstance(body.get(key), str):
                return str(body[key]).upper()
    return None


def _transport_error(exc: BaseException, method: str, url: str) -> CxkitError:
    if isinstance(exc, TimeoutError):
        return TransportTimeout(f"{method} {url} timed out", method=method, url=url)
    return ConnectError(
        f"{method} {url} failed: {type(exc).__name__}: {exc}", method=method, url=url
    )


def _duplicate_login(exc: APIStatusError) -> DuplicateLoginError:
    return DuplicateLoginError(
        "Five9 session_start refused: the user is logged in elsewhere (DUPLICATE_LOGIN); "
        "use force_session_start=True to take the session over",
        vendor="five9",
        status=exc.status,
        correlation_id=exc.correlation_id,
        body=exc.body,
        code="DUPLICATE_LOGIN",
        vendor_message=exc.vendor_message,
        headers=exc.headers,
        method=exc.method,
        url=exc.url,
    )
