"""Issue 8, the fetch side: hostile servers and feeds, redirects and discovery kept tied to their subscription.

Real loopback servers, real SQLite files.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from feedbuild import rss
from httpserver import LoopbackServer

from reader.config.loader import FetchSettings
from reader.fetch.poller import Poller, PollSettings
from reader.fetch.settings import ClientSettings
from reader.models import Feed
from reader.store.feeds import Store

PAGE = b"""<!DOCTYPE html><html><head><title>Blog</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
</head><body><p>Hello</p></body></html>"""


def settings(**client: object) -> PollSettings:
    client.setdefault("host_jitter", 0.0)
    return PollSettings(ClientSettings(**client), parse_workers=0)  # type: ignore[arg-type]


@pytest.fixture
async def poller(store: Store) -> AsyncIterator[Poller]:
    p = Poller(store, settings())
    try:
        yield p
    finally:
        await p.aclose()


def feed(store: Store, url: str) -> Feed:
    f = store.feed_by_url(url)
    assert f is not None, url
    return f


# ---------------------------------------------------------------- hostile 2: a total deadline per feed


def test_the_default_deadline_gives_up_well_within_30_seconds() -> None:
    assert ClientSettings().deadline <= 25
    assert FetchSettings().client().deadline == ClientSettings().deadline


async def test_dripping_headers_or_body_hit_the_total_deadline_others_are_stored(
    http_server: LoopbackServer, store: Store
) -> None:
    slow_head = http_server.serve("/head.xml", rss(1), drip_headers=0.05)  # ~4 s of headers
    slow_body = http_server.serve("/body.xml", rss(1), drip=0.05)  # ~20 s of body
    good = http_server.serve("/good.xml", rss(3))
    for u in (slow_head, slow_body, good):
        store.add_feed(u)
    p = Poller(store, settings(deadline=0.5, read_timeout=5))
    try:
        report = await p.poll(store.feeds())
    finally:
        await p.aclose()
    assert report.new_items == 3
    assert store.count() == 3
    for u in (slow_head, slow_body):
        assert "no complete response within 0.5 s" in (feed(store, u).last_error or ""), u


async def test_the_deadline_covers_a_page_and_the_feed_it_links_to_together(
    http_server: LoopbackServer, store: Store
) -> None:
    # Each request alone fits the deadline; the two together (one feed's fetch) do not.
    page = http_server.serve("/blog/", PAGE, content_type="text/html", latency=0.35)
    http_server.serve("/feed.xml", rss(2), latency=0.35)
    store.add_feed(page)
    p = Poller(store, settings(deadline=0.5))
    try:
        report = await p.poll(store.feeds())
    finally:
        await p.aclose()
    assert report.new_items == 0
    assert "within 0.5 s" in (report.outcomes[0].error or "")


# ---------------------------------------------------------------- hostile 3: 304 to an unconditional request


async def test_a_304_to_a_request_without_validators_is_an_error_and_changes_nothing(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    url = http_server.serve("/f.xml", b"", status=304, content_type=None)
    store.add_feed(url)
    before = feed(store, url)
    report = await poller.poll(store.feeds())
    sent = http_server.requests("/f.xml")[0].headers
    assert "if-none-match" not in sent and "if-modified-since" not in sent
    after = feed(store, url)
    assert (
        after.last_error is not None
        and "304" in after.last_error
        and "without validators" in after.last_error
    )
    assert report.failures and report.failures[0][0] == url
    assert (after.etag, after.last_modified, after.body_hash) == (before.etag, before.last_modified, None)
    assert after.last_success is None and store.count() == 0


# ---------------------------------------------------------------- hostile 1: stories sharing one guid

SHARED = (
    "<item><title>Story {n}</title><link>https://example.org/s/{n}</link><guid>shared</guid>"
    "<description>Different story number {n}</description></item>"
)


def shared_guid_feed(stories: range, channel_title: str = "Shared") -> bytes:
    items = "".join(SHARED.format(n=n) for n in reversed(stories))
    repeat = SHARED.format(n=stories[-1])  # the newest story, verbatim, twice
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{channel_title}</title>'
        f"{repeat}{items}</channel></rss>"
    ).encode()


async def test_stories_sharing_a_guid_are_all_stored_once_and_keep_their_flags(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    from httpserver import Route

    bodies = [
        shared_guid_feed(range(1, 6)),
        shared_guid_feed(range(1, 6), "Renamed"),
        shared_guid_feed(range(1, 7)),
    ]
    served = iter(bodies)
    url = http_server.route("/shared.xml", lambda _req: Route(body=next(served)))
    store.add_feed(url)
    await poller.poll(store.feeds())
    items = store.items()
    assert sorted(i.title for i in items) == [f"Story {n}" for n in range(1, 6)]  # 5 stories, the repeat once
    ids = {i.title: i.id for i in items}
    store.set_read([ids["Story 2"]])
    store.set_saved(ids["Story 4"])
    # The same stories again (the document changed elsewhere, so it is parsed): nothing new.
    report = await poller.poll(store.feeds())
    assert report.new_items == 0 and report.failures == ()
    # A sixth story with the same guid: only it is new; every other story keeps its id and flags.
    report = await poller.poll(store.feeds())
    assert report.new_items == 1
    after = {i.title: i for i in store.items()}
    assert len(after) == 6 and {t: after[t].id for t in ids} == ids
    assert after["Story 2"].read and after["Story 4"].saved and not after["Story 6"].read


async def test_a_story_stored_before_its_guid_was_reused_keeps_its_row_and_flags(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    from httpserver import Route

    served = iter([shared_guid_feed(range(1, 2)), shared_guid_feed(range(1, 3))])
    url = http_server.route("/shared.xml", lambda _req: Route(body=next(served)))
    store.add_feed(url)
    await poller.poll(store.feeds())
    (first,) = store.items()  # one story (served twice verbatim): stored under its plain guid
    store.set_read([first.id])
    store.set_saved(first.id)
    # A newer story arrives with the same guid: both keep being told apart, and the first keeps its row.
    report = await poller.poll(store.feeds())
    assert report.new_items == 1
    by_title = {i.title: i for i in store.items()}
    assert set(by_title) == {"Story 1", "Story 2"}
    assert by_title["Story 1"].id == first.id and by_title["Story 1"].read and by_title["Story 1"].saved
    assert not by_title["Story 2"].read
