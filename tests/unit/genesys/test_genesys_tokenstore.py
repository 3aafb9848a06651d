"""Token stores: wall-clock conversion, the JSON file, secrets kept out of reprs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from cxkit.config import Secret
from cxkit.core.auth import Token
from cxkit.errors import ConfigError
from cxkit.genesys.tokenstore import FileTokenStore, MemoryTokenStore, StoredToken, TokenStore


def test_expiry_moves_between_the_monotonic_and_the_wall_clock() -> None:
    token = Token(access_token=Secret("a" * 20), expires_at=150.0, refresh_token=Secret("r" * 20))
    stored = StoredToken.from_token(token, client_id="c", clock=100.0, wall=1_700_000_000.0)
    assert stored.expires_at == 1_700_000_050.0 and stored.client_id == "c"
    again = stored.to_token(clock=5.0, wall=1_700_000_010.0)
    assert again.expires_at == 45.0 and again.refresh_token == "r" * 20
    assert not stored.expired(1_700_000_000.0) and stored.expired(1_700_000_000.0, margin=60)
    assert "a" * 20 not in repr(stored) and "r" * 20 not in repr(stored)


def test_file_store_round_trip_is_private_and_atomic(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "token.json"
    store = FileTokenStore(path)
    assert store.load() is None and isinstance(store, TokenStore)
    token = StoredToken(Secret("secret-access"), Secret("secret-refresh"), 1e9, "bearer", "id")
    store.save(token)
    assert path.stat().st_mode & 0o777 == 0o600
    assert store.load() == token
    store.save(StoredToken(Secret("second")))
    assert store.load() == StoredToken(Secret("second"))
    assert [p.name for p in path.parent.iterdir()] == ["token.json"]  # no temporary left
    assert "secret" not in repr(store)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("{", "not JSON"),
        ("[]", "JSON object"),
        ('{"refresh_token": "x"}', "access_token"),
        ('{"access_token": "x", "expires_at": "soon"}', "expires_at"),
    ],
)
def test_a_broken_file_is_named(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "token.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key):
        FileTokenStore(path).load()


def test_dict_form_reveals_only_on_purpose() -> None:
    token = StoredToken(Secret("acc"), None, None, "bearer", None)
    assert json.loads(json.dumps(token.to_dict()))["access_token"] == "acc"
    assert StoredToken.from_dict(token.to_dict()) == token


def test_memory_store_and_async_stores_satisfy_the_protocol() -> None:
    class AsyncStore:
        async def load(self) -> StoredToken | None:
            return None

        async def save(self, token: StoredToken) -> None:
            await asyncio.sleep(0)

    assert isinstance(MemoryTokenStore(), TokenStore) and isinstance(AsyncStore(), TokenStore)
