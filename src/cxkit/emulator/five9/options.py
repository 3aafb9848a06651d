"""Knobs of the Five9 emulator: data centers, vendor quirks and fault switches.

Every switch has its default here. Most of them pick one of the variants the reference lists
as a conflict between peers (see ``reference/five9.md`` §5); the defaults accept every
variant, the switches reproduce one peer's observed behaviour so a client can be tested
against it. The admin command ``quirks`` changes them on a running emulator.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DEFAULT_DATA_CENTERS", "DataCenterSpec", "Five9Options", "NoticeSpec"]


@dataclass(frozen=True, slots=True)
class DataCenterSpec:
    """One data center of the login metadata.

    ``host`` and ``port`` may hold the placeholders ``{login_host}`` (the host the emulator
    listens on, e.g. ``127.0.0.1``), ``{alt_host}`` (another name of the same server:
    ``localhost``, or ``127.0.0.1`` when the login host already is ``localhost``) and
    ``{port}`` (the listening port). Requests are matched to a data center by their ``Host``
    header, which is how the emulator tells the "login host" from a "DC host" and an old DC
    from the new one after a migration.
    """

    name: str
    host: str = "{alt_host}"
    port: str = "{port}"
    active: bool = False
    farm_id: str = "149"
    code: str = "ATL"
    """RouteKey prefix, e.g. ``ATL`` gives ``ATLUI...``, ``ATLAPI...``, ``ATLLGN...``."""
    version: str = "13.0.183"


DEFAULT_DATA_CENTERS: tuple[DataCenterSpec, ...] = (
    DataCenterSpec(
        name="Atlanta Data Center", host="{alt_host}", active=True, farm_id="149", code="ATL"
    ),
    DataCenterSpec(
        name="Santa Clara Data Center",
        host="{login_host}",
        active=False,
        farm_id="252",
        code="SCL",
    ),
)


@dataclass(frozen=True, slots=True)
class NoticeSpec:
    """A maintenance notice every user must accept before reaching ``WORKING``."""

    id: str
    annotation: str
    text: str = "<h1>Some HTML Content, usually a table.</h1>"


@dataclass(slots=True)
class Five9Options:
    """Configuration of the Five9 emulator plugin (mutable: admin ``quirks`` edits it live)."""

    seed: int = 5309
    """Seeds every generated id (tokens, session ids, call ids, route keys)."""
    data_centers: tuple[DataCenterSpec, ...] = DEFAULT_DATA_CENTERS
    freedom_url: str = "https://app.five9.com"
    cloud_url: str | None = "{base_url}/"
    """``context.cloudClientUrl`` / ``cloudTokenUrl`` of the login body (None omits them).
    ``{base_url}`` is the emulator itself, which serves the cloud token exchange and the ACL
    API (real Five9 names ``https://api.prod.us.five9.net/``)."""
    cloud_token_ttl: float = 3600.0
    """``expires_in`` of exchanged cloud tokens (seconds of the emulator clock)."""
    region: str = "US"
    """The region this domain lives in."""
    region_hosts: dict[str, str] = field(default_factory=dict)
    """Host name -> region of other login hosts served by this emulator (e.g.
    ``{"localhost": "CA"}``): a login or a call that reaches a host of another region is
    answered 401, as Five9 answers a user sent to the wrong region's host."""

    # scripted activity
    scenario: bool = False
    """Run the scripted tenant activity on a timer (the demo turns it on; tests step it)."""
    scenario_interval: float = 5.0
    stats_interval: float = 0.0
    """Coalescing delay of 5012 deltas in seconds (0: flush on the next loop iteration)."""
    sim_wait_refresh: float = 1.0
    """With a simulated center: simulated seconds between refreshes of the longest waits of
    queues with calls waiting (their rows change with time alone; 0: on every tick). Rows a
    change touched are always exact."""
    max_frame_bytes: int = 3_500_000
    """Largest statistics frame sent (0: no limit). A bigger 5000 goes out as one 5000 per
    data source (each replaces its own table), a data source bigger still as a 5000 with its
    first rows plus 5012s adding the rest; a bigger 5012 as several. The default stays under
    aiohttp's 4 MiB receive limit (a simulated center of thousands of agents needs it)."""

    # login / auth quirks
    presence_status: int = 200
    """Status of a successful presence PUT: 200 or 202 (both seen)."""
    reject_bearer_dash: bool = False
    """BC's claim: an ``Authorization: Bearer-...`` header makes Five9 answer 401."""
    accept_bearer_space: bool = True
    """Also accept ``Authorization: Bearer {tokenId}`` (the cloud exchange variant)."""
    reject_lb_cookies_on_dc: bool = False
    """Answer 401 when the login host's host-only load-balancer cookies reach a DC host."""
    dc_login: str = "accept"
    """Login sent to a DC host: ``accept`` (A1) or ``reject_state`` (BC: login_state 401)."""
    propagation_lag_requests: int = 0
    """The first N authenticated requests after each login answer 401."""
    propagation_lag_seconds: float = 0.0
    """Authenticated requests within T seconds after each login answer 401."""

    # login-state machine quirks
    notices: tuple[NoticeSpec, ...] = ()
    notices_then_select_station: bool = False
    """After the last notice is accepted, fall back to SELECT_STATION instead of WORKING."""
    accept_returns_stale: bool = False
    """``maintenance_notices/{id}/accept`` echoes ``accepted: false`` (as GO's fixture)."""
    select_skills: bool = False
    """Agent ``session_start`` leads to ``SELECT_SKILLS`` (left by PUT active_skills)."""
    migration_status: int = 435
    """Status of REST calls that reach the old DC after a migration (body errorCode 5001)."""
    migration_body: bool = True
    """Whether that answer carries the errorCode 5001 body; False: the status alone."""

    # REST and socket limits
    rate_limit_count: int = 0
    """Requests allowed per token and window (0: no limit)."""
    rate_limit_window: float = 60.0
    rate_limit_header: str = "X-RateLimit-Reset"
    presence_shape: str = "both"
    """GET presence shape: ``go`` (currentStateLong...), ``au3`` (currentStateTime...), ``both``."""
    max_sockets_per_user: int = 3
    duplicate_closes: str = "new"
    """Which socket of a duplicate key gets 1020 + close 3000: ``new`` or ``old``."""

    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Five9Options:
        """Build options from a plain mapping (config file / CLI); unknown keys are errors."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown five9 emulator option(s): {', '.join(unknown)}")
        values = dict(data)
        if "data_centers" in values:
            values["data_centers"] = tuple(
                dc if isinstance(dc, DataCenterSpec) else DataCenterSpec(**dc)
                for dc in values["data_centers"]
            )
        if "notices" in values:
            values["notices"] = tuple(
                n if isinstance(n, NoticeSpec) else NoticeSpec(**n) for n in values["notices"]
            )
        return cls(**values)

    def set_quirk(self, name: str, value: Any) -> None:
        """Change one scalar switch at run time, checking the value's type."""
        if name in {"data_centers", "notices", "extra", "region_hosts"} or name.startswith("_"):
            raise ValueError(f"option {name!r} cannot be changed with 'quirks'")
        if not hasattr(self, name):
            raise ValueError(f"unknown option {name!r}")
        current = getattr(self, name)
        if isinstance(current, bool):
            ok = isinstance(value, bool)
        elif isinstance(current, (int, float)):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            ok = value is None or isinstance(value, type(current))
        if not ok:
            raise ValueError(f"option {name!r} wants a {type(current).__name__}, got {value!r}")
        if isinstance(current, int) and not isinstance(current, bool):
            value = int(value) if float(value).is_integer() else value
        setattr(self, name, value)

    def quirks(self) -> dict[str, Any]:
        """The scalar switches and their current values."""
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in {"data_centers", "notices", "extra", "region_hosts"}
        }
