"""The session stores: TTL, atomic 0600 files, tolerance of broken files, no secrets in reprs."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import msgspec
import pytest

from cxkit.errors import ConfigError
from cxkit.five9.session_store import (
    FileSessionStore,
    MemorySessionStore,
    SessionStore,
    StoredSession,
)

LOGIN = b'{"tokenId":"tok-123","orgId":"1","userId":"2"}'


def stored(**changes: object) -> StoredSession:
    session = StoredSession(
        login=msgspec.Raw(LOGIN),
        api_base="https://app-atl.five9.com",
        farm_id="149",
        cookies={"Authorization": "Bearer-tok-123", "farmId": "149"},
    )
    return msgspec.structs.replace(session, **changes)


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_file_store_round_trip_ttl_and_delete(tmp_path: Path) -> None:
    clock = Clock()
    store = FileSessionStore(tmp_path / "s", ttl=60, clock=clock)
    assert isinstance(store, SessionStore)
    assert await store.load("k") is None
    await store.save("k", stored())
    path = store.path_for("k")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert "k" not in path.name  # keys (user names) are hashed
    loaded = await store.load("k")
    assert loaded is not None and bytes(loaded.login) == LOGIN and loaded.saved_at == 1_000.0
    assert loaded.cookies["farmId"] == "149"
    clock.now += 60
    assert await store.load("k") is None and not path.exists()  # expired entries go
    await store.save("k", stored())
    await store.delete("k")
    await store.delete("k")  # twice is fine
    assert await store.load("k") is None


async def test_file_store_ignores_a_broken_file(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    store.path_for("k").write_text("{not json")
    assert await store.load("k") is None
    assert not store.path_for("k").exists()
    assert _names(tmp_path) == []


async def test_file_store_leaves_no_temporary_file_when_writing_fails(tmp_path: Path) -> None:
    store = FileSessionStore(tmp_path)
    os.mkdir(store.path_for("k"))  # a directory where the file should go: replace fails
    with pytest.raises(OSError):
        await store.save("k", stored())
    assert _names(tmp_path) == [store.path_for("k").name]


async def test_memory_store_ttl_and_reprs_without_secrets() -> None:
    clock = Clock()
    store = MemorySessionStore(ttl=10, clock=clock)
    await store.save("k", stored())
    assert (await store.load("k")) is not None
    clock.now += 10
    assert await store.load("k") is None
    text = repr(stored()) + repr(store) + repr(FileSessionStore("/tmp/x"))
    assert "tok-123" not in text and "Bearer" not in text
    with pytest.raises(ConfigError, match="session_ttl"):
        MemorySessionStore(ttl=0)
