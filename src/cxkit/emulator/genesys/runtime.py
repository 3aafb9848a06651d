"""Everything the Genesys routes share: tenant, options, state, tokens, hub, limiter, clock.

``reset()`` rebuilds the org state (the demo org again, or with a simulated center the org
seeded from it: :attr:`Runtime.sim`) and forgets tokens, channels and rate windows; routes
always read ``runtime.state`` at request time so they see the new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from cxkit.emulator.context import EmulatorContext
from cxkit.emulator.genesys.analytics_jobs import AnalyticsJobs
from cxkit.emulator.genesys.demo_org import populate_demo_org
from cxkit.emulator.genesys.fanout import TopicFanout
from cxkit.emulator.genesys.ids import IdFactory
from cxkit.emulator.genesys.notifications import NotificationHub
from cxkit.emulator.genesys.oauth import OAuthServer
from cxkit.emulator.genesys.ratelimit import RateLimiter
from cxkit.emulator.genesys.settings import GenesysOptions, LiveOptions
from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.genesys.tokens import TokenStore
from cxkit.emulator.genesys.usage import UsageLog
from cxkit.emulator.tenant import GenesysTenant

if TYPE_CHECKING:
    from cxkit.emulator.genesys.simview import SimView

__all__ = ["Runtime"]


class Runtime:
    """The plugin's shared objects."""

    def __init__(self, tenant: GenesysTenant, options: GenesysOptions, seed: int) -> None:
        self.tenant = tenant
        self.live = LiveOptions(options)
        self.seed = seed
        self.ctx: EmulatorContext | None = None
        self.tokens = TokenStore(self.live, self.now)
        self.hub = NotificationHub(self.live, self.now, self.ws_base, tenant.org_id)
        self.tokens.on_revoke(self.hub.on_token_revoked)
        window = lambda: self.live.current.rate_limit_window  # noqa: E731
        self.limiter = RateLimiter(lambda: self.live.current.rate_limit, window, self.now)
        """``org.app.user.rate.per.minute`` (per token, or per OAuth client and user)."""
        self.user_limiter = RateLimiter(lambda: self.live.current.user_rate_limit, window, self.now)
        """``org.user.rate.per.minute``: one user across every OAuth client."""
        self.endpoint_limiter = RateLimiter(lambda: 1, window, self.now)
        """Per-endpoint budgets (``endpoint_rate_limits``)."""
        self.usage = UsageLog(lambda: self.live.current.usage_log_size, tenant.org_id)
        self.jobs = AnalyticsJobs(self.live, self.now)
        self.details_calls = 0  # details queries answered (the analytics_shift_pages switch)
        self.sim: SimView | None = None
        """The view of the emulator's simulated center (set up by the plugin), or None for
        the scripted demo org."""
        self.fanout: TopicFanout
        self.state = self._build_state()
        self.oauth = OAuthServer(tenant, self.state, self.tokens, self.live)
        self._state_listeners: list[Callable[[OrgState], None]] = []

    # ------------------------------------------------------------------ clock & urls

    def now(self) -> float:
        """Emulator clock (epoch seconds); the real time before the core is attached."""
        return self.ctx.now() if self.ctx is not None else time.time()

    def base_url(self) -> str:
        """The API base URL (``http://host:port``)."""
        return self.ctx.base_url if self.ctx is not None else "http://127.0.0.1"

    def ws_base(self) -> str:
        """The WebSocket base URL (``ws://host:port``)."""
        return self.ctx.ws_base_url if self.ctx is not None else "ws://127.0.0.1"

    # ------------------------------------------------------------------ state

    def _build_state(self) -> OrgState:
        options = self.live.current
        sim = self.sim
        state = OrgState(
            org_id=self.tenant.org_id,
            org_name=self.tenant.org_name,
            clock=self.now if sim is None else sim.clock,
            ids=IdFactory(self.seed),
            history=options.history,
            **({} if sim is None else {"periods_per_user": sim.periods_per_user()}),
        )
        if sim is None:
            populate_demo_org(state, self.tenant.user, users=options.users, queues=options.queues)
        else:
            sim.populate(state)
        # With a simulated center observations go out once per tick (SimView.tick).
        self.fanout = TopicFanout(state, self.hub, batch_observations=sim is not None)
        state.add_observer(self.fanout)
        return state

    def on_new_state(self, listener: Callable[[OrgState], None]) -> None:
        """Call ``listener`` with the fresh state after every reset."""
        self._state_listeners.append(listener)

    def reset(self) -> None:
        """Back to the demo org: new state, no tokens, no channels, fresh rate windows."""
        self.hub.clear()
        self.hub.denied.clear()
        self.tokens.clear()
        self.limiter.clear()
        self.user_limiter.clear()
        self.endpoint_limiter.clear()
        self.usage.clear()
        self.jobs.clear()
        self.details_calls = 0
        self.state = self._build_state()
        self.oauth = OAuthServer(self.tenant, self.state, self.tokens, self.live)
        for listener in list(self._state_listeners):
            listener(self.state)
