"""``cxkit five9 ...`` and ``cxkit genesys ...`` against an emulator over loopback.

The commands run in-process (typer's runner) for speed; each one really logs in to the
emulator, calls it and logs out. The emulator's demo credentials are found through its base
URL (``/_emulator/info``) or given explicitly through the environment.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cxkit.cli.main import app
from cxkit.emulator.tenant import DEMO

SALES = "300000000000171"


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, input=input)


def test_five9_login_reports_who_and_where(emulator_url: str, clean_env: dict[str, str]) -> None:
    result = invoke("five9", "login", "--base-url", emulator_url, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["username"] == DEMO.five9.supervisor.username
    assert doc["user_id"] == DEMO.five9.supervisor.user_id
    assert doc["org_id"] == DEMO.five9.org_id
    assert doc["data_center"]  # the active data center of the login metadata
    assert doc["demo_credentials"] is True
    assert DEMO.five9.supervisor.password.reveal() not in result.output

    text = invoke("five9", "login", "--base-url", emulator_url)
    assert text.exit_code == 0
    assert f"Logged in to Five9 as {DEMO.five9.supervisor.username}" in text.stdout


def test_five9_whoami_with_explicit_credentials(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    agent = DEMO.five9.agent
    env = {"FIVE9_USERNAME": agent.username, "FIVE9_BASE_URL": emulator_url}
    result = invoke(
        "five9", "whoami", "--role", "agent", "--password-stdin", "--json",
        env=env, input=agent.password.reveal() + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["user_id"] == agent.user_id
    assert doc["role"] == "agent"
    assert doc["demo_credentials"] is False
    assert agent.password.reveal() not in result.output


def test_five9_call_by_name_with_typed_arguments(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    skills = invoke("five9", "call", "supervisor.skills", "--base-url", emulator_url, "--json")
    assert skills.exit_code == 0, skills.output
    names = {s["id"]: s["name"] for s in json.loads(skills.stdout)}
    assert names[SALES] == "Sales"

    # a str parameter keeps a numeric id as a string (positional and --arg alike)
    for extra in ([SALES], ["--arg", f"skill_id={SALES}"]):
        snap = invoke(
            "five9", "call", "supervisor.skill_snapshot", *extra, "--base-url", emulator_url,
            "--json",
        )  # fmt: skip
        assert snap.exit_code == 0, snap.output
        assert json.loads(snap.stdout)["inQueueCallCount"] == 0


def test_five9_call_refuses_unknown_names_and_parameters_before_login(
    clean_env: dict[str, str],
) -> None:
    # no credentials and no emulator: the name is checked first, so this is a usage error
    typo = invoke("five9", "call", "supervisor.skils")
    assert typo.exit_code == 2
    assert "did you mean supervisor.skills" in typo.stderr
    bad = invoke("five9", "call", "supervisor.skill_snapshot", "--arg", "bogus=1")
    assert bad.exit_code == 2
    assert "no parameter 'bogus'" in bad.stderr
    listing = invoke("five9", "call", "--list", "--json")
    assert listing.exit_code == 0
    assert "supervisor.users" in {m["name"] for m in json.loads(listing.stdout)}


def test_five9_request_any_path(emulator_url: str, clean_env: dict[str, str]) -> None:
    result = invoke(
        "five9", "request", "GET", "orgs/{orgId}/skills", "--include", "--base-url",
        emulator_url, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["status"] == 200
    assert SALES in {s["id"] for s in doc["body"]}

    missing = invoke("five9", "request", "GET", "no/such/path", "--base-url", emulator_url)
    assert missing.exit_code == 1
    assert missing.stderr.startswith("cxkit: error: five9 answered 404")
    assert "Traceback" not in missing.output


def test_five9_login_redacts_a_token_in_a_raw_answer(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    sup = DEMO.five9.supervisor
    body = json.dumps(
        {"passwordCredentials": {"username": sup.username, "password": sup.password.reveal()},
         "appKey": "cli-test", "policy": "AttachExisting"}
    )  # fmt: skip
    result = invoke(
        "five9", "request", "POST", "/appsvcs/rs/svc/auth/login", "--data", body,
        "--base-url", emulator_url, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["tokenId"] == "[REDACTED]"
    assert doc["orgId"] == DEMO.five9.org_id


def test_missing_credentials_is_a_usage_error(clean_env: dict[str, str]) -> None:
    result = invoke("five9", "login", "--json")
    assert result.exit_code == 2
    assert "no Five9 user name" in result.stderr
    result = invoke("genesys", "login", "--json")
    assert result.exit_code == 2
    assert "GENESYS_CLIENT_ID" in result.stderr
    assert "did not answer as a cxkit emulator" not in result.stderr  # no --base-url given


def test_a_base_url_that_is_no_emulator_is_named_in_the_error(
    clean_env: dict[str, str], refused_url: str
) -> None:
    for vendor in ("five9", "genesys"):
        result = invoke(vendor, "login", "--base-url", refused_url, "--json")
        assert result.exit_code == 2
        assert f"{refused_url} did not answer as a cxkit emulator" in result.stderr


def test_config_file_sections(emulator_url: str, clean_env: dict[str, str], tmp_path: Path) -> None:
    cc = DEMO.genesys.client_credentials
    assert cc.client_secret is not None
    config = tmp_path / "cxkit.ini"
    config.write_text(
        f"[genesys]\nclient_id = {cc.client_id}\nclient_secret = {cc.client_secret.reveal()}\n"
        f"base_url = {emulator_url}\n"
    )
    result = invoke("genesys", "login", "--config", str(config), "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["client_id"] == cc.client_id
    assert doc["org_id"] == DEMO.genesys.org_id
    assert doc["demo_credentials"] is False
    assert cc.client_secret.reveal() not in result.output


def test_genesys_login_whoami_call_request(emulator_url: str, clean_env: dict[str, str]) -> None:
    login = invoke("genesys", "login", "--base-url", emulator_url, "--json")
    assert login.exit_code == 0, login.output
    doc = json.loads(login.stdout)
    assert doc["org_id"] == DEMO.genesys.org_id
    assert doc["grant"] == "CLIENT-CREDENTIALS"
    assert doc["expires_in"] > 0

    who = invoke("genesys", "whoami", "--base-url", emulator_url, "--json")
    assert who.exit_code == 0, who.output
    assert json.loads(who.stdout)["user"] is None  # a client-credentials token has no user

    queues = invoke(
        "genesys", "call", "routing.list_queues", "--arg", "page_size=2", "--base-url",
        emulator_url, "--json",
    )  # fmt: skip
    assert queues.exit_code == 0, queues.output
    listing = json.loads(queues.stdout)
    assert len(listing["entities"]) == 2 and listing["total"] >= 2

    users = invoke(
        "genesys", "call", "users.iter", "--limit", "3", "--base-url", emulator_url, "--json"
    )
    assert users.exit_code == 0, users.output
    assert len(json.loads(users.stdout)) == 3

    raw = invoke(
        "genesys", "request", "GET", "/api/v2/routing/queues", "-p", "pageSize=1", "-i",
        "--base-url", emulator_url, "--json",
    )  # fmt: skip
    assert raw.exit_code == 0, raw.output
    answer = json.loads(raw.stdout)
    assert answer["status"] == 200 and answer["correlation_id"]
    assert len(answer["body"]["entities"]) == 1

    bad = invoke(
        "genesys", "call", "routing.list_queues", "--arg", "page_size=many", "--base-url",
        emulator_url,
    )  # fmt: skip
    assert bad.exit_code == 2
    assert "page_size" in bad.stderr


@pytest.fixture
def refused_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
