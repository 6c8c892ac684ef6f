"""Shared fixtures: a loopback HTTP server, a fresh SQLite store, and small feed-document builders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis_profiles  # noqa: F401  (registers the CI and release fuzzing profiles)
import pytest
from httpserver import LoopbackServer

from reader.store import Store

DATA = Path(__file__).parent / "data"


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


def rss(
    items: int = 3,
    *,
    title: str = "Test feed",
    link: str = "https://example.org/",
    ttl: int | None = None,
    start: int = 0,
    extra_item: str = "",
) -> bytes:
    """A small valid RSS 2.0 document whose items have guid, link, title, pubDate and a description."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{title}</title>']
    parts.append(f"<link>{link}</link>")
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for n in range(start, start + items):
        parts.append(
            f"<item><title>Item {n}</title><link>https://example.org/posts/{n}</link>"
            f'<guid isPermaLink="false">item-{n}</guid>'
            f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 10:00:00 GMT</pubDate>"
            f"<description>Body of item {n}</description>{extra_item}</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()
