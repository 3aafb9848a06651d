"""Analytics derived from the org state: queue observations and conversation details.

Observations read the queues' incremental counters (no member scan). The details query
supports ``interval``, ``order``, ``paging`` and dimension predicates (``matches``, ``exists``,
``notExists``) combined with and/or in conversation and segment filters; metric predicates
are accepted and not evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from cxkit.emulator.genesys.errors import ApiError, bad_request, invalid_value
from cxkit.emulator.genesys.model import Conversation, Participant, Queue
from cxkit.emulator.genesys.state import OrgState
from cxkit.emulator.genesys.timefmt import BadDate, iso, parse_interval

__all__ = [
    "DEFAULT_OBSERVATION_METRICS",
    "analytics_conversation",
    "conversation_details_query",
    "matching_conversations",
    "observation_metrics",
    "queue_observation_query",
    "user_details_query",
]

DEFAULT_OBSERVATION_METRICS: Final = (
    "oWaiting", "oInteracting", "oAlerting", "oOnQueueUsers", "oOffQueueUsers",
    "oMemberUsers", "oActiveUsers", "oUserPresences", "oUserRoutingStatuses",
    "oLongestWaiting",
)  # fmt: skip


# --------------------------------------------------------------------------- observations


def _observations(
    state: OrgState, q: Queue, bucket: Iterable[str], metric: str
) -> list[dict[str, Any]]:
    rows = []
    for conversation_id in bucket:
        c = state.conversations.get(conversation_id)
        if c is None:
            continue
        acd = c.by_purpose("acd")
        agents = c.by_purpose("agent")
        row: dict[str, Any] = {
            "observationDate": iso(acd[0].start if acd else c.start),
            "conversationId": c.id,
            "sessionId": acd[0].session_id if acd else None,
            "routingPriority": 0,
            "direction": c.direction,
            "ani": c.ani,
            "dnis": c.dnis,
            "participantName": "Customer",
            "requestedRoutings": ["Standard"],
            "usedRouting": "Standard",
        }
        if metric != "oWaiting" and agents:
            row["userId"] = agents[-1].user_id
        rows.append({k: v for k, v in row.items() if v is not None})
    return rows


def observation_metrics(
    state: OrgState,
    q: Queue,
    metrics: Sequence[str] = DEFAULT_OBSERVATION_METRICS,
    detail: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """``[{metric, qualifier?, stats: {count}, observations?}]`` for one queue (voice).
    Unknown metrics answer a zero count (the current metric list is open-ended).

    The counts come from the queue's buckets and counters, or from ``state.figures`` when
    another source knows them (the simulated center's queue snapshot): calls waiting,
    interacting and alerting, members by routing status and the longest wait. Presences
    always come from the counters (the snapshot has no presences)."""
    wanted_detail = set(detail)
    out: list[dict[str, Any]] = []
    buckets = {"oWaiting": q.waiting, "oInteracting": q.interacting, "oAlerting": q.alerting}
    counts = {name: len(bucket) for name, bucket in buckets.items()}
    routing: dict[str, int] = dict(q.routing_counts)
    longest: float | None = None
    figures = state.figures(q) if state.figures is not None else None
    if figures is not None:
        counts = {
            "oWaiting": figures.waiting,
            "oInteracting": figures.interacting,
            "oAlerting": figures.alerting,
        }
        routing = {k: v for k, v in figures.routing.items() if v}
        longest = figures.longest_wait
    elif q.waiting:
        first = state.conversations.get(next(iter(q.waiting)))
        longest = state.clock() - first.start if first is not None else None
    qualified = {
        "oOnQueueUsers": {k: v for k, v in routing.items() if k != "OFF_QUEUE"},
        "oUserRoutingStatuses": routing,
        "oUserPresences": dict(q.presence_counts),
        "oOffQueueUsers": dict(q.off_queue_presence),
    }
    for metric in metrics:
        if metric in buckets:
            row: dict[str, Any] = {"metric": metric, "stats": {"count": counts[metric]}}
            if metric in wanted_detail:
                row["observations"] = _observations(state, q, buckets[metric], metric)
            out.append(row)
        elif metric == "oLongestWaiting":
            # (inferred) the longest waiting interaction, in milliseconds, as a calculated
            # value; ``count`` is how many interactions are observed (0 or 1)
            stats: dict[str, float] = {"count": 0 if longest is None else 1}
            if longest is not None:
                stats["calculatedMetricValue"] = stats["max"] = round(longest * 1000)
            out.append({"metric": metric, "stats": stats})
        elif metric in qualified:
            for qualifier, count in sorted(qualified[metric].items()):
                out.append({"metric": metric, "qualifier": qualifier, "stats": {"count": count}})
        elif metric == "oMemberUsers":
            out.append({"metric": metric, "stats": {"count": len(q.members)}})
        elif metric == "oActiveUsers":
            out.append({"metric": metric, "stats": {"count": q.joined_count()}})
        else:
            out.append({"metric": metric, "stats": {"count": 0}})
    return out


def _predicates(filter_: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    yield from filter_.get("predicates") or []
    for clause in filter_.get("clauses") or []:
        if isinstance(clause, Mapping):
            yield from _predicates(clause)


def queue_observation_query(state: OrgState, body: Any) -> dict[str, Any]:
    """QueueObservationQuery -> QueueObservationQueryResponse."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a QueueObservationQuery object")
    filter_ = body.get("filter")
    metrics = body.get("metrics")
    if not isinstance(filter_, Mapping):
        raise bad_request("filter is required")
    if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
        raise bad_request("metrics must be a non-empty list of metric names")
    detail = body.get("detailMetrics") or []
    queue_ids: list[str] = []
    media: list[str] = []
    for predicate in _predicates(filter_):
        if not isinstance(predicate, Mapping):
            continue
        dimension, value = predicate.get("dimension"), predicate.get("value")
        if dimension == "queueId" and isinstance(value, str):
            queue_ids.append(value)
        elif dimension == "mediaType" and isinstance(value, str):
            media.append(value.lower())
        elif dimension not in ("queueId", "mediaType", "userId", None):
            raise invalid_value("filter.predicates.dimension", dimension, "queueId, mediaType")
    if not queue_ids:
        raise bad_request("The filter must contain at least one queueId predicate")
    results = []
    for queue_id in dict.fromkeys(queue_ids):
        q = state.queues.get(queue_id)
        if q is None:
            continue
        mediums: list[str | None] = list(media) or [None]
        for medium in mediums:
            group = {"queueId": queue_id} | ({"mediaType": medium} if medium else {})
            data = observation_metrics(state, q, metrics, detail)
            if medium not in (None, "voice"):
                for row in data:
                    row["stats"] = {"count": 0}
                    row.pop("observations", None)
            results.append({"group": group, "data": data})
    return {"systemToOrganizationMappings": {}, "results": results}


# --------------------------------------------------------------------------- details


def _ms(a: float | None, b: float | None) -> int | None:
    return None if a is None or b is None else round((b - a) * 1000)


def _segments(p: Participant) -> list[dict[str, Any]]:
    def seg(kind: str, start: float, end: float | None, **extra: Any) -> dict[str, Any]:
        row = {"segmentType": kind, "segmentStart": iso(start), "queueId": p.queue_id, **extra}
        if end is not None:
            row["segmentEnd"] = iso(end)
            row["disconnectType"] = p.disconnect_type
        return {k: v for k, v in row.items() if v is not None}

    if p.purpose != "agent":
        return [seg("interact", p.start, p.end)]
    rows = [seg("alert", p.start, p.connected if p.connected is not None else p.end)]
    if p.connected is not None:
        rows.append(seg("interact", p.connected, p.end))
        if p.end is not None and p.wrapup_code:
            end = p.acw_end if p.acw_end is not None else p.end
            rows.append(seg("wrapup", p.end, end, wrapUpCode=p.wrapup_code))
        elif p.end is not None and p.wrapup_required:
            rows.append(seg("wrapup", p.end, None))  # after-call work still running
    return rows


def _metrics(p: Participant) -> list[dict[str, Any]]:
    emit = iso(p.end or p.connected or p.start)
    values: dict[str, int | None] = {}
    if p.purpose == "acd":
        values = {"nOffered": 1, "tAcd": _ms(p.start, p.end)}
    elif p.purpose == "agent":
        values = {
            "tAlert": _ms(p.start, p.connected or p.end),
            "tAnswered": _ms(p.start, p.connected),
            "tTalk": _ms(p.connected, p.end),
            "tAcw": _ms(p.end, p.acw_end),
            # handle time includes after-call work
            "tHandle": _ms(p.connected, p.acw_end if p.acw_end is not None else p.end),
        }
    return [{"name": k, "value": v, "emitDate": emit} for k, v in values.items() if v is not None]


def analytics_conversation(c: Conversation) -> dict[str, Any]:
    """AnalyticsConversationWithoutAttributes."""
    participants = []
    for p in c.participants:
        session = {
            "sessionId": p.session_id,
            "mediaType": "voice",
            "direction": p.direction,
            "ani": c.ani,
            "dnis": c.dnis,
            "provider": "Edge",
            "segments": _segments(p),
            "metrics": _metrics(p),
        }
        row = {
            "participantId": p.id,
            "participantName": p.name,
            "purpose": p.purpose,
            "userId": p.user_id,
            "sessions": [session],
        }
        participants.append({k: v for k, v in row.items() if v is not None})
    body: dict[str, Any] = {
        "conversationId": c.id,
        "conversationStart": iso(c.start),
        "originatingDirection": c.direction,
        "divisionIds": [c.division_id],
        "mediaStatsMinConversationMos": 4.88,
        "participants": participants,
    }
    if c.end is not None:
        body["conversationEnd"] = iso(c.end)
    if c.external_tag:
        body["externalTag"] = c.external_tag
    return body


def _dimensions(c: Conversation) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    conv: dict[str, set[str]] = {
        "conversationId": {c.id},
        "originatingDirection": {c.direction},
        "divisionId": {c.division_id},
    }
    if c.external_tag:
        conv["externalTag"] = {c.external_tag}
    seg: dict[str, set[str]] = {"mediaType": {"voice"}, "ani": {c.ani}, "dnis": {c.dnis}}
    for p in c.participants:
        for key, value in (
            ("participantId", p.id),
            ("sessionId", p.session_id),
            ("purpose", p.purpose),
            ("userId", p.user_id),
            ("queueId", p.queue_id),
            ("direction", p.direction),
            ("disconnectType", p.disconnect_type),
            ("wrapUpCode", p.wrapup_code),
        ):
            if value:
                seg.setdefault(key, set()).add(value)
    return conv, seg


def _holds(predicate: Mapping[str, Any], values: Mapping[str, set[str]]) -> bool:
    if predicate.get("type", "dimension") != "dimension":
        return True  # metric/property predicates are accepted, not evaluated
    found = values.get(str(predicate.get("dimension")), set())
    operator = predicate.get("operator", "matches")
    if operator == "exists":
        return bool(found)
    if operator == "notExists":
        return not found
    return str(predicate.get("value")) in found


def _filter_holds(filter_: Mapping[str, Any], values: Mapping[str, set[str]]) -> bool:
    results = [_holds(p, values) for p in filter_.get("predicates") or [] if isinstance(p, Mapping)]
    results += [
        _filter_holds(c, values) for c in filter_.get("clauses") or [] if isinstance(c, Mapping)
    ]
    if not results:
        return True
    return any(results) if filter_.get("type") == "or" else all(results)


def matching_conversations(state: OrgState, body: Any) -> list[Conversation]:
    """The conversations a ConversationQuery (or AsyncConversationQuery) selects, sorted by
    its ``order``/``orderBy``. Raises 400 for a missing or bad ``interval``/``order``."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a ConversationQuery object")
    interval = body.get("interval")
    if not interval:
        raise bad_request("interval is required")
    try:
        start, end = parse_interval(interval)
    except BadDate:
        raise ApiError(400, "invalid.date") from None
    order = body.get("order", "asc")
    if order not in ("asc", "desc", "unordered"):
        raise invalid_value("order", order, "asc, desc, unordered")
    hits = []
    for c in state.conversations.values():
        if not start <= c.start < end:
            continue
        conv_values, seg_values = _dimensions(c)
        if all(
            _filter_holds(f, conv_values)
            for f in body.get("conversationFilters") or []
            if isinstance(f, Mapping)
        ) and all(
            _filter_holds(f, seg_values)
            for f in body.get("segmentFilters") or []
            if isinstance(f, Mapping)
        ):
            hits.append(c)
    key = (
        (lambda c: c.end or float("inf"))
        if body.get("orderBy") == "conversationEnd"
        else (lambda c: c.start)
    )
    hits.sort(key=key, reverse=order == "desc")
    return hits


def conversation_details_query(state: OrgState, body: Any, *, shift: int = 0) -> dict[str, Any]:
    """ConversationQuery -> AnalyticsConversationQueryResponse ``{conversations?, totalHits}``
    (``conversations`` is left out when the page is empty, as the service does).

    ``shift`` moves the page window back by that many conversations, as pages move while
    new data arrives (the ``analytics_shift_pages`` switch)."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a ConversationQuery object")
    paging = body.get("paging") or {}
    size, number = paging.get("pageSize", 25), paging.get("pageNumber", 1)
    if not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid_value("paging.pageSize", size, "an integer 1-100")
    if not isinstance(number, int) or number < 1:
        raise invalid_value("paging.pageNumber", number, "an integer >= 1")
    hits = matching_conversations(state, body)
    first = max(0, (number - 1) * size - shift)
    page = hits[first : first + size]
    answer: dict[str, Any] = {"totalHits": len(hits)}
    if page:
        answer["conversations"] = [analytics_conversation(c) for c in page]
    return answer


# --------------------------------------------------------------------------- aggregates

_AGGREGATE_DIMENSIONS: Final = ("queueId", "userId", "mediaType", "direction", "conversationId")


def _samples(c: Conversation) -> list[tuple[dict[str, str], str, int]]:
    """(dimension values, metric, value) contributed by one conversation's participants."""
    out: list[tuple[dict[str, str], str, int]] = []
    base = {"mediaType": "voice", "direction": c.direction, "conversationId": c.id}
    for p in c.participants:
        dims = dict(base)
        if p.queue_id:
            dims["queueId"] = p.queue_id
        if p.user_id:
            dims["userId"] = p.user_id
        if p.purpose == "acd":
            out.append((dims, "nOffered", 1))
            tacd = _ms(p.start, p.end)
            if tacd is not None:
                out.append((dims, "tAcd", tacd))
        elif p.purpose == "agent":
            for metric, value in (
                ("tAlert", _ms(p.start, p.connected or p.end)),
                ("tAnswered", _ms(p.start, p.connected)),
                ("tTalk", _ms(p.connected, p.end)),
                ("tAcw", _ms(p.end, p.acw_end)),
                ("tHandle", _ms(p.connected, p.acw_end if p.acw_end is not None else p.end)),
            ):
                if value is not None:
                    out.append((dims, metric, value))
            if p.connected is not None:
                out.append((dims, "nConnected", 1))
    return out


def conversation_aggregates_query(state: OrgState, body: Any) -> dict[str, Any]:
    """ConversationAggregationQuery -> ConversationAggregateQueryResponse: ``metrics``
    (nOffered, nConnected, tAcd, tAlert, tAnswered, tTalk, tHandle) over the conversations of
    ``interval``, grouped by ``groupBy`` (queueId, userId, mediaType, direction), one data
    row for the whole interval. Stats are ``{max, min, count, sum}`` (counts for n-metrics)."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a ConversationAggregationQuery object")
    metrics = body.get("metrics")
    if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
        raise bad_request("metrics must be a non-empty list of metric names")
    group_by = body.get("groupBy") or []
    if not isinstance(group_by, list) or any(g not in _AGGREGATE_DIMENSIONS for g in group_by):
        raise invalid_value("groupBy", group_by, ", ".join(_AGGREGATE_DIMENSIONS))
    query = dict(body)
    filter_ = query.pop("filter", None)
    if isinstance(filter_, Mapping):
        query["segmentFilters"] = [filter_]
    wanted = set(metrics)
    groups: dict[tuple[tuple[str, str], ...], dict[str, list[int]]] = {}
    for c in matching_conversations(state, query):
        for dims, metric, value in _samples(c):
            if metric not in wanted or any(g not in dims for g in group_by):
                continue
            key = tuple((g, dims[g]) for g in group_by)
            groups.setdefault(key, {}).setdefault(metric, []).append(value)
    results = []
    for key, by_metric in groups.items():
        rows = []
        for metric in metrics:
            values = by_metric.get(metric)
            if not values:
                continue
            if metric.startswith("n"):
                stats: dict[str, int] = {"count": sum(values)}
            else:
                stats = {
                    "max": max(values),
                    "min": min(values),
                    "count": len(values),
                    "sum": sum(values),
                }
            rows.append({"metric": metric, "stats": stats})
        results.append(
            {"group": dict(key), "data": [{"interval": body["interval"], "metrics": rows}]}
        )
    return {"results": results}


# --------------------------------------------------------------------------- user details


def _overlaps(start: float, end: float | None, low: float, high: float) -> bool:
    return start < high and (end is None or end > low)


def _period(start: float, end: float | None, fields: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"startTime": iso(start)}
    if end is not None:
        row["endTime"] = iso(end)
    row.update(fields)
    return row


def user_details_query(state: OrgState, body: Any) -> dict[str, Any]:
    """UserDetailsQuery -> AnalyticsUserDetailsQueryResponse ``{userDetails?, totalHits}``:
    each user's presence periods (``primaryPresence``) and routing-status periods
    (``routingStatus``) that overlap ``interval``. Filters: ``userFilters`` (``userId``),
    ``presenceFilters`` (``systemPresence``, ``organizationPresenceId``) and
    ``routingStatusFilters`` (``routingStatus``), each keeping the matching periods; users
    with no period left are not listed. ``order`` sorts by user id; ``paging`` as the
    conversation details query."""
    if not isinstance(body, Mapping):
        raise bad_request("The request body must be a UserDetailsQuery object")
    interval = body.get("interval")
    if not interval:
        raise bad_request("interval is required")
    try:
        low, high = parse_interval(interval)
    except BadDate:
        raise ApiError(400, "invalid.date") from None
    order = body.get("order", "asc")
    if order not in ("asc", "desc", "unordered"):
        raise invalid_value("order", order, "asc, desc, unordered")
    paging = body.get("paging") or {}
    size, number = paging.get("pageSize", 25), paging.get("pageNumber", 1)
    if not isinstance(size, int) or not 1 <= size <= 100:
        raise invalid_value("paging.pageSize", size, "an integer 1-100")
    if not isinstance(number, int) or number < 1:
        raise invalid_value("paging.pageNumber", number, "an integer >= 1")

    def holds(key: str, values: Mapping[str, set[str]]) -> bool:
        return all(_filter_holds(f, values) for f in body.get(key) or [] if isinstance(f, Mapping))

    details = []
    for user in sorted(state.users.values(), key=lambda u: u.id, reverse=order == "desc"):
        if user.state != "active" or not holds("userFilters", {"userId": {user.id}}):
            continue
        presences = []
        for start, end, presence_id in state.presence_periods(user):
            definition = state.presences.get(presence_id)
            system = definition.system_presence if definition else "OFFLINE"
            values = {"systemPresence": {system}, "organizationPresenceId": {presence_id}}
            if _overlaps(start, end, low, high) and holds("presenceFilters", values):
                fields = {"systemPresence": system, "organizationPresenceId": presence_id}
                presences.append(_period(start, end, fields))
        statuses = []
        for start, end, status in state.routing_periods(user):
            values = {"routingStatus": {status}}
            if _overlaps(start, end, low, high) and holds("routingStatusFilters", values):
                statuses.append(_period(start, end, {"routingStatus": status}))
        if not presences and not statuses:
            continue
        row: dict[str, Any] = {"userId": user.id}
        if presences:
            row["primaryPresence"] = presences
        if statuses:
            row["routingStatus"] = statuses
        details.append(row)
    first = (number - 1) * size
    page = details[first : first + size]
    answer: dict[str, Any] = {"totalHits": len(details)}
    if page:
        answer["userDetails"] = page
    return answer
