"""The Usage API's data: every authenticated Platform API request, counted by status class.

``POST /api/v2/usage/query`` asks for counts over an ``interval``, grouped by any of
``OAuthClientId``, ``UserId``, ``OrganizationId``, ``TemplateUri``, ``HttpMethod`` (and by
day, week or month with ``granularity``); the answer lists ``status200/300/400/500/429`` and
``requests`` per group, the way integrators find out which client caused 429s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from cxkit.emulator.genesys.errors import ApiError, bad_request, invalid_value
from cxkit.emulator.genesys.timefmt import BadDate, iso, parse_interval

__all__ = ["GROUP_BY", "METRICS", "UsageLog", "UsageRecord", "template_uri"]

GROUP_BY: Final = {
    "oauthclientid": "clientId",
    "userid": "userId",
    "organizationid": "organizationId",
    "templateuri": "templateUri",
    "httpmethod": "httpMethod",
}
METRICS: Final = {
    "status200": "status200",
    "status300": "status300",
    "status400": "status400",
    "status500": "status500",
    "status429": "status429",
    "requests": "requests",
}
_SNAKE: Final = re.compile(r"\{([a-z0-9]+(?:_[a-z0-9]+)+)\}")


def _camel(match: re.Match[str]) -> str:
    head, *rest = match.group(1).split("_")
    return "{" + head + "".join(part.capitalize() for part in rest) + "}"


def template_uri(canonical: str) -> str:
    """An aiohttp route (``/api/v2/users/{user_id}``) as the Usage API names it
    (``api/v2/users/{userId}``)."""
    return _SNAKE.sub(_camel, canonical).lstrip("/")


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One answered request."""

    at: float
    client_id: str
    user_id: str | None
    template: str
    method: str
    status: int


def _bucket(at: float, granularity: str) -> float:
    """The start (UTC) of the day, ISO week (Monday) or month holding ``at``."""
    day = dt.datetime.fromtimestamp(at, dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if granularity == "Week":
        day -= dt.timedelta(days=day.weekday())
    elif granularity == "Month":
        day = day.replace(day=1)
    return day.timestamp()


class UsageLog:
    """The last ``size`` authenticated requests (a ring buffer) and the queries over them."""

    def __init__(self, size: Callable[[], int], org_id: str) -> None:
        self._size = size
        self._records: deque[UsageRecord] = deque()
        self._org_id = org_id
        self._executions: dict[str, dict[str, Any]] = {}

    def clear(self) -> None:
        """Forget every request and query (emulator reset)."""
        self._records.clear()
        self._executions.clear()

    def record(self, entry: UsageRecord) -> None:
        """Count one request."""
        self._records.append(entry)
        limit = self._size()
        while len(self._records) > limit:
            self._records.popleft()

    def submit(self, execution_id: str, body: Any) -> None:
        """Validate a query and compute its results now (they are ready at once)."""
        self._executions[execution_id] = self._run(body)

    def results(self, execution_id: str) -> dict[str, Any] | None:
        """The results of a submitted query, or None when unknown."""
        return self._executions.get(execution_id)

    def _run(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, Mapping):
            raise bad_request("The request body must be an ApiUsageQuery object")
        interval = body.get("interval")
        if not isinstance(interval, str):
            raise bad_request("interval is required")
        try:
            start, end = parse_interval(interval)
        except BadDate:
            raise ApiError(400, "invalid.date") from None
        group_by = body.get("groupBy") or []
        metrics = body.get("metrics") or list(METRICS)
        granularity = body.get("granularity")
        if not isinstance(group_by, list) or not all(
            isinstance(g, str) and g.lower() in GROUP_BY for g in group_by
        ):
            raise invalid_value("groupBy", group_by, ", ".join(sorted(GROUP_BY)))
        if not isinstance(metrics, list) or not all(
            isinstance(m, str) and m.lower() in METRICS for m in metrics
        ):
            raise invalid_value("metrics", metrics, ", ".join(sorted(METRICS)))
        if granularity not in (None, "Day", "Week", "Month"):
            raise invalid_value("granularity", granularity, "Day, Week, Month")
        keys = [GROUP_BY[g.lower()] for g in group_by]
        wanted = [METRICS[m.lower()] for m in metrics]
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for entry in self._records:
            if not start <= entry.at < end:
                continue
            values = {
                "clientId": entry.client_id,
                "userId": entry.user_id,
                "organizationId": self._org_id,
                "templateUri": entry.template,
                "httpMethod": entry.method,
            }
            group = {k: values[k] for k in keys if values[k] is not None}
            if granularity is not None:
                group["date"] = iso(_bucket(entry.at, granularity))
            row = rows.get(tuple(sorted(group.items())))
            if row is None:
                row = rows[tuple(sorted(group.items()))] = {
                    **group,
                    **dict.fromkeys(wanted, 0),
                }
            bucket = "status429" if entry.status == 429 else f"status{entry.status // 100}00"
            if bucket in row:
                row[bucket] += 1
            if "requests" in row:
                row["requests"] += 1
        return {"results": list(rows.values()), "queryStatus": "Complete"}
