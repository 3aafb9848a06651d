"""``client.supervisor``: the VCC Supervisor REST API (``/supsvcs/rs/svc``) as typed methods."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import Any, Literal

from cxkit.errors import NotFoundError
from cxkit.five9._namespace import Namespace
from cxkit.five9.client import STATS_ROOT
from cxkit.five9.models import (
    Campaign,
    Disposition,
    Recording,
    RecordingView,
    Skill,
    SkillSnapshot,
    StatsFilterSettings,
    User,
)

__all__ = ["SupervisorAPI"]


class SupervisorAPI(Namespace):
    """Supervisor endpoints; ``{supId}`` and ``{orgId}`` come from the login."""

    role = "supervisor"
    _me = "supervisors/{supId}"

    # -- domain metadata

    async def users(self) -> list[User]:
        """``GET orgs/{orgId}/users``."""
        return await self._call("GET", "orgs/{orgId}/users", list[User]) or []

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
        """``GET supervisors/{supId}/skills/{skillId}/snapshot``."""
        return await self._one("GET", f"{{me}}/skills/{skill_id}/snapshot", SkillSnapshot)

    # -- statistics

    async def stats_filter_settings(self) -> StatsFilterSettings | None:
        """``GET supervisors/{supId}/stats_filter_settings``."""
        return await self._one("GET", "{me}/stats_filter_settings", StatsFilterSettings)

    async def set_stats_filter_settings(self, settings: StatsFilterSettings) -> None:
        """``PUT supervisors/{supId}/stats_filter_settings``."""
        await self._call("PUT", "{me}/stats_filter_settings", json=settings)

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

    async def download_recording(self, agent_id: str, recording_id: str) -> bytes:
        """``GET /strsvcs/rs/svc/agents/{agentId}/recordings/{id}?download=true`` (bytes)."""
        response = await self._client.request(
            "GET",
            f"{STATS_ROOT}/agents/{agent_id}/recordings/{recording_id}",
            role="supervisor",
            params={"download": "true"},
            headers={"Accept": "*/*"},
        )
        return response.content
