"""Topic builders, combined topics, parsing, typed models, explicit null."""

from __future__ import annotations

import msgspec
import pytest

from cxkit.genesys import topics
from cxkit.genesys.models import (
    NULL,
    ChannelTopic,
    EntityListing,
    PresenceDefinitionRef,
    TokenInfo,
    User,
    UserPresenceUpdate,
    encode_body,
)

U1 = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee000001"
U2 = "5f0a1c2e-7b3d-4e8f-9a10-c0ffee000002"


def test_builders_and_combined_syntax() -> None:
    assert topics.user_presence(U1) == f"v2.users.{U1}.presence"
    assert topics.queue_conversations(U1, "calls") == f"v2.routing.queues.{U1}.conversations.calls"
    combined = topics.user_topics(U1, "presence", "routingStatus")
    assert combined == f"v2.users.{U1}?presence&routingStatus"
    assert topics.expand(combined) == [topics.user_presence(U1), topics.user_routing_status(U1)]
    with pytest.raises(ValueError, match="200"):
        topics.combined("v2.users.x", *(["routingStatus"] * 20))
    assert topics.is_system("channel.metadata") and topics.is_system("v2.system.socket_closing")
    assert not topics.is_system(topics.user_presence(U1))


def test_combine_packs_by_entity_and_respects_the_length_limit() -> None:
    wanted = [
        topics.user_presence(U1),
        topics.user_routing_status(U1),
        topics.queue_users(U2),
        topics.user_presence(U2),
        "v2.something.else",
    ]
    packed = topics.combine(wanted)
    assert packed == [
        f"v2.users.{U1}?presence&routingStatus",
        topics.queue_users(U2),
        topics.user_presence(U2),
        "v2.something.else",
    ]
    assert sorted(topics.expand_all(packed)) == sorted(wanted)
    many = [f"v2.users.{U1}.suffix{i:03d}" for i in range(40)]
    packed = topics.combine(many)
    assert len(packed) > 1 and all(len(t) <= topics.MAX_COMBINED_LENGTH for t in packed)
    assert topics.expand_all(packed) == many


def test_parse_topic_names() -> None:
    parsed = topics.parse(f"v2.detail.events.conversation.{U1}.acd.start")
    assert parsed.family == "v2.detail.events.conversation.{id}.acd.start"
    assert parsed.ids == (U1,) and parsed.known and parsed.body_type is not None
    assert topics.parse(f"v2.routing.queues.{U1}.conversations.calls").known
    unknown = topics.parse(f"v2.new.feature.{U1}.thing")
    assert unknown.family == "v2.new.feature.{id}.thing" and not unknown.known
    assert topics.parse("v2.users.me.presence").ids == ("me",)


def test_models_tolerate_unknown_fields_and_enum_values() -> None:
    data = (
        b'{"entities":[{"id":"u","state":"archived","brandNew":{"x":1}}],'
        b'"pageCount":2,"nextUri":null}'
    )
    listing = msgspec.json.decode(data, type=EntityListing[User])
    assert listing.entities[0].state == "archived" and listing.page_count == 2
    info = msgspec.json.decode(b'{"OAuthClient":{"id":"c"}}', type=TokenInfo)
    assert info.oauth_client is not None and info.oauth_client.id == "c"
    old = msgspec.json.decode(
        b'{"id":"t","state":"Rejected","rejectReason":"no"}', type=ChannelTopic
    )
    assert old.rejected and old.reason == "no"


def test_explicit_null_and_omitted_fields() -> None:
    body = UserPresenceUpdate(presence_definition=PresenceDefinitionRef(id="p"), message=NULL)
    assert msgspec.json.decode(encode_body(body)) == {
        "presenceDefinition": {"id": "p"},
        "message": None,
    }
    assert encode_body(UserPresenceUpdate()) == b"{}"
    assert msgspec.json.decode(encode_body({"a": None, "b": NULL, "c": [{"d": None}]})) == {
        "b": None,
        "c": [{}],
    }
    assert repr(NULL) == "NULL" and not NULL
    assert type(NULL)() is NULL
