"""Which item links the full-text fetcher may follow (SSRF guard), and the fetch lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.errors import LockedError
from reader.fetch.fulltext import link_allowed, resolves_public
from reader.fetch.lock import FetchLock

PUBLIC_FEED = "https://news.example.com/feed.xml"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/admin",
        "http://127.1.2.3:8080/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.5/",
        "http://192.168.1.1/router",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://localhost:631/",
        "http://printer.local/",
        "http://intranet/",
        "javascript:alert(1)",
        "data:text/html,<h1>x</h1>",
        "file:///etc/passwd",
        "ftp://example.com/file",
        "http:///nohost",
    ],
)
def test_public_feed_cannot_point_at_private_or_odd_targets(url: str) -> None:
    assert not link_allowed(url, PUBLIC_FEED)


@pytest.mark.parametrize("url", ["https://www.example.org/story", "http://93.184.216.34/page"])
def test_public_links_are_allowed(url: str) -> None:
    assert link_allowed(url, PUBLIC_FEED)


def test_a_feed_served_from_a_host_may_link_to_that_host() -> None:
    assert link_allowed("http://127.0.0.1:8000/story/1", "http://127.0.0.1:8000/feed.xml")
    assert link_allowed("http://intranet/news/1", "http://intranet/feed")
    assert not link_allowed("http://127.0.0.2/story/1", "http://127.0.0.1:8000/feed.xml")


async def test_names_resolving_to_private_addresses_are_refused() -> None:
    # "localhost." style names are caught by name; a dotted name that resolves to loopback by DNS too.
    assert not await resolves_public("http://localhost./x", PUBLIC_FEED)
    assert await resolves_public("http://127.0.0.1/x", "http://127.0.0.1/feed")


def test_fetch_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    first = FetchLock(tmp_path / "reader.fetch.lock")
    first.acquire()
    with pytest.raises(LockedError, match="another fetch is running"):
        FetchLock(tmp_path / "reader.fetch.lock").acquire(timeout=0.05)
    first.release()
    with FetchLock(tmp_path / "reader.fetch.lock") as again:
        again.acquire()
