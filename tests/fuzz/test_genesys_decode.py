"""Fuzz cxkit.genesys.protocol.decode_frame, from text and from bytes (the runner hands a
Genesys session undecoded UTF-8 bytes): the two give the same result for every frame the
emulator renders, and any input gives one of the documented results, never an exception."""

from __future__ import annotations

import json
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.frames import genesys_frames
from cxkit.genesys.events import TopicEvent
from cxkit.genesys.protocol import ChannelProblem, UnhandledMessage, _Reply, decode_frame

FRAMES = genesys_frames(120)
DOCUMENTED = (TopicEvent, _Reply, UnhandledMessage, ChannelProblem)


def comparable(item: Any) -> Any:
    if isinstance(item, TopicEvent):
        return ("topic", item.topic, type(item.body).__name__, msgspec.to_builtins(item.body))
    if isinstance(item, ChannelProblem):
        return ("problem", type(item.error).__name__)
    return (
        type(item).__name__,
        msgspec.to_builtins(item) if isinstance(item, msgspec.Struct) else item.data,
    )


def test_bytes_and_text_decode_alike_for_every_rendered_frame() -> None:
    assert len(FRAMES) > 100
    typed = 0
    for frame in FRAMES:
        from_text = decode_frame(frame, channel_id="c1")
        from_bytes = decode_frame(frame.encode(), channel_id="c1")
        assert comparable(from_text) == comparable(from_bytes), frame[:200]
        assert isinstance(from_bytes, TopicEvent) and from_bytes.channel_id == "c1"
        typed += from_bytes.typed
    assert typed == len(FRAMES)  # every rendered family has a typed body


def test_other_layouts_and_bad_bytes_take_the_slow_paths() -> None:
    event = json.loads(FRAMES[0])
    reordered = json.dumps({"eventBody": event["eventBody"], "topicName": event["topicName"]})
    assert comparable(decode_frame(reordered.encode())) == comparable(decode_frame(FRAMES[0]))
    # invalid UTF-8 inside a value: a reported problem, not a crash nor a dead socket
    broken = FRAMES[0].encode().replace(b'"eventBody":{', b'"eventBody":{"x":"\xff\xfe",', 1)
    assert isinstance(decode_frame(broken), (ChannelProblem, TopicEvent))
    assert isinstance(
        decode_frame(b'{"topicName":"v2.users.\xff.presence","eventBody":{}}'), DOCUMENTED
    )
    assert isinstance(decode_frame(b"\xff\xfe not json"), ChannelProblem)
    assert isinstance(decode_frame(b'{"topicName":"'), ChannelProblem)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
topics = st.one_of(
    st.sampled_from([json.loads(f)["topicName"] for f in FRAMES[:20]]),
    st.text(max_size=40),
)


@settings(max_examples=3000, deadline=None, suppress_health_check=list(HealthCheck))
@given(topic=topics, body=json_values, spaced=st.booleans(), cut=st.integers(0, 400))
def test_generated_frames_decode_to_a_documented_result(
    topic: str, body: Any, spaced: bool, cut: int
) -> None:
    separators = (", ", ": ") if spaced else (",", ":")
    text = json.dumps({"topicName": topic, "eventBody": body}, separators=separators)
    for frame in (text, text.encode(), text[:cut], text.encode()[:cut]):
        assert isinstance(decode_frame(frame), DOCUMENTED)


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_to_a_documented_result(data: bytes) -> None:
    assert isinstance(decode_frame(b'{"topicName":"' + data), DOCUMENTED)
    assert isinstance(decode_frame(data), DOCUMENTED)
