"""Sync against a loopback Google Reader server that behaves as FreshRSS does (tests/greader_server.py):
a real SQLite archive, real HTTP, the real engine. Every scenario checks what reaches each side."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from greader_server import READ, STARRED, GReaderServer

from reader.config.sync import SyncSettings
from reader.errors import SyncAuthError, SyncError
from reader.models import Enclosure, FetchOutcome, ParsedFeed, ParsedItem, View, ViewKind
from reader.store.feeds import Store
from reader.sync.client import GReaderClient
from reader.sync.engine import run_sync
from reader.sync.pull import pull

FEED_A = "http://127.0.0.1:9/a.xml"
FEED_B = "http://127.0.0.1:9/b.xml"
PASSWORD = "reader-api-pw"
NO_ENV: dict[str, str] = {}


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    srv = GReaderServer(password=PASSWORD).start()
    try:
        yield srv
    finally:
        srv.stop()


def settings_for(srv: GReaderServer, **kw: object) -> SyncSettings:
    values: dict[str, object] = {
        "kind": "greader",
        "url": srv.url,
        "user": "reader",
        "password": PASSWORD,
        "timeout": 5.0,
    }
    values.update(kw)
    return SyncSettings(**values)  # type: ignore[arg-type]


def populate(srv: GReaderServer, n: int = 6) -> tuple[int, int]:
    a = srv.add_feed(FEED_A, "Feed A", label="Tech")
    b = srv.add_feed(FEED_B, "Feed B", label="News")
    for k in range(n):
        srv.add_item(
            a if k % 2 == 0 else b, f"Item {k}", f"http://127.0.0.1:9/item/{k}", read=k == 0, starred=k == 1
        )
    return a, b


def by_link(store: Store) -> dict[str, tuple[int, bool, bool]]:
    return {i.link or "": (i.id, i.read, i.saved) for i in store.items()}


def sync(store: Store, srv: GReaderServer, **kw: object) -> object:
    return run_sync(store, settings_for(srv, **kw), env=NO_ENV)


def state(store: Store) -> tuple[int, list[tuple[str | None, bool, bool]], int]:
    items = sorted((i.link, i.read, i.saved) for i in store.items())
    return len(items), items, store.pending_changes()


# ---------------------------------------------------------------------- scenarios


def test_first_pull_brings_feeds_folders_items_and_state(store: Store, server: GReaderServer) -> None:
    populate(server)
    report = run_sync(store, settings_for(server), env=NO_ENV)
    assert report.pull is not None and report.pull.new_items == 6 and report.pull.feeds_added == 2
    feeds = {f.url: f for f in store.feeds()}
    assert set(feeds) == {FEED_A, FEED_B}
    assert feeds[FEED_A].tags == ("Tech",) and feeds[FEED_B].display_title == "Feed B"
    items = by_link(store)
    assert len(items) == 6
    assert items["http://127.0.0.1:9/item/0"][1] is True  # read on the server
    assert items["http://127.0.0.1:9/item/1"][2] is True  # starred there: saved here
    assert sum(not r for _, r, _ in items.values()) == 5
    assert store._read("SELECT COUNT(*) FROM items WHERE story_id IS NULL")[0][0] == 0  # grouped into stories
    # FreshRSS's rules were followed: json lists, POST-only contents, exact auth header.
    assert all(r.query.get("output") == ["json"] for r in server.requests("subscription/list"))
    assert all(r.method == "POST" for r in server.requests("stream/items/contents"))
    assert all(r.headers["authorization"] == f"GoogleLogin auth={server.auth}" for r in server.log[1:])


def test_repeated_syncs_make_no_duplicates_and_fetch_nothing_twice(
    store: Store, server: GReaderServer
) -> None:
    populate(server)
    sync(store, server)
    contents_calls = len(server.requests("stream/items/contents"))
    for _ in range(3):
        report = run_sync(store, settings_for(server), env=NO_ENV)
        assert report.pull is not None and report.pull.new_items == 0
    assert store.count() == 6
    assert len(store.feeds()) == 2
    assert len(server.requests("stream/items/contents")) == contents_calls


def test_new_server_items_arrive_unread(store: Store, server: GReaderServer) -> None:
    a, _ = populate(server)
    sync(store, server)
    server.add_item(a, "Fresh", "http://127.0.0.1:9/fresh")
    sync(store, server)
    assert by_link(store)["http://127.0.0.1:9/fresh"][1] is False
    assert store.count() == 7


def test_an_episode_s_files_come_with_it_from_the_server(store: Store, server: GReaderServer) -> None:
    a, _ = populate(server, 2)
    files = [
        {"href": "https://cdn.example.org/ep7.mp3", "type": "audio/mpeg", "length": 31000000},
        {"href": "javascript:alert(1)", "type": "audio/mpeg"},  # (dropped: not a web address)
        {"href": "https://cdn.example.org/ep7.mp3", "type": "audio/mpeg"},  # (the same file once)
    ]
    server.add_item(a, "Episode 7", "http://127.0.0.1:9/ep7", enclosures=files)
    sync(store, server)
    items = {i.title: i for i in store.items()}
    assert items["Episode 7"].enclosures == (
        Enclosure("https://cdn.example.org/ep7.mp3", "audio/mpeg", 31000000),
    )
    assert items["Item 0"].enclosures == ()


def test_changes_reach_the_other_side_both_ways(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    items = by_link(store)
    local_read, local_save = items["http://127.0.0.1:9/item/2"][0], items["http://127.0.0.1:9/item/3"][0]
    store.set_read([local_read])
    store.set_saved(local_save, True)
    # Meanwhile on another device: item 4 read, item 1 unstarred.
    server.item_by_link("http://127.0.0.1:9/item/4").read = True
    server.item_by_link("http://127.0.0.1:9/item/1").starred = False
    sync(store, server)
    assert server.item_by_link("http://127.0.0.1:9/item/2").read is True
    assert server.item_by_link("http://127.0.0.1:9/item/3").starred is True
    items = by_link(store)
    assert items["http://127.0.0.1:9/item/4"][1] is True
    assert items["http://127.0.0.1:9/item/1"][2] is False
    assert store.pending_changes() == 0
    # One a/r per edit-tag, with the write token.
    for req in server.requests("edit-tag"):
        assert len(req.form.get("a", [])) + len(req.form.get("r", [])) == 1
        assert req.form["T"] == [server.token]


def test_unsave_reaches_the_server_as_unstar(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    item_id = by_link(store)["http://127.0.0.1:9/item/1"][0]
    assert store.set_saved(item_id, False)
    sync(store, server)
    assert server.item_by_link("http://127.0.0.1:9/item/1").starred is False
    sent = [r for r in server.requests("edit-tag") if r.form.get("r") == [STARRED]]
    assert len(sent) == 1 and sent[0].form["i"] == [str(server.item_by_link("http://127.0.0.1:9/item/1").id)]


def test_changes_made_while_the_server_is_down_are_kept_and_pushed_later(
    store: Store, server: GReaderServer
) -> None:
    populate(server)
    sync(store, server)
    port = server.port
    server.stop()
    items = by_link(store)
    store.set_read([items["http://127.0.0.1:9/item/2"][0]])
    store.set_saved(items["http://127.0.0.1:9/item/4"][0], True)
    with pytest.raises(SyncError, match="cannot connect"):
        sync(store, server)
    assert store.pending_changes() == 2
    assert by_link(store)["http://127.0.0.1:9/item/2"][1] is True  # the archive is unchanged by the failure
    server.start(port)
    report = run_sync(store, settings_for(server), env=NO_ENV)
    assert report.sent == 2 and report.pending == 0
    assert server.item_by_link("http://127.0.0.1:9/item/2").read is True
    assert server.item_by_link("http://127.0.0.1:9/item/4").starred is True


def test_pending_local_change_wins_over_older_server_state(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    items = by_link(store)
    read_here = items["http://127.0.0.1:9/item/2"][0]
    store.set_read([read_here])  # pending: not sent yet
    unsave_here = items["http://127.0.0.1:9/item/1"][0]
    store.set_saved(unsave_here, False)
    # A pull alone (as if the push had not happened yet) must not flip them back.
    with GReaderClient(server.url, "reader", PASSWORD) as client:
        pull(store, client)
    items = by_link(store)
    assert items["http://127.0.0.1:9/item/2"][1] is True
    assert items["http://127.0.0.1:9/item/1"][2] is False
    assert store.pending_changes() == 2
    sync(store, server)
    assert server.item_by_link("http://127.0.0.1:9/item/2").read is True
    assert server.item_by_link("http://127.0.0.1:9/item/1").starred is False
    assert by_link(store)["http://127.0.0.1:9/item/2"][1] is True


def test_mark_view_read_sends_mark_all_with_ts_in_microseconds(store: Store, server: GReaderServer) -> None:
    a, _ = populate(server)
    sync(store, server)
    feed = store.feed_by_url(FEED_A)
    assert feed is not None
    marked = store.mark_view_read(View(kind=ViewKind.FEED, feed_id=feed.id))
    assert marked and store.pending_changes() == 1  # one change as a person counts it
    late = server.add_item(a, "Arrived later", "http://127.0.0.1:9/late")  # on the server, not seen here
    sync(store, server)
    (req,) = server.requests("mark-all-as-read")
    newest_seen = max(i.id for i in server.items.values() if i.feed == a and i.id != late)
    assert req.form["s"] == [f"feed/{a}"] and req.form["ts"] == [str(newest_seen)]
    assert all(i.read for i in server.items.values() if i.feed == a and i.id != late)
    assert server.items[late].read is False
    assert by_link(store)["http://127.0.0.1:9/late"][1] is False
    assert not server.requests("edit-tag")  # the items were covered by the mark-all, not sent one by one


def test_mark_view_read_of_a_search_sends_items_one_by_one(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    marked = store.mark_view_read(View(search="Item 3"))
    assert len(marked) == 1
    sync(store, server)
    assert not server.requests("mark-all-as-read")
    assert server.item_by_link("http://127.0.0.1:9/item/3").read is True
    assert server.item_by_link("http://127.0.0.1:9/item/5").read is False


def test_undo_after_mark_view_read_wins(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    ids = store.mark_view_read(View())
    store.set_read(ids[:1], False)  # undo one of them
    sync(store, server)
    link = store.item(ids[0])
    assert link is not None and link.link
    assert server.item_by_link(link.link).read is False
    assert store.item(ids[0]).read is False  # type: ignore[union-attr]
    assert sum(i.read for i in server.items.values()) == 5


def _local_item(n: int, guid: str) -> ParsedItem:
    return ParsedItem(
        key=guid,
        guid=guid,
        title=f"Item {n}",
        link=f"http://127.0.0.1:9/item/{n}",
        published=datetime(2026, 11, 1, tzinfo=UTC),
        content_hash=f"h{n}",
    )


def test_existing_archive_turning_sync_on_makes_no_duplicates(store: Store, server: GReaderServer) -> None:
    populate(server)
    feed = store.add_feed(FEED_A, "My title for A", ["mine"])
    parsed = ParsedFeed("A", None, tuple(_local_item(n, f"urn:uuid:{n}") for n in (0, 2, 4)))
    store.apply_fetch(feed, FetchOutcome(feed_url=FEED_A, status=200, parsed=parsed))
    local = by_link(store)
    store.set_read([local["http://127.0.0.1:9/item/2"][0]])  # read here before sync existed
    store.set_saved(local["http://127.0.0.1:9/item/4"][0], True)
    assert store.pending_changes() == 0  # no server ids yet: nothing queued
    report = run_sync(store, settings_for(server), env=NO_ENV)
    assert report.pull is not None and report.pull.matched == 3 and report.pull.new_items == 3
    assert store.count() == 6
    items = by_link(store)
    assert items["http://127.0.0.1:9/item/2"][1] is True  # local state the server lacked is kept ...
    assert items["http://127.0.0.1:9/item/4"][2] is True
    assert server.item_by_link("http://127.0.0.1:9/item/2").read is True  # ... and sent
    assert server.item_by_link("http://127.0.0.1:9/item/4").starred is True
    assert store.feed_by_url(FEED_A).title == "My title for A"  # type: ignore[union-attr]
    sync(store, server)
    assert store.count() == 6


def test_feeds_the_server_carries_are_not_polled_here(store: Store, server: GReaderServer) -> None:
    populate(server)
    local = store.add_feed("http://127.0.0.1:9/local-only.xml")
    sync(store, server)
    server_fed = store.server_feed_ids()
    assert local.id not in server_fed and len(server_fed) == 2


def test_server_dropping_a_feed_removes_it_here_keeping_saved_items(
    store: Store, server: GReaderServer
) -> None:
    _a, b = populate(server)
    sync(store, server)
    del server.feeds[b]
    sync(store, server)
    assert store.feed_by_url(FEED_B) is not None  # kept (inactive): it holds a saved item
    assert [i.link for i in store.items(View(kind=ViewKind.SAVED))] == ["http://127.0.0.1:9/item/1"]
    assert {f.url for f in store.feeds()} == {FEED_A}


def test_another_account_forgets_server_ids_but_keeps_items(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    other = GReaderServer(user="someone", password="pw2").start()
    try:
        other.add_feed(FEED_A, "A elsewhere")
        for k in (0, 2, 4):
            other.add_item(1, f"Item {k}", f"http://127.0.0.1:9/item/{k}")
        report = run_sync(store, settings_for(other, user="someone", password="pw2"), env=NO_ENV)
        assert report.account_changed and report.pull is not None and report.pull.matched == 3
        assert store.count() == 6
    finally:
        other.stop()


# ---------------------------------------------------------------------- a misbehaving server


def test_wrong_password_is_one_clear_message_without_the_secret(store: Store, server: GReaderServer) -> None:
    populate(server)
    with pytest.raises(SyncAuthError) as info:
        sync(store, server, password="s3cret-wrong")
    message = str(info.value)
    assert "refused the login" in message and server.url.split("/")[2] in message
    assert "s3cret-wrong" not in message and PASSWORD not in message


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("stream/items/ids", "500", "HTTP 500"),
        ("subscription/list", "html", "HTML page, not JSON"),
        ("stream/items/ids", "malformed", "not valid JSON"),
        ("stream/items/contents", "drop", "connection"),
        ("stream/items/contents", "deep", "not valid JSON"),
        ("stream/items/ids", "wrong-shape", "not what the API describes"),
        ("subscription/list", "wrong-shape", "not what the API describes"),
        ("edit-tag", "500", "HTTP 500"),
    ],
)
def test_misbehaving_server_gives_one_clear_error_and_loses_nothing(
    store: Store, server: GReaderServer, path: str, kind: str, expected: str
) -> None:
    a, _ = populate(server)
    sync(store, server)
    items = by_link(store)
    store.set_read([items["http://127.0.0.1:9/item/2"][0]])
    store.set_saved(items["http://127.0.0.1:9/item/3"][0], True)
    server.add_item(a, "New", "http://127.0.0.1:9/new")
    before = state(store)
    server.fault(path, kind, times=5)
    with pytest.raises(SyncError) as info:
        sync(store, server)
    assert expected in str(info.value) and str(info.value).startswith("sync with 127.0.0.1:")
    after = state(store)
    # Nothing lost: every item and mark is still here, and every change either reached the server or waits.
    assert after[0] >= before[0]
    assert {x for x in before[1]} <= {x for x in after[1]}
    server.faults.clear()
    sync(store, server)
    assert server.item_by_link("http://127.0.0.1:9/item/2").read is True
    assert server.item_by_link("http://127.0.0.1:9/item/3").starred is True
    assert by_link(store)["http://127.0.0.1:9/new"][1] is False
    assert store.count() == 7 and store.pending_changes() == 0


def test_401_mid_sync_logs_in_again_once_then_fails_clearly(store: Store, server: GReaderServer) -> None:
    populate(server)
    server.fault("stream/items/ids", "401", times=1)
    sync(store, server)  # one 401: a fresh login, and the sync goes on
    assert store.count() == 6
    assert len(server.requests("accounts/ClientLogin")) == 2
    store.set_read([by_link(store)["http://127.0.0.1:9/item/4"][0]])
    server.fault("stream/items/contents", "401", times=10)
    server.fault("edit-tag", "401", times=10)
    with pytest.raises(SyncAuthError, match="refused our login during"):
        sync(store, server)
    assert store.pending_changes() == 1 and store.count() == 6


def test_stalling_server_times_out(store: Store, server: GReaderServer) -> None:
    populate(server)
    server.fault("subscription/list", "stall")
    with pytest.raises(SyncError, match=r"within 0\.5 s|longer than 0\.5 s"):
        sync(store, server, timeout=0.5)
    assert store.count() == 0


def test_huge_answer_is_cut_off(server: GReaderServer) -> None:
    populate(server)
    server.fault("stream/items/ids", "huge")
    with GReaderClient(server.url, "reader", PASSWORD, max_body=2 * 2**20) as client:
        client.login()
        with pytest.raises(SyncError, match="larger than 2 MB"):
            client.item_ids("user/-/state/com.google/reading-list")


def test_paged_ids_follow_continuations(server: GReaderServer) -> None:
    a, _ = populate(server)
    for k in range(45):
        server.add_item(a, f"More {k}", f"http://127.0.0.1:9/more/{k}")
    with GReaderClient(server.url, "reader", PASSWORD) as client:
        ids = client.item_ids("user/-/state/com.google/reading-list", page=20)
    assert len(ids) == 51 == len(set(ids))
    assert len(server.requests("stream/items/ids")) == 3


def test_read_only_state_changes_do_not_refetch_items(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    calls = len(server.requests("stream/items/contents"))
    for item in server.items.values():
        item.read = True
    report = run_sync(store, settings_for(server), env=NO_ENV)
    assert report.pull is not None and report.pull.read_changed == 5
    assert len(server.requests("stream/items/contents")) == calls
    assert store.count(View(kind=ViewKind.UNREAD)) == 0
    assert READ  # the tag the server stores it under


def test_password_from_environment_and_command(store: Store, server: GReaderServer, tmp_path: Path) -> None:
    populate(server)
    env_settings = replace(settings_for(server), password=None)
    run_sync(store, env_settings, env={"READER_SYNC_PASSWORD": PASSWORD})
    script = tmp_path / "pw.sh"
    script.write_text(f"#!/bin/sh\necho {PASSWORD}\necho second-line\n")
    script.chmod(0o700)
    cmd_settings = replace(settings_for(server), password=None, password_command=str(script))
    report = run_sync(store, cmd_settings, env={"READER_SYNC_PASSWORD": "not-this-one"})
    assert report.pull is not None
    with pytest.raises(SyncError, match="no password"):
        run_sync(store, env_settings, env=NO_ENV)


def test_incremental_pull_checks_doubtful_items_and_keeps_what_the_server_forgot(
    store: Store, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.sync.pull as pull_mod

    monkeypatch.setattr(pull_mod, "RECENT_PAGE", 5)
    a, _ = populate(server, n=30)
    sync(store, server)  # first pull: a full listing
    old_read = server.item_by_link("http://127.0.0.1:9/item/3")  # old: beyond the first page of 5
    old_read.read = True
    old_unstarred = server.item_by_link("http://127.0.0.1:9/item/1")
    old_unstarred.starred = False
    purged = server.item_by_link("http://127.0.0.1:9/item/5")
    del server.items[purged.id]  # the server forgot it (FreshRSS purges old items)
    arrived_read = server.add_item(
        a, "Read elsewhere at once", "http://127.0.0.1:9/read-on-arrival", read=True
    )
    report = run_sync(store, settings_for(server), env=NO_ENV)
    assert report.pull is not None and not report.pull.full_listing
    items = by_link(store)
    assert items["http://127.0.0.1:9/item/3"][1] is True
    assert items["http://127.0.0.1:9/item/1"][2] is False
    assert items["http://127.0.0.1:9/item/5"][1] is False  # kept as it was
    assert items["http://127.0.0.1:9/read-on-arrival"][1] is True and store.count() == 31
    # Only the doubtful ones were asked for, not the whole list.
    asked = server.requests("stream/items/contents")[-1].form["i"]
    assert set(asked) == {str(old_read.id), str(purged.id)}  # item 1 is unread: known from that list
    assert arrived_read in server.items
    # A full listing (first pull, then once a day) agrees.
    report2 = run_sync(store, settings_for(server), env=NO_ENV)
    assert report2.pull is not None and store.count() == 31


def test_full_listing_keeps_state_of_items_the_server_forgot(store: Store, server: GReaderServer) -> None:
    populate(server)
    sync(store, server)
    gone = server.item_by_link("http://127.0.0.1:9/item/2")
    del server.items[gone.id]
    with GReaderClient(server.url, "reader", PASSWORD) as client:
        report = pull(store, client, full=True)
    assert report.full_listing
    assert by_link(store)["http://127.0.0.1:9/item/2"][1] is False
    assert store.count() == 6


def test_items_purged_here_do_not_come_back_unless_unread_or_starred_there(
    store: Store, server: GReaderServer
) -> None:
    populate(server)
    sync(store, server)
    all_ids = [i.id for i in store.items()]
    store.set_read(all_ids)
    sync(store, server)  # the server has them read too
    purged = store.purge(1, now=datetime(2100, 1, 1, tzinfo=UTC))
    assert purged == 5 and store.count() == 1  # the saved one stays
    server.item_by_link("http://127.0.0.1:9/item/4").starred = True  # starred elsewhere: wanted again
    with GReaderClient(server.url, "reader", PASSWORD) as client:
        report = pull(store, client, full=True)
    assert report.new_items == 1
    assert sorted(i.link or "" for i in store.items()) == [
        "http://127.0.0.1:9/item/1",
        "http://127.0.0.1:9/item/4",
    ]


def test_dripping_server_hits_the_total_deadline(store: Store, server: GReaderServer) -> None:
    populate(server)
    server.fault("subscription/list", "drip")
    with pytest.raises(SyncError, match=r"longer than 0\.5 s"):
        sync(store, server, timeout=0.5)


def test_the_web_page_instead_of_the_api_is_named_as_such(store: Store, server: GReaderServer) -> None:
    server.fault("accounts/ClientLogin", "html")
    with pytest.raises(SyncError, match="no Auth token: is \\[sync\\] url the Google Reader API endpoint"):
        sync(store, server)


def test_mark_view_read_on_a_server_whose_ids_are_not_times_sends_items(store: Store) -> None:
    srv = GReaderServer(password=PASSWORD, small_ids=True).start()
    try:
        a, _ = populate(srv)
        sync(store, srv)
        store.mark_view_read(View())
        sync(store, srv)
        assert not srv.requests("mark-all-as-read")  # ts would mean nothing there
        assert all(i.read for i in srv.items.values())
        assert max(srv.items) < 100 and a
    finally:
        srv.stop()


def test_a_feed_the_server_renumbered_is_relinked_not_duplicated(store: Store, server: GReaderServer) -> None:
    a, _ = populate(server)
    sync(store, server)
    feed = server.feeds.pop(a)
    feed.id = 99
    server.feeds[99] = feed
    for item in server.items.values():
        if item.feed == a:
            item.feed = 99
    sync(store, server)
    assert len(store.feeds()) == 2 and store.count() == 6
    assert store._read("SELECT server_id FROM feeds WHERE url = ?", (FEED_A,))[0][0] == "feed/99"


def test_many_doubtful_items_make_one_full_listing_instead(
    store: Store, server: GReaderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.sync.pull as pull_mod

    monkeypatch.setattr(pull_mod, "RECENT_PAGE", 5)
    monkeypatch.setattr(pull_mod, "CHECK_LIMIT", 3)
    populate(server, n=30)
    sync(store, server)
    for item in server.items.values():
        item.read = True  # read everywhere else: every old unread item here is in doubt
    contents = len(server.requests("stream/items/contents"))
    report = run_sync(store, settings_for(server), env=NO_ENV)
    assert report.pull is not None and report.pull.full_listing and report.pull.read_changed == 29
    assert len(server.requests("stream/items/contents")) == contents


def test_a_feed_known_here_under_its_newer_url_is_linked_not_doubled(
    store: Store, server: GReaderServer
) -> None:
    populate(server)
    store.add_feed("http://127.0.0.1:9/moved-a.xml")
    with store._write() as c:  # as after a permanent redirect: the subscribed URL kept as source_url
        c.execute("UPDATE feeds SET source_url = ? WHERE url = ?", (FEED_A, "http://127.0.0.1:9/moved-a.xml"))
    sync(store, server)
    assert {f.url for f in store.feeds()} == {"http://127.0.0.1:9/moved-a.xml", FEED_B}
    assert store.count() == 6


def test_text_from_the_server_is_data_never_escape_sequences(store: Store, server: GReaderServer) -> None:
    fid = server.add_feed(FEED_A, "Feed \x1b]0;owned\x07A\u202e", label="Tag\x1b[31m")
    server.add_item(fid, "Title \x1b[2J&amp; more\x9b31m", "javascript:alert(1)", content="<p>ok\x1b[0m</p>")
    sync(store, server)
    (item,) = store.items()
    assert item.title == "Title & more" and item.link is None and "\x1b" not in (item.content or "")
    (feed,) = store.feeds()
    assert feed.display_title == "Feed A" and feed.tags == ("Tag",)
