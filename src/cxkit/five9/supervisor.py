"""``client.supervisor``: the VCC Supervisor REST API (``/supsvcs/rs/svc``) as typed methods."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cxkit.errors import ForbiddenError, NotFoundError
from cxkit.five9._namespace import Namespace
from cxkit.five9.client import STATS_ROOT
from cxkit.five9.models import (
    Campaign,
    Disposition,
    ReasonCode,
    Recording,
    RecordingView,
    Skill,
    SkillSnapshot,
    StatsFilterSettings,
    User,
)

if TYPE_CHECKING:
    from cxkit.five9.client import Five9Client

__all__ = ["SupervisorAPI"]

SEATS_PERMISSION = "CAN_VIEW_ACTIVE_SESSIONS"


class SupervisorAPI(Namespace):
    """Supervisor endpoints; ``{supId}`` and ``{orgId}`` come from the login."""

    role = "supervisor"
    _me = "supervisors/{supId}"

    def __init__(self, client: Five9Client) -> None:
        super().__init__(client)
        # skill id -> (expiry on the client's clock, snapshot): see queue_cache_ttl
        self._snapshots: dict[str, tuple[float, SkillSnapshot | None]] = {}

    # -- domain metadata

    async def users(self, *, role: str | None = None) -> list[User]:
        """``GET orgs/{orgId}/users`` (``role``: only users with this role, e.g. ``Agent``)."""
        params = {"role": role} if role else None
        return await self._call("GET", "orgs/{orgId}/users", list[User], params=params) or []

    async def agent_states(self) -> dict[str, str]:
        """``GET orgs/{orgId}/agent_states``: user id -> letters (c=CALL, v=VOICE_MAIL,
        e=EMAIL, h=CHAT, s=SOCIAL, o=LOGGED_OUT, ...)."""
        return await self._call("GET", "orgs/{orgId}/agent_states", dict[str, str]) or {}

    async def skills(self) -> list[Skill]:
        """``GET orgs/{orgId}/skills`` (the domain's queues)."""
        return await self._call("GET", "orgs/{orgId}/skills", list[Skill]) or []

    async def dispositions(self) -> list[Disposition]:
        """``GET orgs/{orgId}/dispositions``."""
        return await self._call("GET", "orgs/{orgId}/dispositions", list[Disposition]) or []

    async def campaigns(self) -> list[Campaign]:
        """``GET orgs/{orgId}/campaigns``."""
        return await self._call("GET", "orgs/{orgId}/campaigns", list[Campaign]) or []

    async def agent_groups(self) -> list[Any]:
        """``GET orgs/{orgId}/agent_groups``."""
        return await self._call("GET", "orgs/{orgId}/agent_groups") or []

    async def campaign_profiles(self) -> list[Any]:
        """``GET orgs/{orgId}/campaign_profiles`` (``[{id, name}]``)."""
        return await self._call("GET", "orgs/{orgId}/campaign_profiles") or []

    async def reason_codes(self) -> list[ReasonCode]:
        """``GET orgs/{orgId}/reason_codes``."""
        return await self._call("GET", "orgs/{orgId}/reason_codes", list[ReasonCode]) or []

    async def user_sessions(self) -> list[Any]:
        """``GET orgs/{orgId}/user_sessions``: who is logged in (ids for :meth:`logout_user`)."""
        return await self._call("GET", "orgs/{orgId}/user_sessions") or []

    async def application_seats(self) -> Any:
        """``GET orgs/{orgId}/application_seats`` (undocumented). The user's permissions are
        checked first, as peers do: without ``CAN_VIEW_ACTIVE_SESSIONS`` this raises
        :class:`~cxkit.errors.ForbiddenError` without calling the endpoint."""
        permissions = await self.user_permissions()
        if SEATS_PERMISSION not in permissions:
            raise ForbiddenError(
                f"application_seats needs the {SEATS_PERMISSION} permission, which this "
                "Five9 user lacks (checked with users/{userId}/permissions; not called)",
                vendor="five9",
                status=403,
                code=SEATS_PERMISSION,
            )
        return await self._call("GET", "orgs/{orgId}/application_seats")

    async def estimated_wait_time(self, skill_group_id: str, media_type: str = "3000") -> Any:
        """``GET orgs/{orgId}/ewt/group/{skillGroupId}/{mediaTypeId}``."""
        return await self._call("GET", f"orgs/{{orgId}}/ewt/group/{skill_group_id}/{media_type}")

    async def campaign_action(
        self, campaign_id: str, action: Literal["start", "stop", "reset"]
    ) -> None:
        """``PUT orgs/{orgId}/campaigns/{campaignId}/{start|stop|reset}``."""
        await self._call("PUT", f"orgs/{{orgId}}/campaigns/{campaign_id}/{action}")

    async def logout_user(self, session_id: str) -> None:
        """``PUT orgs/{orgId}/user_sessions/{sessionId}/logout`` (admin kick)."""
        await self._call("PUT", f"orgs/{{orgId}}/user_sessions/{session_id}/logout")

    async def load_names(self) -> None:
        """Teach the client's statistics cache user, skill and reason-code names (so lookups
        by name and the names on unified events work)."""
        cache = self._client.stats
        cache.set_users(await self.users())
        cache.set_skills(await self.skills())
        cache.set_reason_codes(await self.not_ready_reason_codes())

    # -- agents and queues

    async def agents(self) -> list[Any]:
        """``GET supervisors/{supId}/agents``."""
        return await self._call("GET", "{me}/agents") or []

    async def agent(self, agent_id: str, *, include_skills: bool = False) -> User | None:
        """``GET supervisors/{supId}/agents/{agentId}[?include=skills]`` (the skills, with
        ``isActive``, are in the raw body; see :meth:`agent_skills`)."""
        params = {"include": "skills"} if include_skills else None
        return await self._one("GET", f"{{me}}/agents/{agent_id}", User, params=params)

    async def agent_skills(self, agent_id: str) -> dict[str, bool]:
        """An agent's skills as skill id -> active (``?include=skills``)."""
        body = await self._call("GET", f"{{me}}/agents/{agent_id}", params={"include": "skills"})
        skills = body.get("skills", []) if isinstance(body, dict) else []
        return {
            str(s.get("id")): bool(s.get("isActive"))
            for s in skills
            if isinstance(s, dict) and s.get("id") is not None
        }

    async def set_agent_presence(
        self, agent_id: str, ready_channels: Iterable[str], not_ready_reason_code_id: str = "0"
    ) -> None:
        """``PUT supervisors/{supId}/agents/{agentId}/presence``: force an agent's state."""
        await self._call(
            "PUT",
            f"{{me}}/agents/{agent_id}/presence",
            json={
                "currentState": {
                    "readyChannels": list(ready_channels),
                    "notReadyReasonCodeId": str(not_ready_reason_code_id),
                }
            },
        )

    async def set_agent_active_skills(self, agent_id: str, skill_ids: Iterable[str]) -> None:
        """``PUT supervisors/{supId}/agents/{agentId}/active_skills`` (full replacement)."""
        await self._call("PUT", f"{{me}}/agents/{agent_id}/active_skills", json=list(skill_ids))

    async def skill_snapshot(self, skill_id: str) -> SkillSnapshot | None:
        """``GET supervisors/{supId}/skills/{skillId}/snapshot``. With the client's
        ``queue_cache_ttl`` an answer is reused that long (one peer shares queue answers for
        2 s to stay under Five9's rate limits)."""
        ttl = self._client.queue_cache_ttl
        now = self._client._clock()
        if ttl:
            cached = self._snapshots.get(skill_id)
            if cached is not None and cached[0] > now:
                return cached[1]
        snapshot = await self._one("GET", f"{{me}}/skills/{skill_id}/snapshot", SkillSnapshot)
        if ttl:
            self._snapshots[skill_id] = (now + ttl, snapshot)
        return snapshot

    # -- statistics

    async def stats_filter_settings(self) -> StatsFilterSettings | None:
        """``GET supervisors/{supId}/stats_filter_settings``."""
        return await self._one("GET", "{me}/stats_filter_settings", StatsFilterSettings)

    async def set_stats_filter_settings(self, settings: StatsFilterSettings) -> None:
        """``PUT supervisors/{supId}/stats_filter_settings``."""
        await self._call("PUT", "{me}/stats_filter_settings", json=settings)

    async def stats_metadata(self, statistic_type: str | None = None) -> list[Any]:
        """``GET supervisors/{supId}/stats_metadata[/{statisticType}]``."""
        tail = f"/{statistic_type}" if statistic_type else ""
        body = await self._call("GET", f"{{me}}/stats_metadata{tail}")
        return body if isinstance(body, list) else [] if body is None else [body]

    async def request_full_statistics(self) -> None:
        """``PUT supervisors/{supId}/request_full_statistics`` (204): the socket then gets a
        full 5000 dump. The supervisor stream calls it after every (re)connect."""
        await self._call("PUT", "{me}/request_full_statistics")

    # -- recordings

    async def create_recording_view(
        self,
        agent_id: str,
        *,
        limit: int = 100,
        sort_field: Literal["CREATED", "NAME"] = "CREATED",
        ascending: bool = False,
        show_uploaded: bool = True,
    ) -> RecordingView:
        """``POST supervisors/{supId}/agents/{agentId}/recording_views``: the first page."""
        view = await self._call(
            "POST",
            f"{{me}}/agents/{agent_id}/recording_views",
            RecordingView,
            json={
                "limit": limit,
                "sortField": sort_field,
                "ascending": ascending,
                "showUploaded": show_uploaded,
            },
        )
        return view or RecordingView()

    async def next_recording_page(self, agent_id: str, view_id: str) -> RecordingView:
        """``PUT .../recording_views/{viewId}/next``."""
        view = await self._call(
            "PUT", f"{{me}}/agents/{agent_id}/recording_views/{view_id}/next", RecordingView
        )
        return view or RecordingView(id=view_id)

    async def recording_view(self, agent_id: str, view_id: str) -> RecordingView:
        """``GET .../recording_views/{viewId}``: the current page again."""
        view = await self._call(
            "GET", f"{{me}}/agents/{agent_id}/recording_views/{view_id}", RecordingView
        )
        return view or RecordingView(id=view_id)

    async def delete_recording_view(self, agent_id: str, view_id: str) -> None:
        """``DELETE .../recording_views/{viewId}``."""
        await self._call("DELETE", f"{{me}}/agents/{agent_id}/recording_views/{view_id}")

    async def recordings(
        self, agent_id: str, *, page_size: int = 100, **view: Any
    ) -> AsyncIterator[Recording]:
        """Every recording of an agent, page by page (an async iterator over the view).

        The server-side view is deleted at the end (a view already gone is fine)."""
        page = await self.create_recording_view(agent_id, limit=page_size, **view)
        try:
            while True:
                for record in page.records:
                    yield record
                if not page.has_more or not page.records or not page.id:
                    break
                page = await self.next_recording_page(agent_id, page.id)
        finally:
            if page.id:
                with contextlib.suppress(NotFoundError):
                    await self.delete_recording_view(agent_id, page.id)

    def iter_recording(
        self, agent_id: str, recording_id: str, *, chunk_size: int = 64 * 1024
    ) -> AsyncIterator[bytes]:
        """A recording's bytes as they arrive (``GET /strsvcs/rs/svc/agents/{agentId}/
        recordings/{id}?download=true``, ``Accept: */*``), never whole in memory."""
        return self._client.stream_bytes(
            "GET",
            f"{STATS_ROOT}/agents/{agent_id}/recordings/{recording_id}",
            role="supervisor",
            params={"download": "true"},
            headers={"Accept": "*/*"},
            chunk_size=chunk_size,
        )

    async def save_recording(
        self,
        agent_id: str,
        recording_id: str,
        path: str | os.PathLike[str],
        *,
        chunk_size: int = 64 * 1024,
    ) -> int:
        """Stream a recording into ``path`` and return its size in bytes. The file appears
        only once complete (written to a temporary file beside it, then renamed), so a
        broken download never leaves a truncated recording behind."""
        target = Path(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                async for chunk in self.iter_recording(
                    agent_id, recording_id, chunk_size=chunk_size
                ):
                    # Disk writes of a chunk are short; a thread per chunk would cost more.
                    handle.write(chunk)
                    size += len(chunk)
            await asyncio.to_thread(os.replace, tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return size

    async def download_recording(self, agent_id: str, recording_id: str) -> bytes:
        """A whole recording as bytes (small files; prefer :meth:`iter_recording` or
        :meth:`save_recording` for long calls)."""
        return b"".join([c async for c in self.iter_recording(agent_id, recording_id)])
