"""Pure parts: regions, REST models (variants), error bodies."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from cxkit.errors import ConfigError, VendorStateError
from cxkit.five9.errors import (
    five9_detail,
    is_login_state_error,
    is_migration_error,
    parse_error_body,
)
from cxkit.five9.models import (
    LoginResponse,
    MaintenanceNotice,
    Metadata,
    Presence,
    SkillSnapshot,
    StatsFilterSettings,
    User,
)
from cxkit.five9.regions import login_base_url

GO = Path(__file__).parents[2] / "fixtures" / "five9_client" / "go"


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("US", "https://app.five9.com"),
        ("ca", "https://app.ca.five9.com"),
        ("UK", "https://app.five9.eu"),
        ("LDN", "https://app.five9.eu"),
        ("EU", "https://app.eu.five9.com"),
        ("FRK", "https://app.eu.five9.com"),
    ],
)
def test_region_is_applied(region: str, url: str) -> None:
    assert login_base_url(region) == url


def test_base_url_override_and_bad_values() -> None:
    assert login_base_url("EU", "http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert login_base_url(None, "https://vcc.example.com") == "https://vcc.example.com"
    assert login_base_url("XX", hosts={"XX": "x.example"}) == "https://x.example"
    with pytest.raises(ConfigError, match=r"five9\.region"):
        login_base_url("MARS")
    with pytest.raises(ConfigError, match=r"five9\.base_url"):
        login_base_url("US", "ftp://example.com")


def test_login_fixture_and_secret_free_repr() -> None:
    login = msgspec.json.decode((GO / "supervisorLogin_200.json").read_bytes(), type=LoginResponse)
    assert login.user_id == "123456789" and login.org_id == "987654321"
    assert login.farm_id == "149"
    dc = login.metadata.active_data_center()
    assert dc is not None and dc.api_urls[0].host == "app-abc.five9.com"
    assert dc.api_urls[0].port_number == 443
    assert login.token_id not in repr(login) and "***" in repr(login)


def test_active_data_center_is_not_blindly_the_first() -> None:
    metadata = msgspec.json.decode(
        b'{"dataCenters": [{"name": "A", "active": false,'
        b' "apiUrls": [{"host": "a", "port": "443"}]},'
        b'{"name": "B", "active": true, "apiUrls": [{"host": "b", "port": "8443"}]}]}',
        type=Metadata,
    )
    active = metadata.active_data_center()
    assert active is not None and active.name == "B"
    none_active = msgspec.json.decode(
        b'{"dataCenters": [{"name": "E", "active": false, "apiUrls": []},'
        b'{"name": "F", "active": false, "apiUrls": [{"host": "f"}]}]}',
        type=Metadata,
    )
    fallback = none_active.active_data_center()
    assert fallback is not None and fallback.name == "F"
    assert Metadata().active_data_center() is None


def test_metadata_validation_names_what_is_wrong_and_skips_unusable_hosts() -> None:
    login = msgspec.json.decode((GO / "supervisorLogin_200.json").read_bytes(), type=LoginResponse)
    assert login.metadata.problems() == []
    broken = msgspec.json.decode(
        b'{"dataCenters": ['
        b'{"name": "A", "active": true, "apiUrls": [{"host": "a", "port": "http"},'
        b' {"host": "a2", "port": "8443"}]},'
        b'{"name": "B", "active": true, "apiUrls": [{"host": "", "port": "443"}]},'
        b'{"name": "C", "active": false, "apiUrls": [{"host": "c", "port": 70000}]},'
        b'{"name": "D", "active": false}]}',
        type=Metadata,
    )
    assert broken.problems() == [
        "several data centers are flagged active ('A', 'B')",
        "data center 'A' apiUrls[0]: port 'http' is not a port number",
        "data center 'B' apiUrls[0]: host '' is not a host name",
        "data center 'C' apiUrls[0]: port 70000 is not a port number",
        "data center 'D' lists no apiUrls",
    ]
    active = broken.active_data_center()
    assert active is not None and active.name == "A"
    entry = active.api_url()
    assert entry is not None and (entry.host, entry.port_number) == ("a2", 8443)
    assert Metadata().problems() == ["metadata lists no data center"]
    idle = msgspec.json.decode(
        b'{"dataCenters": [{"name": "E", "apiUrls": [{"host": "e", "port": "443"}]}]}',
        type=Metadata,
    )
    assert idle.problems() == ["no data center is flagged active"]


def test_rest_fixtures_and_variants() -> None:
    users = msgspec.json.decode(
        (GO / "supervisor_getAllUsers_200.json").read_bytes(), type=list[User]
    )
    assert users[0].user_name == "chris.gibson@example.com"
    assert users[0].skill_levels[0].level == 3
    notices = msgspec.json.decode(
        (GO / "getMaintenanceNotices_Notices_200.json").read_bytes(), type=list[MaintenanceNotice]
    )
    assert [n.id for n in notices] == ["8213", "8214"]
    go_presence = msgspec.json.decode(
        b'{"currentState": {"readyChannels": ["CALL"], "notReadyReasonCodeId": "0"},'
        b'"currentStateLong": 5, "isGracefulModeOn": true}',
        type=Presence,
    )
    au3_presence = msgspec.json.decode(
        b'{"currentState": {"readyChannels": "[]", "notReadyReasonCodeId": "7"},'
        b'"currentStateTime": 6, "gracefulModeOn": false}',
        type=Presence,
    )
    assert go_presence.since_ms == 5 and go_presence.graceful
    assert go_presence.current_state is not None and go_presence.current_state.is_ready
    assert au3_presence.since_ms == 6 and not au3_presence.graceful
    assert au3_presence.current_state is not None
    assert au3_presence.current_state.channels == []
    assert au3_presence.current_state.reason_code_id == "7"
    assert SkillSnapshot(in_queue_calls=[1, 2]).calls_waiting == 2
    assert SkillSnapshot(in_queue_calls=4).calls_waiting == 4
    settings = msgspec.json.decode(
        b'{"groupsSelectionType": "MY", "timeZoneID": "UTC"}', type=StatsFilterSettings
    )
    assert settings.selection_type_of_groups == "MY" and settings.time_zone_id == "UTC"
    assert b"timeZoneID" in msgspec.json.encode(settings)


def test_error_body_parsing() -> None:
    body = msgspec.json.decode((GO / "supervisor_getAllUsers_435.json").read_bytes())
    detail = parse_error_body(body)
    assert detail is not None
    assert detail.error_code == 3 and detail.context_code == "LOGIN"
    assert parse_error_body("<html>") is None
    assert parse_error_body({"five9ExceptionDetail": "x"}) is None
    err = VendorStateError("435", vendor="five9", status=435, body=body)
    assert is_login_state_error(err) and not is_migration_error(err)
    migrated = VendorStateError(
        "435",
        vendor="five9",
        status=435,
        body={"five9ExceptionDetail": {"errorCode": 5001, "context": {"farmId": "252"}}},
    )
    assert is_migration_error(migrated) and five9_detail(migrated).farm_id == "252"
    # 435 is Five9's generic exception status: a detail naming another failure is no migration
    call_state = VendorStateError(
        "435",
        vendor="five9",
        status=435,
        body={
            "five9ExceptionDetail": {
                "errorCode": 6,
                "message": "Improper call state FINISHED while calling answer",
                "context": {"contextCode": "CALL"},
            }
        },
    )
    assert not is_migration_error(call_state) and not is_login_state_error(call_state)
    bare = VendorStateError("435", vendor="five9", status=435, body=None)
    assert is_migration_error(bare)  # GO: a 435 alone meant "migrated"
    worded = VendorStateError(
        "435",
        vendor="five9",
        status=435,
        body={"five9ExceptionDetail": {"errorCode": 1, "message": "Service migrated"}},
    )
    assert is_migration_error(worded)


def test_station_body_spellings_and_a_bad_one() -> None:
    from cxkit.errors import ConfigError
    from cxkit.five9.client import Five9Client, station_body_of

    assert station_body_of("standard", "PSTN", "5551234") == {
        "stationId": "5551234",
        "stationType": "PSTN",
    }
    assert station_body_of("with_state", "EMPTY", "") == {
        "state": "DISCONNECTED",
        "stationId": "",
        "stationType": "EMPTY",
    }
    assert station_body_of("type_only", "EMPTY", "ignored") == {"stationType": "EMPTY"}
    with pytest.raises(ConfigError, match=r"five9\.station_body"):
        Five9Client("u", "p", station_body="go")  # type: ignore[arg-type]
