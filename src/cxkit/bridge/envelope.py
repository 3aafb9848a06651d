"""What the bridge carries: an :class:`Envelope` per event, with a stable id.

An envelope holds the unified event (its JSON, :func:`cxkit.events.encode`) and what routing
needs (vendor, tenant, kind), plus ``id``: a 32-hex-digit BLAKE2b digest of the vendor, tenant,
kind and the event's content **without** ``received_at`` (the moment this process got it), and
of how many times that same content was seen before in this run. So:

* the same vendor event bridged by two processes (two bridges for redundancy, or a restarted
  bridge replaying) gets the same id, and consumers (or JetStream's ``Nats-Msg-Id`` window)
  drop the copy. (The normalizers stamp ``occurred_at`` from the vendor's payload for this:
  Five9's frame ``timeStamp``, Genesys's presence and routing times, a conversation's last
  recorded moment, an observation's interval. Only a Genesys notification that records no
  time at all, an unmapped topic's raw event, is stamped when received.);
* two different events never share an id, even when their content is identical (the same
  queue figures twice at the same instant): the occurrence counter tells them apart.

The id is assigned once, at ingest, and travels through the spool unchanged; retries resend
the same id.

Wire shape (JSON-lines files, webhook bodies)::

    {"id": "9f0c...", "vendor": "five9", "tenant": "1001", "kind": "agent.state",
     "event": {"kind": "agent.state", "vendor": "five9", ...}}

:func:`decode_envelope` reads it back; :meth:`Envelope.decode_event` gives the typed event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from typing import Final

import msgspec

from cxkit.errors import ConfigError
from cxkit.events import UnifiedEvent, decode, encode

__all__ = [
    "Envelope",
    "EventIds",
    "decode_envelope",
    "encode_envelope",
    "encode_envelopes",
]

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Envelope(msgspec.Struct, frozen=True, gc=False):
    """One event on its way to a broker.

    Attributes:
        id: the stable event id (32 hex digits), for consumers to deduplicate.
        vendor, tenant, kind: routing fields (``kind`` is the unified tag, ``agent.state``...).
        event: the unified event as JSON bytes.
    """

    id: str
    vendor: str
    tenant: str
    kind: str
    event: bytes

    def decode_event(self) -> UnifiedEvent:
        """The typed unified event."""
        return decode(self.event)

    @property
    def size(self) -> int:
        """Approximate bytes this envelope holds (for memory and spool bounds)."""
        return len(self.event) + len(self.id) + len(self.vendor) + len(self.tenant) + 64


class _WireEnvelope(msgspec.Struct, frozen=True, gc=False):
    id: str
    vendor: str
    tenant: str
    kind: str
    event: msgspec.Raw


_json_encoder: Final = msgspec.json.Encoder()
_wire_decoder: Final = msgspec.json.Decoder(_WireEnvelope)


def _wire(envelope: Envelope) -> _WireEnvelope:
    return _WireEnvelope(
        envelope.id, envelope.vendor, envelope.tenant, envelope.kind, msgspec.Raw(envelope.event)
    )


def encode_envelope(envelope: Envelope) -> bytes:
    """The envelope as one JSON object (the event embedded as JSON, not as a string)."""
    return _json_encoder.encode(_wire(envelope))


def encode_envelopes(envelopes: list[Envelope]) -> bytes:
    """A JSON array of envelopes (the webhook body's ``events``)."""
    return _json_encoder.encode([_wire(e) for e in envelopes])


def decode_envelope(data: bytes | str) -> Envelope:
    """Read one envelope written by :func:`encode_envelope` (a JSON-lines line)."""
    wire = _wire_decoder.decode(data)
    return Envelope(wire.id, wire.vendor, wire.tenant, wire.kind, bytes(wire.event))


class EventIds:
    """Assigns stable ids and wraps events in envelopes.

    Args:
        memory: how many distinct recent contents are remembered for the occurrence counter
            (bounded memory; an identical content seen again after it was forgotten counts
            from zero again, so keep this above the number of events between two identical
            ones -- 65,536 by default).
    """

    def __init__(self, memory: int = 65_536) -> None:
        if isinstance(memory, bool) or not isinstance(memory, int) or memory < 1:
            raise ConfigError.bad_value("bridge.id_memory", memory, "an integer >= 1")
        self._memory = memory
        self._seen: OrderedDict[bytes, int] = OrderedDict()

    def envelope(self, event: UnifiedEvent) -> Envelope:
        """Wrap ``event``; its id depends on its content and on how often it was seen."""
        kind = event.event_kind
        data = encode(event)
        content = encode(msgspec.structs.replace(event, received_at=_EPOCH))
        base = hashlib.blake2b(
            b"\0".join((event.vendor.encode(), event.tenant.encode(), kind.encode(), content)),
            digest_size=16,
        ).digest()
        count = self._seen.pop(base, 0)
        self._seen[base] = count + 1
        if len(self._seen) > self._memory:
            self._seen.popitem(last=False)
        if count == 0:
            event_id = base.hex()
        else:
            event_id = hashlib.blake2b(base + count.to_bytes(8, "big"), digest_size=16).hexdigest()
        return Envelope(event_id, event.vendor, event.tenant, kind, data)
