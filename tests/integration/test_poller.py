"""Poller end to end: loopback server -> PoliteClient -> parse -> real SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedbuild import DATA, rss
from httpserver import LoopbackServer, Route

from reader.fetch.poller import Poller, PollProgress, PollSettings
from reader.fetch.settings import ClientSettings
from reader.models import Feed, FetchOutcome
from reader.store.feeds import Store

LM = "Mon, 01 Jan 2024 00:00:00 GMT"
HTML_PAGE = b"""<!DOCTYPE html><html><head><title>Blog</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/atom+xml" title="Atom" href="/feeds/atom.xml">
</head><body><p>Hello</p></body></html>"""


@pytest.fixture
async def poller(store: Store) -> AsyncIterator[Poller]:
    p = Poller(store, PollSettings(ClientSettings(host_jitter=0.0), parse_workers=0))
    try:
        yield p
    finally:
        await p.aclose()


def feed(store: Store, url: str) -> Feed:
    f = store.feed_by_url(url)
    assert f is not None
    return f


def due_in(f: Feed) -> float:
    assert f.next_due is not None and f.last_fetched is not None
    return (f.next_due - f.last_fetched).total_seconds()


async def test_first_poll_stores_items_and_validators(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    url = http_server.serve("/f.xml", rss(5, title="Policy feed"), etag='"v1"', last_modified=LM)
    store.add_feed(url)
    seen: list[PollProgress] = []
    report = await poller.poll(store.feeds(), seen.append)
    assert report.new_items == 5 and report.failures == () and report.requests == 1
    assert seen == [PollProgress(1, 1, 5, url, None)]
    f = feed(store, url)
    assert f.etag == '"v1"' and f.last_modified == LM and f.last_status == 200 and f.last_error is None
    assert f.title == "Policy feed" or f.display_title  # document title recorded (config title wins)
    assert report.outcomes[0].parsed is None  # dropped from the report to keep memory bounded


async def test_validators_sent_verbatim_and_refreshed_on_304(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    etag = 'W/"weak, with comma"'
    url = http_server.serve("/f.xml", rss(2), etag=etag, last_modified=LM, headers_304={"ETag": '"v2"'})
    store.add_feed(url)
    await poller.poll(store.feeds())
    report = await poller.poll(store.feeds())
    sent = http_server.requests("/f.xml")[1].headers
    assert sent["if-none-match"] == etag and sent["if-modified-since"] == LM
    assert report.not_modified == 1 and report.conditional_requests == 1 and report.new_items == 0
    assert report.outcomes[0].not_modified and report.outcomes[0].status == 304
    assert feed(store, url).etag == '"v2"'  # refreshed from the 304
    await poller.poll(store.feeds())
    assert http_server.requests("/f.xml")[2].headers["if-none-match"] == '"v2"'


async def test_unchanged_body_without_validators_is_not_parsed_again(
    http_server: LoopbackServer, store: Store, poller: Poller, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = http_server.serve("/f.xml", rss(3))
    store.add_feed(url)
    await poller.poll(store.feeds())
    import reader.feeds.parse as parse_module

    def boom(*a: object, **k: object) -> None:
        raise AssertionError("parsed an unchanged body")

    monkeypatch.setattr(parse_module, "parse_feed", boom)
    report = await poller.poll(store.feeds())
    assert report.outcomes[0].not_modified and report.outcomes[0].error is None


async def test_cache_headers_and_ttl_set_next_due(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    a = http_server.serve("/a", rss(1), headers={"Cache-Control": "max-age=10800"})
    b = http_server.serve("/b", rss(1, ttl=240))
    c = http_server.serve("/c", rss(1), headers={"Cache-Control": "max-age=5"})
    for u in (a, b, c):
        store.add_feed(u)
    await poller.poll(store.feeds())
    assert 10800 <= due_in(feed(store, a)) <= 10800 * 1.11
    assert 14400 <= due_in(feed(store, b)) <= 14400 * 1.11 and "ttl" in (feed(store, b).due_reason or "")
    assert 1800 <= due_in(feed(store, c)) <= 1800 * 1.11  # the interval; a short max-age does not speed us up


async def test_ttl_still_applies_when_the_feed_answers_304(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    url = http_server.serve("/t", rss(1, ttl=240), etag='"t1"')
    store.add_feed(url)
    await poller.poll(store.feeds())
    report = await poller.poll(store.feeds())
    assert report.not_modified == 1
    assert 14400 <= due_in(feed(store, url)) <= 14400 * 1.11 and "ttl" in (feed(store, url).due_reason or "")


async def test_retry_after_and_backoff(http_server: LoopbackServer, store: Store, poller: Poller) -> None:
    busy = http_server.serve("/busy", status=429, headers={"Retry-After": "7200"})
    down = http_server.serve("/down", status=500)
    store.add_feed(busy)
    store.add_feed(down)
    await poller.poll(store.feeds())
    assert 7200 <= due_in(feed(store, busy)) <= 7200 * 1.11
    delays = []
    for n in range(1, 4):
        f = feed(store, down)
        assert f.failures == n and f.last_status == 500 and f.last_error == "HTTP 500 server error"
        delays.append(due_in(f))
        await poller.poll([f])
    assert delays[0] < delays[1] < delays[2]


async def test_errors_are_per_feed(http_server: LoopbackServer, store: Store, poller: Poller) -> None:
    good = http_server.serve("/good", rss(3))
    bad = {
        http_server.serve("/404", status=404): "HTTP 404",
        http_server.serve("/410", status=410): "HTTP 410",
        http_server.serve("/500", status=500): "HTTP 500",
        http_server.refused_url("/x"): "could not connect",
        http_server.serve("/garbage", b"this is not a feed", content_type="text/plain"): "not a feed",
        http_server.redirect("/loop1", "/loop2"): "redirect loop",
        http_server.redirect("/js", "javascript:alert(1)"): "invalid URL",
        http_server.serve(
            "/page", b"<html><body>no feed links</body></html>", content_type="text/html"
        ): "web page",
    }
    http_server.redirect("/loop2", "/loop1")
    for u in [good, *bad]:
        store.add_feed(u)
    report = await poller.poll(store.feeds())
    assert report.new_items == 3
    assert feed(store, good).last_error is None
    for u, expected in bad.items():
        error = feed(store, u).last_error
        assert error is not None and expected in error and "\n" not in error, (u, error)
    assert len(report.failures) == len(bad)


async def test_one_feed_raising_anything_does_not_stop_the_others(
    http_server: LoopbackServer, store: Store, poller: Poller, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = http_server.serve("/good", rss(2))
    evil = http_server.serve("/evil", rss(2, title="EVIL"))
    store.add_feed(good)
    store.add_feed(evil)
    import reader.feeds.parse as parse_module

    real = parse_module.parse_feed

    def flaky(body: bytes, *a: object, **k: object):  # type: ignore[no-untyped-def]
        if b"EVIL" in body:
            raise RuntimeError("library bug")
        return real(body, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(parse_module, "parse_feed", flaky)
    report = await poller.poll(store.feeds())
    assert report.new_items == 2
    assert feed(store, evil).last_error == "internal error: RuntimeError: library bug"


async def test_permanent_redirect_updates_url_temporary_does_not(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    http_server.serve("/new.xml", rss(2))
    moved = http_server.redirect("/moved", "/new.xml", 301)
    moved308 = http_server.redirect("/moved308", "/new308.xml", 308)
    http_server.serve("/new308.xml", rss(2, start=10))
    temp = http_server.redirect("/temp", "/new.xml", 302)
    for u in (moved, moved308, temp):
        store.add_feed(u)
    await poller.poll(store.feeds())
    urls = {f.url for f in store.feeds()}
    assert urls == {http_server.url("/new.xml"), http_server.url("/new308.xml"), temp}
    assert feed(store, moved).url == http_server.url("/new.xml")  # the old URL still names it
    assert feed(store, moved308).url == http_server.url("/new308.xml")


async def test_html_page_autodiscovers_its_feed(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    page = http_server.serve("/blog/", HTML_PAGE, content_type="text/html; charset=utf-8")
    atom = (DATA / "feeds" / "xmlbase.xml").read_bytes()
    http_server.serve("/feeds/atom.xml", atom, content_type="application/atom+xml")
    store.add_feed(page)
    report = await poller.poll(store.feeds())
    assert report.new_items == 2 and report.failures == ()
    (only,) = store.feeds()
    assert only.url == http_server.url("/feeds/atom.xml") and only.source_url == page


async def test_bozo_usable_kept_with_warning_unusable_is_error(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    sloppy = http_server.serve("/sloppy", (DATA / "feeds" / "bozo_usable.xml").read_bytes())
    broken = http_server.serve("/broken", b"<?xml version='1.0'?><rss><channel><title>x</ti")
    store.add_feed(sloppy)
    store.add_feed(broken)
    report = await poller.poll(store.feeds())
    by_url = {o.feed_url: o for o in report.outcomes}
    assert by_url[sloppy].error is None and by_url[sloppy].new_items >= 1
    assert by_url[sloppy].warnings and "malformed" in by_url[sloppy].warnings[0]
    assert by_url[broken].error and "malformed feed" in by_url[broken].error


async def test_local_files(tmp_path: Path, store: Store, poller: Poller) -> None:
    path = tmp_path / "local feed.xml"
    path.write_bytes(rss(2))
    other = tmp_path / "other.xml"
    other.write_bytes(rss(3, start=5))
    store.add_feed(path.as_uri())
    store.add_feed(str(other))
    store.add_feed(str(tmp_path / "missing.xml"))
    report = await poller.poll(store.feeds())
    assert report.new_items == 5 and report.requests == 0
    assert feed(store, path.as_uri()).last_status == 200
    error = feed(store, str(tmp_path / "missing.xml")).last_error
    assert error is not None and "cannot read" in error


async def test_drip_and_bomb_cost_one_feed_only(http_server: LoopbackServer, store: Store) -> None:
    from httpserver import MiB, gzip_bomb

    drip = http_server.serve("/drip", rss(1), drip=0.05)
    bomb = http_server.serve(
        "/bomb", gzip_bomb(16 * MiB, layers=2), headers={"Content-Encoding": "gzip, gzip"}
    )
    good = http_server.serve("/good", rss(2))
    for u in (drip, bomb, good):
        store.add_feed(u)
    p = Poller(
        store, PollSettings(ClientSettings(deadline=0.5, max_body_bytes=MiB, host_jitter=0), parse_workers=0)
    )
    try:
        report = await p.poll(store.feeds())
    finally:
        await p.aclose()
    assert report.new_items == 2
    assert "within 0.5 s" in (feed(store, drip).last_error or "")
    assert "too large" in (feed(store, bomb).last_error or "")


async def test_per_host_limit_across_feeds(http_server: LoopbackServer, store: Store) -> None:
    hosts = ["127.0.0.1", "127.0.0.4"]
    http_server.add_host("127.0.0.4")
    for i in range(10):
        http_server.route(f"/f{i}", Route(body=rss(1, start=i), latency=0.1))
        store.add_feed(http_server.url(f"/f{i}", host=hosts[i % 2]))
    p = Poller(store, PollSettings(ClientSettings(per_host=2, host_jitter=0.01), parse_workers=0))
    try:
        report = await p.poll(store.feeds())
    finally:
        await p.aclose()
    assert report.new_items == 10
    assert http_server.max_concurrency("127.0.0.1") == 2 and http_server.max_concurrency("127.0.0.4") == 2


async def test_parse_worker_processes(http_server: LoopbackServer, store: Store) -> None:
    urls = [http_server.serve(f"/w{i}", rss(4, start=10 * i)) for i in range(4)]
    billion = http_server.serve("/laughs", (DATA / "feeds" / "billion_laughs.xml").read_bytes())
    for u in [*urls, billion]:
        store.add_feed(u)
    p = Poller(store, PollSettings(ClientSettings(host_jitter=0), parse_workers=2))
    try:
        first = await p.poll(store.feeds())
        second = await p.poll(store.feeds())  # the pool is reused
    finally:
        await p.aclose()
    assert first.new_items >= 16 and second.new_items == 0
    titles = [i.title for i in store.items()]
    assert all(len(t) < 200 for t in titles)


async def test_fake_store_interface(http_server: LoopbackServer) -> None:
    """The poller needs only apply_fetches; a store that fails must not stop the poll."""

    class FailingStore:
        def apply_fetches(self, results: Sequence[tuple[Feed, FetchOutcome]]) -> list[tuple[int, int]]:
            raise OSError("disk full")

    url = http_server.serve("/f", rss(1))
    f = Feed(id=1, url=url, title=None)
    p = Poller(FailingStore(), PollSettings(parse_workers=0))
    try:
        report = await p.poll([f])
    finally:
        await p.aclose()
    assert "could not store the result: disk full" in (report.outcomes[0].error or "")


def test_now_is_timezone_aware() -> None:
    from reader.fetch.poller import utcnow

    assert utcnow().tzinfo is not None and abs(utcnow() - datetime.now(UTC)) < timedelta(seconds=5)


async def test_a_parse_past_its_time_limit_fails_that_feed_only(
    http_server: LoopbackServer, store: Store
) -> None:
    slow = http_server.serve("/slow.xml", rss(3))
    store.add_feed(slow)
    p = Poller(store, PollSettings(ClientSettings(host_jitter=0.0), parse_workers=1, parse_timeout=0.000001))
    try:
        report = await p.poll(store.feeds())
        assert report.outcomes[0].error is not None and "parsing took longer" in report.outcomes[0].error
        # The stopped worker is replaced: the next poll, with time to parse, works.
        p.settings = PollSettings(ClientSettings(host_jitter=0.0), parse_workers=1)
        store.add_feed(http_server.serve("/ok.xml", rss(2, start=10)))
        report = await p.poll([f for f in store.feeds() if f.url.endswith("/ok.xml")])
        assert report.outcomes[0].error is None and report.new_items == 2
    finally:
        await p.aclose()


async def test_a_reference_to_a_lone_surrogate_does_not_sink_the_feed(
    http_server: LoopbackServer, store: Store, poller: Poller
) -> None:
    url = http_server.serve(
        "/s.xml", rss(2, extra_item="<category>bad &#xD800; and &#56320; refs</category>")
    )
    store.add_feed(url)
    report = await poller.poll(store.feeds())
    assert report.outcomes[0].error is None and report.new_items == 2
