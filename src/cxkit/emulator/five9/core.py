"""The Five9 emulator's parts wired together: tenant, logins, data centers, statistics,
plus request authentication (cookies, ``Bearer-`` header, farm id, quirk switches).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from cxkit.emulator.context import EmulatorContext
from cxkit.emulator.five9.datacenters import DataCenters
from cxkit.emulator.five9.errors import Five9Error, not_logged_in, service_migrated
from cxkit.emulator.five9.ids import IdGenerator
from cxkit.emulator.five9.options import Five9Options
from cxkit.emulator.five9.seed import seed_tenant
from cxkit.emulator.five9.sessions import AuthSession, SessionRegistry
from cxkit.emulator.five9.simview import SimTenant, build_sim_row
from cxkit.emulator.five9.state import Tenant
from cxkit.emulator.five9.stats import StatsPublisher
from cxkit.emulator.tenant import Five9Tenant

__all__ = ["LB_COOKIE_PREFIXES", "Five9Core"]

LB_COOKIE_PREFIXES = ("BIGipServer", "TS0")
"""Host-only load-balancer cookies the login host sets (reference §1.5)."""


class Five9Core:
    """Everything one emulated Five9 domain holds; rebuilt on ``/_emulator/reset``."""

    def __init__(self, demo: Five9Tenant, options: Five9Options) -> None:
        self.demo = demo
        self.options = options
        self._ctx: EmulatorContext | None = None
        self.build()

    def build(self) -> None:
        """(Re)create the domain with fresh logins and the configured data centers: the
        scripted demo domain, or a view of the emulator's simulated center when it runs one
        (:mod:`cxkit.emulator.five9.simview`)."""
        self.ids = IdGenerator(self.options.seed)
        host = self._ctx.simulation if self._ctx is not None else None
        if host is not None:
            sim_tenant = SimTenant(
                host,
                org_id=self.demo.org_id,
                org_name=self.demo.domain_name,
                clock_ms=self.now_ms,
                ids=self.ids,
                options=self.options,
            )
            sim_tenant.seed(self.demo)
            self.tenant: Tenant = sim_tenant
            self.publisher = StatsPublisher(sim_tenant, build_sim_row)
        else:
            self.tenant = Tenant(
                org_id=self.demo.org_id,
                org_name=self.demo.domain_name,
                clock_ms=self.now_ms,
                ids=self.ids,
            )
            seed_tenant(self.tenant, self.demo, self.options)
            self.publisher = StatsPublisher(self.tenant)
        self.sessions = SessionRegistry(self.tenant, self.options)
        self.dcs = DataCenters(self.options.data_centers, self.ids)
        self._rate: dict[str, tuple[float, int]] = {}

    @property
    def simulated(self) -> bool:
        """True when the domain is a view of the emulator's simulated center."""
        return isinstance(self.tenant, SimTenant)

    # ------------------------------------------------------------------ context

    def attach(self, ctx: EmulatorContext) -> None:
        """Bind the emulator core's context (clock, base URL, socket registry)."""
        self._ctx = ctx

    @property
    def ctx(self) -> EmulatorContext:
        """The emulator core's context."""
        if self._ctx is None:
            raise RuntimeError("the five9 plugin is not set up yet")
        return self._ctx

    def now_ms(self) -> int:
        """The emulator clock in epoch milliseconds (0 before setup); with a simulated
        center, the simulation's clock (``epoch + now``), so that every timestamp of the
        domain (rows, frames, answers) is on the truth's timeline, whatever the speed."""
        if self._ctx is None:
            return 0
        host = self._ctx.simulation
        if host is not None:
            return round(host.sim.wall_time() * 1000)
        return int(self._ctx.now() * 1000)

    def monotonic(self) -> float:
        """Monotonic seconds of the emulator clock."""
        return self._ctx.monotonic() if self._ctx is not None else 0.0

    @property
    def base_url(self) -> str:
        """The emulator's public base URL."""
        return self.ctx.base_url

    def farm_id(self) -> str:
        """The farm id of the active data center."""
        return self.dcs.active(self.base_url).farm_id

    def login_host(self) -> str:
        """``host:port`` of the login host (the emulator's own base URL)."""
        return urlsplit(self.base_url).netloc.lower()

    def metadata(self) -> dict[str, Any]:
        """The ``metadata`` object (data centers) as login and event 1002 carry it."""
        return self.dcs.metadata(self.base_url, self.options.freedom_url)

    def login_body(self, token: str, session: AuthSession) -> dict[str, Any]:
        """The login / ``auth/metadata`` answer (reference §1.4, key for key)."""
        context: dict[str, Any] = {}
        if self.options.cloud_url is not None:
            cloud = self.options.cloud_url.replace("{base_url}", self.base_url)
            context["cloudClientUrl"] = cloud
            context["cloudTokenUrl"] = cloud
        context["farmId"] = self.farm_id()
        return {
            "tokenId": token,
            "sessionId": session.session_id,
            "orgId": self.tenant.org_id,
            "userId": session.user_id,
            "context": context,
            "metadata": self.metadata(),
        }

    # ------------------------------------------------------------------ authentication

    def token_of(self, request: web.Request) -> tuple[str, AuthSession] | None:
        """The (token, session) a request authenticates with: header first, then cookie."""
        candidates: list[str] = []
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer-"):
            if self.options.reject_bearer_dash:
                raise not_logged_in()
            candidates.append(header[len("Bearer-") :].strip())
        elif header[:7].lower() == "bearer " and self.options.accept_bearer_space:
            candidates.append(header[7:].strip())
        cookie = request.cookies.get("Authorization")
        if cookie:
            candidates.append(cookie.removeprefix("Bearer-").strip())
        for token in candidates:
            session = self.sessions.by_token(token)
            if session is not None:
                return token, session
        return None

    def wrong_region(self, request: web.Request) -> bool:
        """True when the request reached a login host of another region (§5 item 3)."""
        hosts = self.options.region_hosts
        if not hosts:
            return False
        host = request.host.rpartition(":")[0] if ":" in request.host else request.host
        region = hosts.get(host.lower().strip("[]"))
        return region is not None and region.upper() != self.options.region.upper()

    def authenticate(self, request: web.Request, *, count: bool = True) -> tuple[str, AuthSession]:
        """Authenticate a request or raise the Five9 error a real server would send."""
        if self.wrong_region(request):
            raise not_logged_in()  # the other region knows no session of this domain
        found = self.token_of(request)
        if found is None:
            raise not_logged_in()
        token, session = found
        farm = request.headers.get("farmId") or request.cookies.get("farmId")
        if farm is not None and farm != self.farm_id():
            # a farm id from before a migration: BC swaps to context.farmId and retries
            raise service_migrated(
                self.farm_id(),
                self.options.migration_status,
                bare=not self.options.migration_body,
            )
        on_dc = request.host.lower() != self.login_host()
        lb_cookies = any(name.startswith(LB_COOKIE_PREFIXES) for name in request.cookies)
        if self.options.reject_lb_cookies_on_dc and on_dc and lb_cookies:
            raise not_logged_in()
        if count:
            self._propagation_lag(session)
            self._rate_limit(token)
        return token, session

    def _propagation_lag(self, session: AuthSession) -> None:
        session.requests += 1
        lag_n = self.options.propagation_lag_requests
        lag_t = self.options.propagation_lag_seconds
        if (lag_n and session.requests <= lag_n) or (
            lag_t and self.monotonic() - session.login_mono < lag_t
        ):
            raise not_logged_in()

    def _rate_limit(self, token: str) -> None:
        limit = self.options.rate_limit_count
        if limit <= 0:
            return
        now = self.monotonic()
        window = self.options.rate_limit_window
        start, count = self._rate.get(token, (now, 0))
        if now - start >= window:
            start, count = now, 0
        count += 1
        self._rate[token] = (start, count)
        if count > limit:
            wait = max(1, int(start + window - now + 0.999))
            reset_epoch = int(self.ctx.now() + wait)
            raise Five9Error(
                429,
                429,
                "Too many requests",
                "RATE_LIMIT",
                headers={
                    self.options.rate_limit_header: str(reset_epoch),
                    "Retry-After": str(wait),
                },
            )

    def check_migrated(self, request: web.Request) -> None:
        """REST on a data center the domain left answers "service migrated" (§5 item 20)."""
        if self.dcs.retired and self.dcs.is_retired(self.base_url, request.host):
            raise service_migrated(
                self.farm_id(),
                self.options.migration_status,
                bare=not self.options.migration_body,
            )
