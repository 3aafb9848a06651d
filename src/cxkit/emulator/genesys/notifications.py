"""Notification channels: creation and eviction, subscriptions with limits, expiry, the
topic index used for fan-out, and the system messages (socket closing, token revoked).

The hub keeps ``topic -> channels`` so publishing an event costs one dict lookup when nobody
listens, however large the org. The socket side (:mod:`ws`) registers an :class:`Outbox` per
connection; the hub never awaits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cxkit.emulator.genesys.ids import new_channel_id, new_correlation_id
from cxkit.emulator.genesys.settings import LiveOptions
from cxkit.emulator.genesys.tokens import TokenRecord
from cxkit.emulator.genesys.topics import TopicError, event_frame, expand, match, reply_frame

__all__ = ["Channel", "NotificationHub", "Outbox", "SubscriptionRefused"]


class Outbox(Protocol):
    """The socket side of a connected channel (implemented by :mod:`ws`)."""

    def send(self, frame: str) -> None:
        """Queue a text frame."""

    def close(self, code: int, reason: str) -> None:
        """Send what is queued, then close with ``code``."""

    def close_later(self, delay: float, code: int, reason: str) -> None:
        """Close after ``delay`` seconds unless already closed."""

    def wake(self) -> None:
        """Heartbeat settings changed: re-read them now."""


@dataclass(eq=False, slots=True)
class Channel:
    """A notification channel and its subscriptions (``topics``: expanded topic -> the
    topic string the client sent, which differs for combined topics)."""

    id: str
    token: TokenRecord = field(repr=False)
    created: float
    expires: float
    last_used: float
    topics: dict[str, str] = field(default_factory=dict)
    socket: Outbox | None = None

    @property
    def owner(self) -> tuple[str | None, str]:
        """(user id, OAuth client id): the scope of the channel cap."""
        return (self.token.user_id, self.token.client_id)


class SubscriptionRefused(Exception):
    """A subscription request the service refuses: the Platform API status and code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class NotificationHub:
    """Every channel of the emulated org and the topic index."""

    def __init__(
        self,
        live: LiveOptions,
        clock: Callable[[], float],
        connect_base: Callable[[], str],
        org_id: str,
    ) -> None:
        self._live = live
        self._clock = clock
        self._connect_base = connect_base
        self.org_id = org_id
        self.channels: dict[str, Channel] = {}
        self._index: dict[str, set[Channel]] = {}
        self.denied: dict[str, list[str]] = {}  # topic prefix -> missing permissions

    # ------------------------------------------------------------------ channels

    def connect_uri(self, channel: Channel) -> str:
        """The channel's ``connectUri`` (``ws://host:port/channels/<id>``)."""
        return f"{self._connect_base()}/channels/{channel.id}"

    def create(self, token: TokenRecord) -> Channel:
        """Create a channel for this token, first evicting the owner's least recently used
        channel (unconnected ones first) when the cap is reached."""
        self.sweep()
        options = self._live.current
        now = self._clock()
        owner = (token.user_id, token.client_id)
        owned = [c for c in self.channels.values() if c.owner == owner]
        owned.sort(key=lambda c: (c.socket is not None, c.last_used))
        while len(owned) >= options.max_channels:
            victim = owned.pop(0)
            self.remove(victim, "channel removed: the limit of channels per user and app was hit")
        channel = Channel(
            id=new_channel_id(),
            token=token,
            created=now,
            expires=now + options.channel_lifetime,
            last_used=now,
        )
        self.channels[channel.id] = channel
        return channel

    def get(self, channel_id: str) -> Channel | None:
        """A live channel, or None (unknown, expired, evicted, revoked)."""
        channel = self.channels.get(channel_id)
        if channel is not None and self._dead_reason(channel) is not None:
            self.sweep()
            return None
        return channel

    def owned_by(self, user_id: str | None, client_id: str) -> list[Channel]:
        """Live channels of this (user, OAuth client), oldest first."""
        self.sweep()
        return [c for c in self.channels.values() if c.owner == (user_id, client_id)]

    def _dead_reason(self, channel: Channel) -> str | None:
        now = self._clock()
        if channel.expires <= now:
            return "channel expired"
        if channel.token.revoked:
            return "the token used to create the channel was revoked"
        if channel.token.expires_at <= now and self._live.current.close_on_token_expiry:
            return "the token used to create the channel expired"
        return None

    def sweep(self) -> list[Channel]:
        """Remove expired channels (and channels whose token expired); returns them."""
        dead = [(c, r) for c in self.channels.values() if (r := self._dead_reason(c))]
        for channel, reason in dead:
            self.remove(channel, reason)
        return [c for c, _ in dead]

    def remove(
        self, channel: Channel, reason: str, *, frame: str | None = None, code: int = 1001
    ) -> None:
        """Forget a channel; a connected socket gets ``frame`` (default ``{result: "404"}``)
        and is closed with ``code``."""
        if self.channels.pop(channel.id, None) is None:
            return
        self._reindex(channel, set(channel.topics), set())
        channel.topics.clear()
        if channel.socket is not None:
            channel.socket.send(frame or reply_frame(result="404", message=reason))
            channel.socket.close(code, reason)
            channel.socket = None

    def clear(self) -> None:
        """Close every socket and forget every channel (emulator reset)."""
        for channel in list(self.channels.values()):
            self.remove(channel, "emulator reset")

    # ------------------------------------------------------------------ sockets

    def attach(self, channel: Channel, outbox: Outbox) -> None:
        """A socket connected; a socket already on the channel is closed (one per channel)."""
        previous = channel.socket
        channel.socket = outbox
        channel.last_used = self._clock()
        if previous is not None:
            reason = "another WebSocket connected to this channel"
            previous.close(self._live.current.kick_close_code, reason)

    def detach(self, channel: Channel, outbox: Outbox) -> None:
        """A socket ended (only forgets it when it is still the channel's socket)."""
        if channel.socket is outbox:
            channel.socket = None
            channel.last_used = self._clock()

    def connected(self) -> list[Channel]:
        """Channels with a socket."""
        return [c for c in self.channels.values() if c.socket is not None]

    def wake_sockets(self) -> None:
        """Tell every socket to re-read the heartbeat settings."""
        for channel in self.connected():
            assert channel.socket is not None
            channel.socket.wake()

    # ------------------------------------------------------------------ subscriptions

    def _missing(self, topic: str) -> list[str]:
        for prefix, permissions in self.denied.items():
            if topic.lower().startswith(prefix.lower()):
                return permissions
        return []

    def _resolve(
        self, topics: Sequence[Any], ignore_errors: bool
    ) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
        accepted: list[tuple[str, str]] = []  # (expanded canonical, source)
        rejected: list[dict[str, Any]] = []
        max_combined = self._live.current.combined_topic_max
        for raw in topics:
            try:
                expanded = expand(raw, max_combined)
            except TopicError as exc:
                if not ignore_errors:
                    raise SubscriptionRefused(400, "bad.request", str(exc)) from None
                rejected.append({"id": str(raw), "state": "Rejected", "rejectionReason": str(exc)})
                continue
            for topic in expanded:
                try:
                    _, canonical = match(topic)
                except TopicError as exc:
                    if not ignore_errors:
                        raise SubscriptionRefused(400, "bad.request", str(exc)) from None
                    rejected.append({"id": topic, "state": "Rejected", "rejectionReason": str(exc)})
                    continue
                missing = self._missing(canonical)
                if missing:
                    if not ignore_errors:
                        raise SubscriptionRefused(
                            403, "missing.permissions", ", ".join(missing)
                        ) from None
                    rejected.append(
                        {
                            "id": canonical,
                            "state": "Rejected",
                            "rejectionReason": "Missing permissions",
                            "missingPermissions": missing,
                        }
                    )
                    continue
                accepted.append((canonical, raw))
        return accepted, rejected

    def subscribe(
        self,
        channel: Channel,
        topics: Sequence[Any],
        *,
        replace: bool = False,
        ignore_errors: bool = False,
    ) -> list[dict[str, Any]]:
        """Add (or with ``replace`` set) topics; extends the channel's life by its lifetime.
        Returns the ChannelTopic rows (every subscribed topic, then the rejected ones)."""
        options = self._live.current
        accepted, rejected = self._resolve(topics, ignore_errors)
        wanted = {} if replace else dict(channel.topics)
        for canonical, source in accepted:
            wanted[canonical] = source
        count = (
            len(wanted)
            if options.combined_topic_counting == "expanded"
            else len(set(wanted.values()))
        )
        if count > options.max_topics:
            raise SubscriptionRefused(
                400,
                "bad.request",
                f"Subscribing to {count} topics exceeds the limit of {options.max_topics} "
                "topics per channel",
            )
        self._reindex(channel, set(channel.topics), set(wanted))
        channel.topics = wanted
        now = self._clock()
        channel.expires = now + options.channel_lifetime
        channel.last_used = now
        return self.topic_rows(channel) + rejected

    def unsubscribe(self, channel: Channel, topics: Sequence[str] | None = None) -> list[str]:
        """Remove the given topics (combined ones expanded; unknown ones ignored) or all of
        them; returns the removed topic names."""
        if topics is None:
            gone = set(channel.topics)
        else:
            max_combined = self._live.current.combined_topic_max
            gone = set()
            for raw in topics:
                for topic in expand(raw, max_combined):
                    try:
                        gone.add(match(topic)[1])
                    except TopicError:
                        continue
            gone &= set(channel.topics)
        self._reindex(channel, gone, set())
        for topic in gone:
            del channel.topics[topic]
        channel.last_used = self._clock()
        return sorted(gone)

    def topic_rows(self, channel: Channel) -> list[dict[str, Any]]:
        """ChannelTopic rows of the channel's subscriptions."""
        return [{"id": topic, "state": "Permitted"} for topic in channel.topics]

    def _reindex(self, channel: Channel, old: set[str], new: set[str]) -> None:
        for topic in old - new:
            listeners = self._index.get(topic)
            if listeners is not None:
                listeners.discard(channel)
                if not listeners:
                    del self._index[topic]
        for topic in new - old:
            self._index.setdefault(topic, set()).add(channel)

    # ------------------------------------------------------------------ publishing

    def has_listeners(self, *topics: str) -> bool:
        """Whether any channel subscribes to one of these topics."""
        return any(t in self._index for t in topics)

    @property
    def listening(self) -> bool:
        """Whether any channel subscribes to anything at all."""
        return bool(self._index)

    def publish(
        self,
        topic: str,
        body: Any,
        *,
        also: Sequence[str] = (),
        event_type: str | None = None,
    ) -> int:
        """Send one event named ``topic`` to every connected channel subscribed to it (or to
        an ``also`` alias such as a wildcard). ``body`` may be a callable, rendered only when
        someone listens. Returns the number of sockets reached."""
        index = self._index
        listeners = index.get(topic)
        if not also:
            if not listeners:
                return 0  # the common case in a big org: nobody listens to this topic
            targets: set[Channel] = listeners
        else:
            if not listeners and not any(alias in index for alias in also):
                return 0
            targets = set(listeners or ())
            for alias in also:
                targets |= index.get(alias, set())
        sockets = [c.socket for c in targets if c.socket is not None]
        if not sockets:
            return 0
        payload = body() if callable(body) else body
        frame = event_frame(topic, payload, new_correlation_id(), event_type)
        for socket in sockets:
            socket.send(frame)
        return len(sockets)

    def send_raw(self, frame: str, channel_ids: Sequence[str] | None = None) -> list[str]:
        """Send ``frame`` exactly as given (any text, valid JSON or not) to the connected
        sockets of the given channels (all connected channels when None); returns their ids.
        For testing how clients cope with frames the service never documented."""
        chosen = [c for c in self.connected() if channel_ids is None or c.id in channel_ids]
        for channel in chosen:
            assert channel.socket is not None
            channel.socket.send(frame)
        return [c.id for c in chosen]

    # ------------------------------------------------------------------ system messages

    def system_frame(
        self,
        channel: Channel,
        topic: str,
        message: str,
        *,
        topic_type: str | None = None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> str:
        """A ``v2.system.*`` frame with a SystemMessage body."""
        body: dict[str, Any] = {
            "channelId": channel.id,
            "systemTopicType": topic_type,
            "correlationId": new_correlation_id(),
            "organizationId": self.org_id,
            "userId": channel.token.user_id,
            "oauthClientId": channel.token.client_id,
            "oauthClientOrgId": self.org_id,
            "reason": reason,
            "message": message,
            "data": data or {},
        }
        clean = {k: v for k, v in body.items() if v is not None}
        return event_frame(topic, clean, new_correlation_id())

    def _subject(self, channel: Channel) -> str:
        return channel.token.user_id or channel.token.client_id

    def on_token_revoked(self, token: TokenRecord) -> None:
        """Tell and close every channel created with a revoked token."""
        for channel in [c for c in self.channels.values() if c.token is token]:
            frame = self.system_frame(
                channel,
                f"v2.system.token_revoked.{self._subject(channel)}",
                "The token used to create this channel was revoked",
                topic_type="token_revoked",
                reason="user_tokens_revoked",
            )
            self.remove(channel, "token revoked", frame=frame, code=1000)

    def socket_closing(self, channel_ids: Sequence[str] | None, grace: float) -> list[str]:
        """Warn connected sockets of maintenance, closing them after ``grace`` seconds."""
        chosen = [c for c in self.connected() if channel_ids is None or c.id in channel_ids]
        for channel in chosen:
            assert channel.socket is not None
            frame = self.system_frame(
                channel,
                "v2.system.socket_closing",
                "This WebSocket will close for maintenance; connect a new WebSocket",
            )
            channel.socket.send(frame)
            channel.socket.close_later(grace, 1001, "socket closing for maintenance")
        return [c.id for c in chosen]

    def no_longer_subscribed(self, channel: Channel, topics: Sequence[str] | None) -> list[str]:
        """Drop subscriptions as if another channel took them over, telling the socket."""
        removed = self.unsubscribe(channel, topics)
        if channel.socket is not None:
            channel.socket.send(
                self.system_frame(
                    channel,
                    f"v2.system.no_longer_subscribed.{self._subject(channel)}",
                    "Another channel subscribed to these topics",
                    topic_type="no_longer_subscribed",
                    reason="another_channel_subscribed",
                    data={"topics": removed},
                )
            )
        return removed
