"""Credentials never show: not in output, errors, ``--json``, ``--debug`` logs or ``--help``.

Real subprocesses with the secret in their environment, against an emulator over loopback.
A canary value is used as the password / client secret: the emulator refuses it, so the
failure path (error message, ``--debug`` traceback and log) is exercised too.
"""

from __future__ import annotations

from typer.testing import CliRunner

from cxkit.cli.main import app
from cxkit.emulator.tenant import DEMO

from .conftest import run_cxkit

CANARY = "canary-pw-7f3b9d1e"


def _all_output(result: object) -> str:
    return str(getattr(result, "stdout", "")) + str(getattr(result, "stderr", ""))


def test_a_wrong_five9_password_from_env_is_never_echoed(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    env = {
        **clean_env,
        "FIVE9_USERNAME": DEMO.five9.supervisor.username,
        "FIVE9_PASSWORD": CANARY,
        "FIVE9_BASE_URL": emulator_url,
    }
    for args in (
        ("five9", "login", "--json"),
        ("--debug", "five9", "call", "supervisor.users", "--json"),
        ("five9", "request", "GET", "orgs/{orgId}/users"),
    ):
        result = run_cxkit(*args, env=env)
        assert result.returncode == 1, (args, result.stderr)
        assert "cxkit: error:" in result.stderr
        assert "refused the login" in result.stderr
        assert CANARY not in _all_output(result), args
        if "--debug" in args:
            assert "Traceback" in result.stderr  # --debug shows it, scrubbed
        else:
            assert "Traceback" not in result.stderr


def test_a_right_password_from_stdin_is_never_echoed(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    sup = DEMO.five9.supervisor
    env = {**clean_env, "FIVE9_USERNAME": sup.username, "FIVE9_BASE_URL": emulator_url}
    result = run_cxkit(
        "--debug", "five9", "whoami", "--password-stdin", "--json",
        env=env, input=sup.password.reveal() + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sup.username in result.stdout
    assert sup.password.reveal() not in _all_output(result)


def test_a_genesys_secret_from_env_is_never_echoed(
    emulator_url: str, clean_env: dict[str, str]
) -> None:
    env = {
        **clean_env,
        "GENESYS_CLIENT_ID": DEMO.genesys.client_credentials.client_id,
        "GENESYS_CLIENT_SECRET": CANARY,
        "GENESYS_BASE_URL": emulator_url,
    }
    result = run_cxkit("--debug", "genesys", "whoami", "--json", env=env)
    assert result.returncode == 1, result.stderr
    assert "cxkit: error:" in result.stderr
    assert CANARY not in _all_output(result)


def test_help_shows_no_secret_from_the_environment(clean_env: dict[str, str]) -> None:
    env = {"FIVE9_PASSWORD": CANARY, "GENESYS_CLIENT_SECRET": CANARY}
    for args in (["five9", "login", "--help"], ["genesys", "call", "--help"]):
        result = CliRunner().invoke(app, args, env=env)
        assert result.exit_code == 0
        assert "--password-stdin" in result.stdout or "--client-secret-stdin" in result.stdout
        assert CANARY not in result.output
