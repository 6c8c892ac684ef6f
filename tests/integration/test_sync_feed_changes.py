"""Feeds added, renamed, retagged and removed from the TUI (through the services layer) reach the sync server:
each change is queued in the outbox with the change and sent by the next sync. Real SQLite file, the loopback
Google Reader server that behaves as FreshRSS does, a real loopback feed to add."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedbuild import rss
from greader_server import GReaderServer
from httpserver import LoopbackServer

from reader.config.loader import parse_config
from reader.locations import resolve_locations
from reader.services import ReaderServices

PASSWORD = "reader-api-pw"


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    srv = GReaderServer(password=PASSWORD).start()
    srv.add_feed("http://127.0.0.1:9/a.xml", "Feed A", label="Tech")
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def services(tmp_path: Path, server: GReaderServer, monkeypatch: pytest.MonkeyPatch) -> ReaderServices:
    monkeypatch.setenv("READER_SYNC_PASSWORD", PASSWORD)
    config_path = tmp_path / "config.toml"
    config_path.write_text(f'[sync]\nurl = "{server.url}"\nuser = "reader"\ntimeout = "3s"\n')
    locations = resolve_locations(str(config_path), str(tmp_path / "data"), os.environ)
    services = ReaderServices(locations, parse_config(config_path.read_text(), source=config_path))
    with services.open_store() as store:
        services.sync(store)
    return services


def _server_feed(server: GReaderServer, url: str) -> tuple[str, str] | None:
    for f in server.feeds.values():
        if f.url == url:
            return f.title, f.label
    return None


def _local_id(services: ReaderServices, url: str) -> int:
    with services.open_store() as store:
        feed = store.feed_by_url(url)
        assert feed is not None
        return feed.id


def _sync(services: ReaderServices) -> int:
    with services.open_store() as store:
        report = services.sync(store)
        assert not report.warnings
        return store.pending_changes()


def test_rename_and_retag_reach_the_server_at_the_next_sync(
    services: ReaderServices, server: GReaderServer
) -> None:
    feed_id = _local_id(services, "http://127.0.0.1:9/a.xml")
    services.rename_feed(feed_id, "Policy desk")
    services.retag_feed(feed_id, ["policy", "eu"])
    with services.open_store() as store:
        assert store.pending_changes() == 1  # one edit per feed, holding both changes
    assert _server_feed(server, "http://127.0.0.1:9/a.xml") == ("Feed A", "Tech")  # not yet: queued
    assert _sync(services) == 0
    assert _server_feed(server, "http://127.0.0.1:9/a.xml") == ("Policy desk", "policy")
    # The pull that followed did not undo the local changes.
    with services.open_store() as store:
        feed = store.feed_by_id(feed_id)
        assert feed is not None
        assert feed.display_title == "Policy desk"
        assert set(feed.tags) == {"policy", "eu"}  # our second tag stays beside the server's one folder


def test_untagging_moves_the_feed_out_of_its_folder(services: ReaderServices, server: GReaderServer) -> None:
    feed_id = _local_id(services, "http://127.0.0.1:9/a.xml")
    services.retag_feed(feed_id, [])
    assert _sync(services) == 0
    assert _server_feed(server, "http://127.0.0.1:9/a.xml") == ("Feed A", "Uncategorized")


def test_retag_keeping_the_first_tag_sends_nothing(services: ReaderServices, server: GReaderServer) -> None:
    feed_id = _local_id(services, "http://127.0.0.1:9/a.xml")
    services.retag_feed(feed_id, ["Tech", "more"])  # the server keeps one folder: the first tag, unchanged
    with services.open_store() as store:
        assert store.pending_changes() == 0


def test_add_and_remove_from_the_tui_reach_the_server(
    services: ReaderServices, server: GReaderServer, http_server: LoopbackServer
) -> None:
    url = http_server.serve("/new.xml", rss(2, title="New feed"))
    services.add_feed(url, "Mine", ["watch"])
    assert _sync(services) == 0
    assert _server_feed(server, url) == ("Mine", "watch")
    feed_id = _local_id(services, url)
    services.remove_feed(feed_id)
    assert _sync(services) == 0
    assert _server_feed(server, url) is None
    assert _server_feed(server, "http://127.0.0.1:9/a.xml") is not None  # the others stay


def test_rename_of_a_feed_still_waiting_to_be_subscribed_updates_the_subscription(
    services: ReaderServices, server: GReaderServer, http_server: LoopbackServer
) -> None:
    url = http_server.serve("/late.xml", rss(2, title="Late"))
    services.add_feed(url)
    feed_id = _local_id(services, url)
    services.rename_feed(feed_id, "Renamed before the sync")
    with services.open_store() as store:
        assert store.pending_changes() == 1
    assert _sync(services) == 0
    assert _server_feed(server, url) is not None
    assert _server_feed(server, url)[0] == "Renamed before the sync"  # type: ignore[index]


def test_a_feed_the_server_stores_under_another_url_is_not_doubled(
    services: ReaderServices, server: GReaderServer, http_server: LoopbackServer
) -> None:
    """FreshRSS follows a redirect when it subscribes and keeps the feed's new address: the subscription made
    here is linked by the id the server gave it, not by URL, so the feed is one feed on both sides."""
    url = http_server.serve("/old.xml", rss(2, title="Moved"))
    moved_to = http_server.url("/new.xml")

    def follow_redirect(feed: object) -> None:
        feed.url = moved_to  # type: ignore[attr-defined]

    server.on_subscribe = follow_redirect
    services.add_feed(url, "Mine")
    assert _sync(services) == 0
    with services.open_store() as store:
        urls = [f.url for f in store.feeds()]
        assert urls.count(url) == 1 and moved_to not in urls
        assert store.feed_server_id(_local_id(services, url)) is not None
    assert _sync(services) == 0  # and stays one
    with services.open_store() as store:
        assert len(store.feeds()) == 2
