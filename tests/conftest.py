"""Shared fixtures: a loopback HTTP server and a fresh SQLite store (feed builders are in feedbuild.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis_profiles  # noqa: F401  (registers the CI and release fuzzing profiles)
import pytest
from httpserver import LoopbackServer

from reader.store.feeds import Store


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` run first: with `-n 2` the other worker takes the many short tests meanwhile, rather
    than one worker starting a 30-second test when everything else is done."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)  # stable: otherwise file order


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never go through a proxy configured in the environment."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A real HTTP server on 127.0.0.1 (random port); see tests/httpserver.py for the route table."""
    server = LoopbackServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "reader.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    s = Store.open(db_path)
    try:
        yield s
    finally:
        s.close()
