"""Notification topics: builders, combined-topic syntax, parsing event topic names.

Builders return plain strings (``user_presence(uid)`` → ``v2.users.<uid>.presence``).
Genesys lets topics that share a prefix be combined with URI-query syntax —
``v2.users.<uid>?presence&routingStatus`` stands for ``v2.users.<uid>.presence`` and
``v2.users.<uid>.routingStatus`` — up to 200 characters; :func:`combine` packs topics that way
and :func:`expand` undoes it. Events always arrive under the expanded names.

:func:`parse` maps a topic name to its family template (``v2.users.{id}.presence``) and ids,
and :func:`body_type` gives the family's typed body. Both are cached, so parsing costs a dict
lookup per event after the first one of a topic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

import msgspec

from cxkit.genesys.events import (
    ActivityBody,
    ChannelMetadataBody,
    ConversationBody,
    DetailEventBody,
    ObservationBody,
    OutOfOfficeBody,
    PresenceBody,
    QueueMemberBody,
    RoutingStatusBody,
    StationBody,
    SystemMessageBody,
    TopicEvent,
    TopicName,
)

__all__ = [
    "CHANNEL_METADATA",
    "MAX_COMBINED_LENGTH",
    "SOCKET_CLOSING",
    "TopicName",
    "body_type",
    "combine",
    "combined",
    "conversation_detail_events",
    "expand",
    "expand_all",
    "is_system",
    "known_templates",
    "parse",
    "queue_conversations",
    "queue_observations",
    "queue_users",
    "user_activity",
    "user_conversations",
    "user_out_of_office",
    "user_presence",
    "user_routing_status",
    "user_station",
    "user_topics",
]

MAX_COMBINED_LENGTH: Final = 200
"""The longest combined topic Genesys accepts."""

CHANNEL_METADATA: Final = "channel.metadata"
SOCKET_CLOSING: Final = "v2.system.socket_closing"

# --------------------------------------------------------------------------- builders


def user_presence(user_id: str) -> str:
    """``v2.users.{id}.presence``."""
    return f"v2.users.{user_id}.presence"


def user_routing_status(user_id: str) -> str:
    """``v2.users.{id}.routingStatus``."""
    return f"v2.users.{user_id}.routingStatus"


def user_activity(user_id: str) -> str:
    """``v2.users.{id}.activity`` (routing status + presence + queues in one event)."""
    return f"v2.users.{user_id}.activity"


def user_station(user_id: str) -> str:
    """``v2.users.{id}.station``."""
    return f"v2.users.{user_id}.station"


def user_out_of_office(user_id: str) -> str:
    """``v2.users.{id}.outofoffice``."""
    return f"v2.users.{user_id}.outofoffice"


def user_conversations(user_id: str, media: str | None = None) -> str:
    """``v2.users.{id}.conversations`` or ``.conversations.<media>`` (calls, chats, ...)."""
    base = f"v2.users.{user_id}.conversations"
    return f"{base}.{media}" if media else base


def queue_conversations(queue_id: str, media: str | None = None) -> str:
    """``v2.routing.queues.{id}.conversations`` or ``.conversations.<media>``."""
    base = f"v2.routing.queues.{queue_id}.conversations"
    return f"{base}.{media}" if media else base


def queue_users(queue_id: str) -> str:
    """``v2.routing.queues.{id}.users`` (membership changes)."""
    return f"v2.routing.queues.{queue_id}.users"


def queue_observations(queue_id: str) -> str:
    """``v2.analytics.queues.{id}.observations`` (real-time queue statistics)."""
    return f"v2.analytics.queues.{queue_id}.observations"


def conversation_detail_events(conversation_id: str, kind: str) -> str:
    """``v2.detail.events.conversation.{id}.<kind>`` (``acd.start``, ``user.end``, ...)."""
    return f"v2.detail.events.conversation.{conversation_id}.{kind}"


def combined(prefix: str, *suffixes: str) -> str:
    """``prefix?a&b``: one combined topic (checked against the 200-character limit)."""
    if not suffixes:
        return prefix
    topic = prefix + "?" + "&".join(suffixes)
    if len(topic) > MAX_COMBINED_LENGTH:
        raise ValueError(f"combined topic longer than {MAX_COMBINED_LENGTH} characters: {topic}")
    return topic


def user_topics(user_id: str, *suffixes: str) -> str:
    """``v2.users.{id}?presence&routingStatus``: several user topics as one combined topic."""
    return combined(f"v2.users.{user_id}", *suffixes)


def is_system(topic: str) -> bool:
    """True for ``channel.metadata`` and ``v2.system.*``: never subscribable."""
    return topic == CHANNEL_METADATA or topic.startswith("v2.system")


# --------------------------------------------------------------------------- combine / expand


def expand(topic: str) -> list[str]:
    """``prefix?a&b`` → ``[prefix.a, prefix.b]``; a plain topic → ``[topic]``."""
    prefix, sep, query = topic.partition("?")
    if not sep:
        return [topic]
    return [f"{prefix}.{suffix}" for suffix in query.split("&") if suffix]


def expand_all(topics: Iterable[str]) -> list[str]:
    """Expand every topic, keeping order and dropping duplicates."""
    seen: dict[str, None] = {}
    for topic in topics:
        for name in expand(topic):
            seen[name] = None
    return list(seen)


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _looks_like_id(segment: str) -> bool:
    return bool(_UUID.match(segment)) or (segment.isdigit() and len(segment) > 2)


def _split_entity(topic: str) -> tuple[str, str] | None:
    """Split ``v2.users.<id>.presence`` into (``v2.users.<id>``, ``presence``): the prefix runs
    to the first id segment (known position for known families, else the first id-like one)."""
    parts = topic.split(".")
    for index, part in enumerate(parts):
        if index >= 2 and _is_id_position(parts, index, part):
            if index + 1 >= len(parts):
                return None
            return ".".join(parts[: index + 1]), ".".join(parts[index + 1 :])
    return None


def _is_id_position(parts: list[str], index: int, part: str) -> bool:
    node = _TRIE
    for word in parts[:index]:
        child = node.get(word)
        if child is None:
            child = node.get(_ID)
        if child is None:
            return _looks_like_id(part)
        node = child
    if _ID in node and part not in node:
        return True
    return _looks_like_id(part)


def combine(topics: Iterable[str], *, max_length: int = MAX_COMBINED_LENGTH) -> list[str]:
    """Pack topics sharing an entity prefix into combined topics of at most ``max_length``
    characters; topics that cannot be combined pass through unchanged (the same string
    objects: a hub of 10,000 plain topics keeps one copy of each name). Order is kept by
    first appearance of each prefix."""
    groups: dict[str, list[tuple[str, str]]] = {}  # prefix -> [(suffix, expanded topic)]
    singles: list[str] = []
    for topic in expand_all(topics):
        split = _split_entity(topic)
        if split is None:
            singles.append(topic)
            continue
        groups.setdefault(split[0], []).append((split[1], topic))
    out: list[str] = []
    for prefix, members in groups.items():
        if len(members) == 1:
            out.append(members[0][1])
            continue
        current: list[tuple[str, str]] = []
        length = len(prefix) + 1
        for member in members:
            suffix = member[0]
            extra = len(suffix) + (1 if current else 0)
            if current and length + extra > max_length:
                out.append(_pack(prefix, current))
                current, length = [], len(prefix) + 1
                extra = len(suffix)
            current.append(member)
            length += extra
        out.append(_pack(prefix, current))
    out.extend(singles)
    return out


def _pack(prefix: str, members: list[tuple[str, str]]) -> str:
    if len(members) == 1:
        return members[0][1]
    return prefix + "?" + "&".join(suffix for suffix, _ in members)


# --------------------------------------------------------------------------- parsing

_ID: Final = "{id}"

# Family template -> typed body. Templates use {id} for every id segment.
_FAMILIES: dict[str, type[Any]] = {
    "channel.metadata": ChannelMetadataBody,
    "v2.system.socket_closing": SystemMessageBody,
    "v2.system.token_revoked.{id}": SystemMessageBody,
    "v2.system.no_longer_subscribed.{id}": SystemMessageBody,
    "v2.system.{id}.{id}": SystemMessageBody,
    "v2.users.{id}.presence": PresenceBody,
    "v2.users.{id}.routingStatus": RoutingStatusBody,
    "v2.users.{id}.activity": ActivityBody,
    "v2.users.{id}.station": StationBody,
    "v2.users.{id}.outofoffice": OutOfOfficeBody,
    "v2.users.{id}.conversations": ConversationBody,
    "v2.routing.queues.{id}.conversations": ConversationBody,
    "v2.routing.queues.{id}.users": QueueMemberBody,
    "v2.analytics.queues.{id}.observations": ObservationBody,
}
_MEDIA = (
    "calls",
    "callbacks",
    "chats",
    "cobrowsesessions",
    "emails",
    "messages",
    "screenshares",
    "socialexpressions",
    "videos",
)
for _media in _MEDIA:
    _FAMILIES[f"v2.users.{{id}}.conversations.{_media}"] = ConversationBody
    _FAMILIES[f"v2.routing.queues.{{id}}.conversations.{_media}"] = ConversationBody
for _kind in (
    "acd.start",
    "acd.end",
    "acw",
    "attributes",
    "contact",
    "customer.start",
    "customer.end",
    "flow.start",
    "flow.end",
    "flow.outcome",
    "outbound",
    "user.start",
    "user.end",
    "voicemail.start",
    "voicemail.end",
    "wrapup",
):
    _FAMILIES[f"v2.detail.events.conversation.{{id}}.{_kind}"] = DetailEventBody
# Known families without a typed body here (delivered as plain JSON, still recognised).
for _template in (
    "v2.users.{id}.tokens",
    "v2.users.{id}.geolocation",
    "v2.users.{id}.conversationsummary",
    "v2.users.{id}.workflow",
    "v2.conversations.{id}.transcription",
    "v2.detail.events.agent.{id}.state",
    "v2.routing.queues.{id}.members",
    "v2.conversations.chats.{id}.messages",
    "v2.conversations.chats.{id}.members",
):
    _FAMILIES.setdefault(_template, object)


def known_templates() -> tuple[str, ...]:
    """Every topic template this module recognises (``v2.users.{id}.presence``...), the
    server's own (``channel.metadata``, ``v2.system.*``) included."""
    return tuple(_FAMILIES)


def _build_trie(templates: Iterable[str], *, fold: bool = False) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for template in templates:
        node = root
        for word in template.split("."):
            node = node.setdefault(word if word == _ID or not fold else word.lower(), {})
        node[""] = template  # leaf marker (the template's own spelling)
    return root


_TRIE: Final = _build_trie(_FAMILIES)
# Genesys matches topic names case-insensitively (``routingstatus`` = ``routingStatus``);
# names are looked up as sent first, then folded.
_FOLDED_TRIE: Final = _build_trie(_FAMILIES, fold=True)


def _walk(trie: dict[str, Any], parts: list[str], fold: bool) -> tuple[str, tuple[str, ...]] | None:
    node = trie
    ids: list[str] = []
    for word in parts:
        child = node.get(word.lower() if fold else word)
        if child is None:
            child = node.get(_ID)
            if child is None:
                return None
            ids.append(word)
        node = child
    family = node.get("")
    return (family, tuple(ids)) if family is not None else None


def _parse_uncached(topic: str) -> TopicName:
    parts = topic.split(".")
    found = _walk(_TRIE, parts, False) or _walk(_FOLDED_TRIE, parts, True)
    if found is not None:
        family, ids = found
        return TopicName(
            family,
            ids,
            True,
            body_type(family),
            event_decoder(family),
            _body_decoder(family),
        )
    # Unknown family: id-like segments become {id}.
    generic_ids = tuple(p for p in parts if _looks_like_id(p))
    family = ".".join(_ID if _looks_like_id(p) else p for p in parts)
    return TopicName(family, generic_ids, False)


_CACHE_LIMIT: Final = 65_536
_cache: dict[str, TopicName] = {}
cached_route: Final = _cache.get
"""``cached_route(topic)``: the parsed name if :func:`parse` has seen it (hot-path lookup
without a function frame; the cache is only ever cleared, never replaced)."""


def parse(topic: str) -> TopicName:
    """Parse an (expanded) topic name into family template and ids (cached)."""
    found = _cache.get(topic)
    if found is None:
        found = _parse_uncached(topic)
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[topic] = found
    return found


# Decoders are built the first time a family is seen (building all ~45 at import would cost
# tens of milliseconds of every program's start-up); many families share one body type.
_ANY: Final = msgspec.json.Decoder()
_body_decoders: dict[type[Any], msgspec.json.Decoder[Any]] = {}
_event_decoders: dict[type[Any], msgspec.json.Decoder[TopicEvent[Any]]] = {}
GENERIC_EVENT_DECODER: Final[msgspec.json.Decoder[TopicEvent[Any]]] = msgspec.json.Decoder(
    TopicEvent[Any]
)


def _body_decoder(family: str) -> msgspec.json.Decoder[Any] | None:
    kind = body_type(family)
    if kind is None:
        return None
    decoder = _body_decoders.get(kind)
    if decoder is None:
        decoder = _body_decoders[kind] = msgspec.json.Decoder(kind)
    return decoder


def event_decoder(family: str) -> msgspec.json.Decoder[TopicEvent[Any]] | None:
    """A one-pass decoder of whole frames of ``family`` into ``TopicEvent[Body]`` (None when
    the family has no typed body)."""
    kind = body_type(family)
    if kind is None:
        return None
    decoder = _event_decoders.get(kind)
    if decoder is None:
        decoder = _event_decoders[kind] = msgspec.json.Decoder(TopicEvent[kind])  # type: ignore[valid-type]
    return decoder


def body_type(family: str) -> type[Any] | None:
    """The typed body of a family template, or None (plain JSON)."""
    kind = _FAMILIES.get(family)
    return None if kind is None or kind is object else kind


def decode_body(family: str, raw: Any) -> tuple[Any, bool]:
    """Decode a raw ``eventBody`` for ``family``: (typed body, True), or (plain JSON, False)
    when the family has no typed body or the body does not fit it."""
    decoder = _body_decoder(family)
    if decoder is not None:
        try:
            return decoder.decode(raw), True
        except msgspec.ValidationError:
            pass
    return _ANY.decode(raw), False
