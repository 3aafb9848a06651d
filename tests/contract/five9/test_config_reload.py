"""A Five9 client configured by a config file: a live edit reaches the running client."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxkit.config import LogLevel
from cxkit.errors import ServerError

from .conftest import Emulator

WAIT = 5.0  # safety net only


def config(retry_max: int, level: str = "none") -> str:
    return (
        "[general]\nlive_reload = true\n"
        f"[retry]\nretry_max = {retry_max}\nretry_wait_min = 0\nretry_wait_max = 0\n"
        f"[logging]\nlog_level = {level}\n"
    )


async def test_a_config_file_edit_changes_retries_and_logging_of_a_running_client(
    emu: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "cxkit.ini"
    path.write_text(config(retry_max=0))
    async with emu.client("supervisor", config_file=path) as five9:
        await five9.supervisor.users()  # logged in, WORKING
        assert five9.http.retry.max_retries == 0
        rule = {"match": "/supsvcs/rs/svc/orgs/.*/users$", "status": 503, "count": 1}
        await emu.core("faults", rule)
        with pytest.raises(ServerError):
            await five9.supervisor.users()  # no retry: the one 503 is raised

        changed = five9.settings_changed(WAIT)
        path.write_text(config(retry_max=3, level="debug"))
        await changed
        assert five9.http.retry.max_retries == 3
        assert five9.http.logging_config.level is LogLevel.DEBUG
        await emu.core("faults", rule)
        users = await five9.supervisor.users()  # the 503 is retried now
        assert users


def test_keyword_arguments_win_over_the_file(tmp_path: Path) -> None:
    from cxkit.config import RetryPolicy
    from cxkit.five9 import Five9Client

    path = tmp_path / "cxkit.json"
    path.write_text('{"retry": {"retry_max": 7}}')
    from_file = Five9Client("u", "p", base_url="http://127.0.0.1:1", config_file=path)
    assert from_file.http.retry.max_retries == 7
    explicit = Five9Client(
        "u", "p", base_url="http://127.0.0.1:1", config_file=path, retry=RetryPolicy(max_retries=1)
    )
    assert explicit.http.retry.max_retries == 1
