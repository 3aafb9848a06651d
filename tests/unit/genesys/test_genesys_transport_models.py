"""Pacing (fake clock), request options, grants built from plain strings, interval helpers,
the SCIM/search/job models and the frame decoder's layouts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import msgspec
import pytest

from cxkit.config import Secret
from cxkit.errors import ConfigError, UsageError
from cxkit.genesys import topics
from cxkit.genesys.events import OutOfOfficeBody, StationBody, TopicEvent
from cxkit.genesys.models import (
    AnalyticsJobResults,
    ScimListing,
    ScimUser,
    UsersSearchResponse,
    interval,
    iso_datetime,
)
from cxkit.genesys.oauth import (
    PKCE,
    AccessToken,
    AuthorizationCode,
    ClientCredentials,
    RefreshToken,
    SAML2Bearer,
)
from cxkit.genesys.protocol import decode_frame
from cxkit.genesys.transport import HttpRequestOptions, Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_pacer_spaces_starts_and_holds_the_backlog_on_429() -> None:
    t = FakeTime()
    pacer = Pacer(0.5, clock=t.clock, sleep=t.sleep)
    starts = []
    for _ in range(3):
        await pacer.wait()
        starts.append(t.now)
    assert starts == [100.0, 100.5, 101.0]
    pacer.suspend(4.0)  # a 429 said: wait 4 s
    await pacer.wait()
    assert t.now == pytest.approx(105.0)
    quiet = Pacer(0.0, suspend_on_429=False, clock=t.clock, sleep=t.sleep)
    quiet.suspend(10)
    before = t.now
    await quiet.wait()
    assert t.now == before
    with pytest.raises(ConfigError):
        Pacer(-1)


def test_request_options_repr_hides_headers_and_body() -> None:
    options = HttpRequestOptions(
        "POST", "/oauth/token", headers={"Authorization": "Basic c2VjcmV0"}, body=b"secret=1"
    )
    text = repr(options)
    assert "c2VjcmV0" not in text and "secret" not in text and "headers=<1>" in text


def test_grants_take_plain_strings_and_keep_secrets() -> None:
    grants = [
        ClientCredentials("id", "s3cret"),
        SAML2Bearer("id", "s3cret", "org", "s3cret-assertion"),
        AuthorizationCode("id", "s3cret", "s3cret-code", "https://app/cb"),
        PKCE("id", "s3cret-verifier-" + "x" * 40, "s3cret-code", "https://app/cb"),
        RefreshToken("id", "s3cret-refresh", "s3cret"),
        RefreshToken("id", "s3cret-refresh"),
        AccessToken("s3cret-token", 60),
    ]
    for grant in grants:
        assert "s3cret" not in repr(grant), grant
        for f in dataclasses.fields(grant):
            value = getattr(grant, f.name)
            if isinstance(value, str) and "s3cret" in value:
                assert isinstance(value, Secret), (grant, f.name)
    copy = dataclasses.replace(ClientCredentials("id", "s3cret"), form_auth=True)
    assert copy.form_auth and isinstance(copy.client_secret, Secret)
    with pytest.raises(UsageError):
        ClientCredentials("id", b"bytes")  # type: ignore[arg-type]


def test_interval_helpers() -> None:
    start = dt.datetime(2024, 5, 1, 8, 30, tzinfo=dt.UTC)
    assert iso_datetime(start) == "2024-05-01T08:30:00.000Z"
    assert interval(start, dt.timedelta(hours=1)) == (
        "2024-05-01T08:30:00.000Z/2024-05-01T09:30:00.000Z"
    )
    paris = dt.timezone(dt.timedelta(hours=2))
    assert iso_datetime(dt.datetime(2024, 5, 1, 10, 30, 0, 123456, tzinfo=paris)) == (
        "2024-05-01T08:30:00.123Z"
    )
    with pytest.raises(UsageError):
        interval(start, start)


def test_new_models_decode_service_shapes() -> None:
    scim = msgspec.json.decode(
        b'{"Resources":[{"id":"u1","userName":"a@b","displayName":"A","active":true}],'
        b'"totalResults":12,"startIndex":1,"itemsPerPage":1,"schemas":["x"]}',
        type=ScimListing[ScimUser],
    )
    assert (scim.total_results, scim.resources[0].user_name) == (12, "a@b")
    search = msgspec.json.decode(
        b'{"total":1,"pageCount":1,"results":[{"id":"u1"}],"types":["users"],"extra":1}',
        type=UsersSearchResponse,
    )
    assert search.results[0].id == "u1"
    page = msgspec.json.decode(
        b'{"conversations":[{"conversationId":"c1"}],"cursor":"abc",'
        b'"dataAvailabilityDate":"2024-01-01T00:00:00.000Z"}',
        type=AnalyticsJobResults,
    )
    assert page.cursor == "abc" and page.conversations[0].conversation_id == "c1"


@pytest.mark.parametrize(
    "dump",
    [
        lambda o: json.dumps(o, separators=(",", ":")),
        json.dumps,
        lambda o: json.dumps(o, indent=2),
        lambda o: json.dumps(dict(reversed(list(o.items())))),
    ],
    ids=["compact", "spaced", "indented", "reordered"],
)
def test_every_layout_decodes_to_the_same_typed_event(dump: object) -> None:
    uid = "7c7b2f6e-1c5d-4a63-9a7e-2b0e0c1f3a44"
    frames = {
        f"v2.users.{uid}.station": ({"associatedStation": {"id": "s1"}}, StationBody),
        f"v2.users.{uid}.outofoffice": ({"active": True, "user": {"id": uid}}, OutOfOfficeBody),
    }
    for topic, (body, kind) in frames.items():
        frame = dump(  # type: ignore[operator]
            {
                "topicName": topic,
                "version": "2",
                "eventBody": body,
                "metadata": {"CorrelationId": "c"},
            }
        )
        event = decode_frame(frame, channel_id="ch")
        assert isinstance(event, TopicEvent) and event.topic == topic and event.typed
        assert isinstance(event.body, kind) and event.correlation_id == "c"
        assert event.channel_id == "ch" and event.id == uid


def test_topic_names_match_case_insensitively() -> None:
    uid = "7c7b2f6e-1c5d-4a63-9a7e-2b0e0c1f3a44"
    route = topics.parse(f"v2.users.{uid}.ROUTINGSTATUS")
    assert route.family == "v2.users.{id}.routingStatus" and route.known and route.ids == (uid,)
    assert topics.user_out_of_office(uid) == f"v2.users.{uid}.outofoffice"
