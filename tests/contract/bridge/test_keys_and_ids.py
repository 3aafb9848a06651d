"""Stable event ids and key/subject templates (pure, no sockets)."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from cxkit.bridge import KeyTemplate
from cxkit.bridge.envelope import EventIds
from cxkit.errors import ConfigError
from cxkit.events import QueueStatisticsUpdated

from .conftest import T0, make_events


def test_ids_are_stable_across_processes_and_ignore_received_at() -> None:
    events = make_events(50)
    first = [EventIds().envelope(e).id for e in events]
    later = [
        msgspec.structs.replace(e, received_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        for e in events
    ]
    assert [EventIds().envelope(e).id for e in later] == first
    assert len(set(first)) == 50 and all(len(i) == 32 for i in first)


def test_identical_events_get_distinct_ids_in_a_stable_sequence() -> None:
    same = QueueStatisticsUpdated(vendor="five9", tenant="1", occurred_at=T0, queue_id="q")
    other = QueueStatisticsUpdated(
        vendor="five9", tenant="1", occurred_at=T0, queue_id="q", calls_waiting=2
    )
    sequence = [same, other, same, same]
    run1 = [e.id for e in map(EventIds().envelope, sequence)]
    ids = EventIds()
    run2 = [ids.envelope(e).id for e in sequence]
    assert run1 == run2
    assert len(set(run1)) == 4  # X, Y, X, X: the repeats are still different events
    assert run1[0] == EventIds().envelope(same).id


def test_ids_depend_on_tenant_and_vendor() -> None:
    event = make_events(1)[0]
    moved = msgspec.structs.replace(event, tenant="other")
    assert EventIds().envelope(event).id != EventIds().envelope(moved).id


def test_nats_subjects_are_sanitized_per_token() -> None:
    template = KeyTemplate("cxkit.{vendor}.{tenant}.{kind}", flavor="nats")
    assert template.render("five9", "acme.eu west", "agent.state") == (
        "cxkit.five9.acme_eu_west.agent.state"
    )
    assert template.render("five9", "", "raw") == "cxkit.five9._.raw"
    assert template.render("g*", "a>b", "x.*") == "cxkit.g_.a_b.x._"
    assert template.nats_wildcard() == "cxkit.>"
    assert KeyTemplate("events.all", flavor="nats").nats_wildcard() == "events.all"


def test_redis_keys_are_sanitized() -> None:
    template = KeyTemplate("cxkit:{vendor}:{tenant}:{kind}", flavor="redis")
    assert template.render("five9", "{acme} corp\n", "agent.state") == (
        "cxkit:five9:_acme__corp_:agent.state"
    )


@pytest.mark.parametrize(
    ("template", "flavor"),
    [
        ("cxkit.{vendor}.{queue}", "nats"),
        ("cxkit.{vendor!r}", "redis"),
        ("cxkit.*.{vendor}", "nats"),
        ("cxkit..{vendor}", "nats"),
        ("cxkit.{vendor", "redis"),
        ("", "redis"),
    ],
)
def test_bad_templates_are_config_errors(template: str, flavor: str) -> None:
    with pytest.raises(ConfigError, match="key_template"):
        KeyTemplate(template, flavor=flavor)  # type: ignore[arg-type]


def test_template_starting_with_a_field_needs_explicit_subjects() -> None:
    with pytest.raises(ConfigError, match="stream subjects"):
        KeyTemplate("{vendor}.{kind}", flavor="nats").nats_wildcard()
