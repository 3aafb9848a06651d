"""Login sessions, tokens and the login-state machine of the emulated Five9 VCC.

One :class:`AuthSession` is what ``POST auth/login`` creates: a ``sessionId``, one or more
``tokenId`` values pointing at it, and a login state per role (agent, supervisor). The state
machine follows reference §1.8/§1.9:

``SELECT_STATION`` --session_start--> ``ACCEPT_NOTICE`` (unaccepted notices) or
``SELECT_SKILLS`` (agent, switch) or ``WORKING``; accepting the last notice --> ``WORKING``
(or ``SELECT_STATION`` with the ``notices_then_select_station`` switch); after a migration
a new login starts in ``RELOGIN`` and ``session_restart`` takes it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxkit.emulator.five9.errors import duplicate_login, not_logged_in
from cxkit.emulator.five9.model import Station, User
from cxkit.emulator.five9.options import Five9Options
from cxkit.emulator.five9.state import ELSEWHERE, Notification, Tenant

__all__ = [
    "AGENT",
    "DEFAULT_STATS_FILTER",
    "SUPERVISOR",
    "AuthSession",
    "SessionRegistry",
]

AGENT = "agent"
SUPERVISOR = "supervisor"

DEFAULT_STATS_FILTER: dict[str, Any] = {
    "groups": [],
    "groupSelectionType": "ALL",
    "range": "CURRENT_DAY",
    "rollingTimePeriod": "MINUTES30",
    "shiftHours": 8,
    "skills": [],
    "skillsSelectionType": "ALL",
    "subscribedHourOffset": 0,
    "timeZone": None,
    "timeZoneID": None,
    "useAdminTimeZone": True,
}


@dataclass(slots=True)
class AuthSession:
    """One login: its ids, login states and per-login settings."""

    session_id: str
    user_id: str
    login_mono: float
    login_host: str
    states: dict[str, str]
    tokens: set[str] = field(default_factory=set)
    requests: int = 0
    reject_login_state: bool = False
    lb_cookies: dict[str, str] = field(default_factory=dict)
    stats_filter: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_STATS_FILTER))
    alive: bool = True

    def __repr__(self) -> str:  # tokens are credentials
        return f"AuthSession(user_id={self.user_id!r}, states={self.states!r})"


class SessionRegistry:
    """Every login of the tenant, and the login-state machine."""

    def __init__(self, tenant: Tenant, options: Five9Options) -> None:
        self.tenant = tenant
        self.options = options
        self._by_token: dict[str, AuthSession] = {}
        self._sessions: dict[str, AuthSession] = {}
        self.relogin: set[tuple[str, str]] = set()
        """(user, role) whose station was migrated: their next login starts in RELOGIN."""

    # ------------------------------------------------------------------ tokens

    def login(self, user: User, *, policy: str, now: float, host: str) -> tuple[str, AuthSession]:
        """Log ``user`` in and return (tokenId, session).

        ``ForceIn`` ends the user's earlier logins (their tokens answer 401 from now on);
        ``AttachExisting`` re-attaches to a live one with a fresh token (inferred).
        """
        token = self.tenant.ids.token_id()
        if policy == "AttachExisting":
            for existing in self._sessions.values():
                if existing.user_id == user.id and existing.alive:
                    existing.tokens.add(token)
                    self._by_token[token] = existing
                    existing.login_mono = now
                    existing.requests = 0
                    return token, existing
        else:
            for existing in [s for s in self._sessions.values() if s.user_id == user.id]:
                self.end(existing)
        states: dict[str, str] = {}
        if user.is_agent:
            states[AGENT] = "RELOGIN" if (user.id, AGENT) in self.relogin else "SELECT_STATION"
        if user.is_supervisor:
            states[SUPERVISOR] = (
                "RELOGIN" if (user.id, SUPERVISOR) in self.relogin else "SELECT_STATION"
            )
        session = AuthSession(
            session_id=self.tenant.ids.session_id(),
            user_id=user.id,
            login_mono=now,
            login_host=host,
            states=states,
            tokens={token},
        )
        self._sessions[session.session_id] = session
        self._by_token[token] = session
        return token, session

    def by_token(self, token: str) -> AuthSession | None:
        """The live session of a token, or None."""
        session = self._by_token.get(token)
        return session if session is not None and session.alive else None

    def by_session_id(self, session_id: str) -> AuthSession | None:
        """The live session with this ``sessionId``, or None."""
        session = self._sessions.get(session_id)
        return session if session is not None and session.alive else None

    def sessions(self) -> list[AuthSession]:
        """Every live session."""
        return [s for s in self._sessions.values() if s.alive]

    def end(self, session: AuthSession) -> None:
        """Log a session out: its tokens die and its station sessions end."""
        if not session.alive:
            return
        session.alive = False
        for token in session.tokens:
            self._by_token.pop(token, None)
        self._sessions.pop(session.session_id, None)
        for role in list(session.states):
            self._release(session, role)

    def end_user(self, user_id: str) -> int:
        """Log out every session of a user; returns how many ended."""
        ended = [s for s in self.sessions() if s.user_id == user_id]
        for session in ended:
            self.end(session)
        return len(ended)

    # ------------------------------------------------------------------ state machine

    def state(self, session: AuthSession, role: str) -> str:
        """The login state of ``role`` (a role the user lacks reads as SELECT_STATION)."""
        return session.states.get(role, "SELECT_STATION")

    def _set(self, session: AuthSession, role: str, state: str) -> None:
        if session.states.get(role) == state:
            return
        session.states[role] = state
        self.tenant.notify(Notification("login_state", session.user_id, reason=state, role=role))

    def _owner(self, session: AuthSession, role: str) -> str | None:
        return self.tenant.station_owner.get((session.user_id, role))

    def _release(self, session: AuthSession, role: str) -> None:
        if self._owner(session, role) == session.session_id:
            self.tenant.station_released(session.user_id, role)

    def _after_station(self, session: AuthSession, role: str) -> str:
        if self.tenant.unaccepted_notices(session.user_id):
            return "ACCEPT_NOTICE"
        if role == AGENT and self.options.select_skills:
            return "SELECT_SKILLS"
        return "WORKING"

    def session_start(
        self, session: AuthSession, role: str, *, force: bool, station: Station
    ) -> None:
        """``PUT .../session_start``: take the station; DUPLICATE_LOGIN when it is held
        by another session and ``force`` is not set."""
        owner = self._owner(session, role)
        if owner is not None and owner != session.session_id:
            if not force:
                raise duplicate_login(session.user_id)
            other = self._sessions.get(owner)
            if other is not None:
                other.states[role] = "SELECT_STATION"
            self.tenant.station_released(session.user_id, role)
        self.relogin.discard((session.user_id, role))
        self.tenant.station_connected(session.user_id, role, session.session_id, station)
        self.tenant.notify(Notification("station", session.user_id, role=role))
        self._set(session, role, self._after_station(session, role))

    def session_restart(self, session: AuthSession, role: str) -> None:
        """``PUT .../session_restart`` (after RELOGIN): resume the station session."""
        station = self.tenant.stations.get(session.user_id) or Station("", "EMPTY")
        self.session_start(session, role, force=True, station=station)

    def session_stop(self, session: AuthSession, role: str) -> None:
        """``PUT .../session_stop``: the station session ends, back to SELECT_STATION."""
        self._release(session, role)
        self._set(session, role, "SELECT_STATION")

    def notice_accepted(self, session: AuthSession) -> None:
        """Move every role waiting in ACCEPT_NOTICE on once no notice is left."""
        if self.tenant.unaccepted_notices(session.user_id):
            return
        for role, state in list(session.states.items()):
            if state != "ACCEPT_NOTICE":
                continue
            if self.options.notices_then_select_station:
                self._release(session, role)
                self._set(session, role, "SELECT_STATION")
            else:
                self._set(session, role, self._after_station(session, role))

    def skills_selected(self, session: AuthSession) -> None:
        """Leave SELECT_SKILLS (the agent set its active skills)."""
        if session.states.get(AGENT) == "SELECT_SKILLS":
            self._set(session, AGENT, "WORKING")

    def migrated(self) -> None:
        """A migration happened: every held station must be resumed with session_restart."""
        for session in self.sessions():
            for role, state in list(session.states.items()):
                if state != "SELECT_STATION":
                    self.relogin.add((session.user_id, role))
                    session.states[role] = "RELOGIN"
                    self.tenant.notify(
                        Notification("login_state", session.user_id, reason="RELOGIN", role=role)
                    )

    def hold_elsewhere(self, user_id: str, role: str) -> None:
        """Pretend the user's station session is open in another client (DUPLICATE_LOGIN)."""
        self.tenant.station_connected(user_id, role, ELSEWHERE, Station("", "SOFTPHONE"))

    def check(self, session: AuthSession | None) -> AuthSession:
        """The session, or 401 "User is not logged in"."""
        if session is None or not session.alive:
            raise not_logged_in()
        return session
