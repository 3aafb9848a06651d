"""Fuzz cxkit.five9.events.decode_event: every frame gives a typed event or the documented
StreamProtocolError, never another exception (>= 10,000 generated frames per run)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxkit.errors import StreamProtocolError
from cxkit.five9.events import (
    CallEvent,
    EventId,
    Five9Event,
    StatsSnapshotEvent,
    StatsUpdateEvent,
    decode_event,
    decode_stats_update,
)
from cxkit.five9.rows import DataSource

FIXTURES = Path(__file__).parent.parent / "fixtures" / "five9_client" / "go"
SAMPLES = [p.read_bytes() for p in sorted(FIXTURES.glob("[0-9]*.json"))]
COUNT = {"frames": 0, "typed": 0, "errors": 0}

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
event_ids = st.one_of(
    st.sampled_from([e.value for e in EventId]),
    st.integers(min_value=-5, max_value=20000),
)
row_ids = st.one_of(st.text(max_size=6), st.integers(0, 10**6))
rows = st.lists(
    st.fixed_dictionaries(
        {"id": row_ids},
        optional={
            "state": st.one_of(st.sampled_from(["READY", "NOT_READY", "ON_CALL"]), json_values),
            "callsInQueue": st.one_of(st.integers(0, 50), json_values),
            "reasonCodeId": json_values,
            "presence": json_values,
            "stationType": st.one_of(st.sampled_from(["EMPTY", "SOFTPHONE"]), json_values),
            "abandonCallRate": st.one_of(st.floats(0, 1), json_values),
            "dispositions": st.one_of(
                st.dictionaries(st.sampled_from(["-23", "0", "300"]), st.integers(0, 9)),
                json_values,
            ),
        },
    ),
    max_size=3,
)
stats_blocks = st.lists(
    st.fixed_dictionaries(
        # every known data source (each has its own typed row) and one Five9 may add
        {"dataSource": st.sampled_from([*(str(s) for s in DataSource), "X"])},
        optional={
            "data": st.one_of(rows, json_values),
            "added": rows,
            "updated": rows,
            "removed": st.lists(row_ids, max_size=3),
        },
    ),
    max_size=3,
)
payloads = st.one_of(json_values, stats_blocks, st.just("pong"))
contexts = st.fixed_dictionaries(
    {"eventId": st.one_of(event_ids.map(str), event_ids, json_scalars)},
    optional={
        "eventReason": st.one_of(st.none(), st.text(max_size=10), json_values),
        "timeStamp": st.one_of(st.integers(0, 2**45), json_scalars),
        "tenantId": st.one_of(st.text(max_size=6), json_scalars),
        "broadCast": st.one_of(st.booleans(), json_scalars),
        "userId": json_scalars,
        "messageId": json_scalars,
    },
)
envelopes = st.builds(lambda c, p: {"context": c, "payLoad": p}, contexts, payloads)


def _mutate(sample: bytes, rnd: random.Random) -> bytes:
    """A cheap mutation driven by a hypothesis-seeded Random (keeps the suite fast)."""
    if not sample:
        return bytes([rnd.randrange(256)])
    kind = rnd.randrange(3)
    pos = rnd.randrange(len(sample))
    if kind == 0:
        return sample[:pos]
    if kind == 1:
        return sample[:pos] + bytes([rnd.randrange(256)]) + sample[pos + 1 :]
    return sample[:pos] + rnd.randbytes(rnd.randrange(1, 8)) + sample[pos:]


frames = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64),
    st.just("ping"),
    st.builds(json.dumps, json_values),
    st.builds(json.dumps, envelopes),
    st.builds(lambda e: json.dumps(e).encode(), envelopes),
)


def _check(frame: str | bytes) -> None:
    COUNT["frames"] += 1
    # The supervisor session's first try (a 5012 in one pass) never raises, and agrees with
    # the general decoder whenever it accepts a frame.
    fast = decode_stats_update(frame)
    try:
        event = decode_event(frame)
    except StreamProtocolError as exc:
        COUNT["errors"] += 1
        assert fast is None
        assert str(exc)
        assert exc.frame is None or len(exc.frame) <= 512
        return
    COUNT["typed"] += 1
    if fast is not None:
        assert isinstance(event, StatsUpdateEvent) and fast.payload == event.payload
    else:  # what a supervisor session does after a failed one-pass attempt: the same event
        again = decode_event(frame, fast=False)
        assert (again.event_id, again.payload) == (event.event_id, event.payload)
    assert isinstance(event, Five9Event)
    assert isinstance(event.event_id, int)
    assert isinstance(event.name, str)
    event.occurred_at  # noqa: B018 - must never raise
    if event.event_id == EventId.EVENT_STATS:
        assert isinstance(event, StatsSnapshotEvent)
    if event.event_id == EventId.EVENT_INCREMENTAL_STATS_UPDATE:
        assert isinstance(event, StatsUpdateEvent)
    if event.event_id in (3, 4, 5, 30, 31):
        assert isinstance(event, CallEvent)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(frames, min_size=10, max_size=10), st.randoms(use_true_random=False))
def test_generated_frames_decode_or_raise_documented_error(
    batch: list[Any], rnd: random.Random
) -> None:
    for frame in batch:
        _check(frame)
        data = frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else frame
        for _ in range(4):
            _check(_mutate(data, rnd))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_mutated_real_frames_decode_or_raise_documented_error(rnd: random.Random) -> None:
    for _ in range(40):
        sample = rnd.choice(SAMPLES)
        frame = _mutate(sample, rnd)
        if rnd.random() < 0.3:
            frame = _mutate(frame, rnd)
        _check(frame)


@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(envelopes, min_size=10, max_size=10))
def test_well_formed_envelopes_with_numeric_ids_always_decode(batch: list[Any]) -> None:
    for envelope in batch:
        ctx = envelope["context"]
        raw_id = ctx["eventId"]
        numeric = isinstance(raw_id, int) and not isinstance(raw_id, bool)
        if isinstance(raw_id, str):
            # what int() accepts ("²" is a digit to str.isdigit() but not a number to int())
            try:
                int(raw_id)
                numeric = True
            except ValueError:
                numeric = False
        COUNT["frames"] += 1
        if not numeric or envelope["payLoad"] is None:
            _check(json.dumps(envelope))
            continue
        # An envelope whose context is all documented types and whose id has no typed payload
        # must decode: unknown ids are never rejected.
        if int(raw_id) in (3, 4, 5, 12, 29, 30, 31, 37, 1002, 5000, 5012):
            _check(json.dumps(envelope))
            continue
        clean = {"context": {"eventId": str(raw_id)}, "payLoad": envelope["payLoad"]}
        event = decode_event(json.dumps(clean))
        assert event.event_id == int(raw_id)
        assert event.payload == msgspec.json.decode(json.dumps(envelope["payLoad"]))


def test_fuzz_volume() -> None:
    """Runs last in this module: the generated tests above decoded at least 10,000 frames."""
    if COUNT["frames"] == 0:  # run alone (-k): nothing to check
        return
    assert COUNT["frames"] >= 10_000, COUNT
    assert COUNT["typed"] > 0
    assert COUNT["errors"] > 0
