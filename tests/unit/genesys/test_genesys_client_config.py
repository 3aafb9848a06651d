"""GenesysClient configuration without sockets: hosts, secrets, retry rules, settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxkit.config import LoggingConfig, RetryPolicy
from cxkit.errors import ConfigError
from cxkit.genesys.client import GENESYS_TIMEOUTS, GenesysClient, _query
from cxkit.genesys.oauth import AccessToken, ClientCredentials
from cxkit.settings import Settings


def test_per_instance_configuration_and_no_secret_in_repr() -> None:
    a = GenesysClient(region="eu-west-1", client_id="id-a", client_secret="secret-a")
    b = GenesysClient(region="https://api.mypurecloud.jp", access_token="token-b")
    assert a.hosts.api_url == "https://api.mypurecloud.ie"
    assert b.hosts.login_url == "https://login.mypurecloud.jp"
    assert isinstance(a.oauth.grant, ClientCredentials) and isinstance(b.oauth.grant, AccessToken)
    for text in (repr(a), repr(a.oauth), repr(a.oauth.grant), repr(b.oauth.grant)):
        assert "secret-a" not in text and "token-b" not in text
    assert a.http.timeouts == GENESYS_TIMEOUTS


def test_client_id_without_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="client_secret"):
        GenesysClient(client_id="id")


def test_501_is_never_retried_and_500_only_on_request() -> None:
    policy = RetryPolicy(retry_statuses=frozenset({429, 500, 501, 503}))
    gc = GenesysClient(retry=policy)
    assert 501 not in gc.retry.retry_statuses and 500 in gc.retry.retry_statuses
    gc = GenesysClient(retry_500=True)
    assert gc.retry.retry_statuses == frozenset({429, 500, 502, 503, 504})


def test_query_parameters_follow_the_sdks() -> None:
    assert _query({"expand": ["presence", "routingStatus"], "a": None, "b": [], "c": False}) == {
        "expand": "presence,routingStatus",
        "c": False,
    }


def test_config_file_keys_and_live_settings(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[general]\nhost = https://api.mypurecloud.de\nlive_reload_config = false\n"
        "[retry]\nretry_max = 7\n[reauthentication]\nrefresh_token_wait_max = 3\n"
        "[gateway]\nhost = gw.example.com\npath_params_login = login\npath_params_api = api\n"
    )
    gc = GenesysClient(config_file=config, retry=RetryPolicy(max_retries=1))
    assert gc.retry.max_retries == 1  # keyword arguments win over the file
    assert gc.oauth.cache.refresh_timeout == 3
    assert (gc.hosts.api_url, gc.hosts.login_url) == (
        "https://gw.example.com/api",
        "https://gw.example.com/login",
    )
    gc.apply_settings(Settings(retry=RetryPolicy(max_retries=4), logging=LoggingConfig("trace")))
    assert gc.retry.max_retries == 4 and gc.logging_config.level == "trace"
    assert gc.settings_applied == 1


def test_bad_config_file_is_reported(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[logging]\nlog_level = loud\n")
    with pytest.raises(ConfigError, match="log_level"):
        GenesysClient(config_file=config)
