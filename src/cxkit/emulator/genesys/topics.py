"""Notification topics: the template catalogue, parsing, combined-topic expansion, and the
frames the socket sends (event envelope, heartbeat, pong, replies).

Combined topics (``v2.users.<id>?presence&routingStatus``) expand to one topic per suffix and
each expanded topic gets its own notifications. ``channel.metadata`` and ``v2.system.*`` are
the server's own topics and can never be subscribed. Topic names match case-insensitively
and are stored in the template's spelling (``routingStatus``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

import msgspec

__all__ = [
    "HEARTBEAT",
    "PONG",
    "TEMPLATES",
    "TopicError",
    "TopicTemplate",
    "event_frame",
    "expand",
    "match",
    "reply_frame",
]

_ENCODER: Final = msgspec.json.Encoder()
_ID: Final = r"[A-Za-z0-9_-]+"
_ID_OR_WILDCARD: Final = r"(?:[A-Za-z0-9_-]+|\*)"

HEARTBEAT: Final = '{"topicName":"channel.metadata","eventBody":{"message":"WebSocket Heartbeat"}}'
PONG: Final = '{"topicName":"channel.metadata","eventBody":{"message":"pong"}}'

DETAIL_EVENTS: Final = (
    "acd.start", "acd.end", "acw", "attributes", "contact", "customer.start", "customer.end",
    "flow.start", "flow.end", "flow.outcome", "outbound", "user.start", "user.end",
    "voicemail.start", "voicemail.end", "wrapup",
)  # fmt: skip
MEDIA: Final = (
    "calls", "callbacks", "chats", "cobrowsesessions", "emails", "messages", "screenshares",
    "socialexpressions", "videos",
)  # fmt: skip


class TopicError(ValueError):
    """A topic string that cannot be subscribed (malformed, unknown, system, too long)."""


@dataclass(frozen=True, slots=True)
class TopicTemplate:
    """One topic template of the catalogue (``{id}`` stands for an entity id)."""

    template: str
    model: str
    description: str
    wildcard: bool = False  # the id may be ``*`` (detail events: all conversations)

    @property
    def pattern(self) -> re.Pattern[str]:
        """Case-insensitive matcher capturing the ids."""
        ident = _ID_OR_WILDCARD if self.wildcard else _ID
        parts = [re.escape(p) for p in self.template.split("{id}")]
        return re.compile(f"({ident})".join(parts), re.IGNORECASE)


def _catalogue() -> tuple[TopicTemplate, ...]:
    users = [
        ("presence", "PresenceEventUserPresence", "A user's presence"),
        ("routingStatus", "UserRoutingStatusUserRoutingStatus", "A user's routing status"),
        ("activity", "AgentActivityChangedTopicAgentActivity", "A user's agent activity"),
        ("conversations", "ConversationEventTopicConversation", "A user's conversations"),
        ("conversationsummary", "ConversationSummaryTopic", "A user's conversation summary"),
        ("station", "UserStationChangeTopicUserStations", "A user's station"),
        ("outofoffice", "OutOfOfficeEventOutOfOffice", "A user's out of office"),
        ("geolocation", "GeolocationEventGeolocation", "A user's geolocation"),
        ("tokens", "UserTokenTopicTokenNotification", "A user's tokens"),
    ]
    out = [TopicTemplate(f"v2.users.{{id}}.{s}", m, d) for s, m, d in users]
    out += [
        TopicTemplate(
            f"v2.users.{{id}}.conversations.{media}",
            "ConversationEventTopicConversation",
            f"A user's {media}",
        )
        for media in MEDIA
    ]
    out.append(
        TopicTemplate(
            "v2.routing.queues.{id}.conversations",
            "QueueConversationEventTopicConversation",
            "A queue's conversations",
        )
    )
    out += [
        TopicTemplate(
            f"v2.routing.queues.{{id}}.conversations.{media}",
            "QueueConversationEventTopicConversation",
            f"A queue's {media}",
        )
        for media in MEDIA
    ]
    out += [
        TopicTemplate(
            "v2.routing.queues.{id}.users",
            "QueueUserEventTopicQueueMember",
            "A queue's members joining and leaving",
        ),
        TopicTemplate(
            "v2.analytics.queues.{id}.observations",
            "StatEventQueueTopicStatsNotification",
            "A queue's real-time observations",
        ),
        TopicTemplate(
            "v2.conversations.{id}.transcription",
            "TranscriptionTopicTranscriptionMessage",
            "A conversation's transcription",
        ),
        TopicTemplate(
            "v2.detail.events.agent.{id}.state", "AgentStateDetailEvent", "An agent's state"
        ),
    ]
    # Further real topics, accepted and listed but never fed by the emulated org (nothing
    # in it changes them); a client may subscribe to them as it would in a real org. (The
    # model names follow the SDK's naming; the emulator does not check bodies against them.)
    out += [
        TopicTemplate(t, m, d)
        for t, m, d in (
            ("v2.users.{id}.workflow", "WorkflowTopicWorkflow", "A user's workflow"),
            ("v2.users.{id}.callforwarding", "CallForwardingEventCallForwarding",
             "A user's call forwarding"),
            ("v2.users.{id}.voicemail.messages", "VoicemailMessagesTopicVoicemailMessage",
             "A user's voicemail messages"),
            ("v2.users.{id}.fax.documents", "FaxDocumentTopicFaxDocument",
             "A user's fax documents"),
            ("v2.users.{id}.badges.chats", "UserChatsBadgeTopicBadgeEntity",
             "A user's unread chat badges"),
            ("v2.routing.queues.{id}.members", "QueueMemberEventTopicQueueMember",
             "A queue's members"),
            ("v2.conversations.chats.{id}.messages", "ConversationChatMessageTopicChatMessage",
             "A chat conversation's messages"),
            ("v2.conversations.chats.{id}.members", "ConversationChatMemberTopicChatMember",
             "A chat conversation's members"),
            ("v2.architect.prompts.{id}", "ArchitectPromptNotificationArchitectPromptNotification",
             "An Architect prompt"),
            ("v2.outbound.campaigns.{id}", "OutboundCampaignTopicCampaign",
             "An outbound campaign"),
        )
    ]  # fmt: skip
    out += [
        TopicTemplate(
            f"v2.detail.events.conversation.{{id}}.{event}",
            "ConversationDetailEvent",
            f"Conversation detail event {event}",
            wildcard=True,
        )
        for event in DETAIL_EVENTS
    ]
    return tuple(out)


TEMPLATES: Final = _catalogue()
_COMPILED: Final = tuple((t, t.pattern) for t in TEMPLATES)
_SYSTEM: Final = re.compile(r"^(channel\.metadata|v2\.system(\..*)?)$", re.IGNORECASE)


def expand(topic: str, max_combined: int) -> list[str]:
    """Expand a combined topic (``prefix?a&b``) into ``prefix.a``, ``prefix.b``; a plain
    topic comes back alone. Raises TopicError for a malformed or too long combined topic."""
    if not isinstance(topic, str) or not topic:
        raise TopicError("a topic must be a non-empty string")
    if "?" not in topic:
        return [topic]
    if len(topic) > max_combined:
        raise TopicError(f"combined topic is longer than {max_combined} characters: {topic}")
    prefix, _, rest = topic.partition("?")
    suffixes = rest.split("&")
    if not prefix or any(not s or "?" in s for s in suffixes):
        raise TopicError(f"malformed combined topic: {topic}")
    return list(dict.fromkeys(f"{prefix}.{suffix}" for suffix in suffixes))


def match(topic: str) -> tuple[TopicTemplate, str]:
    """The template ``topic`` instantiates and the topic in canonical spelling; raises
    TopicError for system topics and topics outside the catalogue."""
    if _SYSTEM.match(topic):
        raise TopicError(f"{topic} is a system topic and cannot be subscribed")
    for template, pattern in _COMPILED:
        found = pattern.fullmatch(topic)
        if found:
            canonical = template.template
            for ident in found.groups():
                canonical = canonical.replace("{id}", ident, 1)
            return template, canonical
    raise TopicError(f"{topic} is not a valid topic")


def event_frame(topic: str, body: Any, correlation_id: str, event_type: str | None = None) -> str:
    """The topic-event envelope ``{topicName, version: "2", eventBody, metadata}``."""
    metadata: dict[str, str] = {"CorrelationId": correlation_id}
    if event_type:
        metadata["type"] = event_type
    frame = {"topicName": topic, "version": "2", "eventBody": body, "metadata": metadata}
    return _ENCODER.encode(frame).decode()


def reply_frame(**fields: Any) -> str:
    """A reply to a client message (``{result, status, correlationId, message}``);
    None values are left out."""
    return _ENCODER.encode({k: v for k, v in fields.items() if v is not None}).decode()
