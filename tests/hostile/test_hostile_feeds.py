"""Hostile feeds: every case of hostile_cases.CASES polled in ONE poll with healthy control feeds.

Asserts, per case, the outcome the table names plus what holds for all of them (every stored string is safe
text, links are http(s), nothing from /etc/passwd); that the control feeds updated in the same poll; and that
the poll's wall time and peak memory stayed bounded.
"""

from __future__ import annotations

import asyncio
import re
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hostile_cases import (
    BODY_CAP,
    CASES,
    CONNECT_TIMEOUT,
    DEADLINE,
    READ_TIMEOUT,
    Case,
    Result,
)
from hostile_setups import GOOD
from httpserver import LoopbackServer, MiB, Route

from reader.errors import ParseError
from reader.extract.pipeline import article_from_feed
from reader.feeds.parse import parse_feed
from reader.fetch.poller import Poller, PollReport, PollSettings
from reader.fetch.settings import ClientSettings
from reader.models import Feed, View, ViewKind
from reader.store.feeds import Store
from reader.textsafe import is_safe

MD_LINK = re.compile(r"\]\(([^)\s]*)")  # the target of a Markdown link or image
CONTROL_HOSTS = ("127.0.0.2", "127.0.0.3")
# Generous: a run that expands an entity or holds a bomb in memory uses hundreds of MiB to GiBs.
MAX_PEAK_RSS = 400 * MiB
MAX_WALL = 30.0  # seconds; the slow cases are bounded by DEADLINE (2 s), everything else is quick
# Columns holding protocol data that is never shown: the item key (identity, as the feed wrote it) and the
# validators the server sent (they must go back verbatim), and hashes.
NOT_SHOWN = {("items", "key"), ("items", "content_hash"), ("feeds", "etag"), ("feeds", "last_modified"),
             ("feeds", "body_hash")}  # fmt: skip


@dataclass
class Polled:
    results: dict[str, Result]
    controls: list[Feed]
    report: PollReport
    elapsed: float
    peak_rss: int | None  # bytes above the RSS before the poll; None when the kernel cannot tell
    db_path: Path
    xfail_feed_ids: set[int]


def _rss_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak_rss() -> bool:
    """Reset VmHWM (Linux >= 4.0: writing 5 to clear_refs), so the peak measured is this poll's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def polled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Polled]:
    db_path = tmp_path_factory.mktemp("hostile") / "reader.db"
    with pytest.MonkeyPatch.context() as mp, LoopbackServer() as server:
        for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            mp.delenv(name, raising=False)
        store = Store.open(db_path)
        try:
            ids: dict[str, tuple[int, str]] = {}
            for case in CASES:
                url = case.setup(server, "/" + case.name)
                ids[case.name] = (store.add_feed(url, origin="user").id, url)
            controls = []
            for i, host in enumerate(CONTROL_HOSTS):
                server.add_host(host)
                server.route(f"/control{i}.xml", Route(body=GOOD))
                controls.append(store.add_feed(server.url(f"/control{i}.xml", host=host)).id)
            feeds = store.feeds()
            settings = PollSettings(
                ClientSettings(
                    max_connections=64,
                    per_host=64,
                    connect_timeout=CONNECT_TIMEOUT,
                    read_timeout=READ_TIMEOUT,
                    deadline=DEADLINE,
                    max_body_bytes=BODY_CAP,
                    host_jitter=0.0,
                ),
                # Parse in worker processes, as `reader fetch` does: a parse that holds the GIL for a second
                # (20,000 items) must not eat the other feeds' deadlines. Parse memory is bounded separately
                # (test_parse_memory_stays_bounded), the RSS measured here is the fetching side's.
                parse_workers=1,
            )

            async def run() -> PollReport:
                poller = Poller(store, settings, writer_store=lambda: Store.open(db_path))
                try:
                    return await poller.poll(feeds)
                finally:
                    await poller.aclose()

            before = _rss_kib("VmRSS")
            can_peak = _reset_peak_rss() and before is not None
            started = time.monotonic()
            report = asyncio.run(run())
            elapsed = time.monotonic() - started
            after = _rss_kib("VmHWM")
            peak = (after - before) * 1024 if can_peak and after is not None and before is not None else None
            polled_at = datetime.now(UTC)
            results: dict[str, Result] = {}
            for case in CASES:
                feed_id, url = ids[case.name]
                feed = store.feed_by_id(feed_id)
                assert feed is not None
                items = store.items(View(kind=ViewKind.FEED, feed_id=feed_id))
                results[case.name] = Result(feed, items, polled_at, server, url, results)
            control_feeds = [f for f in (store.feed_by_id(i) for i in controls) if f is not None]
            xfail_ids = {ids[c.name][0] for c in CASES if c.xfail}
        finally:
            store.close()
        yield Polled(results, control_feeds, report, elapsed, peak, db_path, xfail_ids)


def _params() -> list[object]:
    return [
        pytest.param(c, id=c.name, marks=[pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else [])
        for c in CASES
    ]


def assert_safe_result(r: Result) -> None:
    """What holds for every case: safe text everywhere, http(s) links only, no local file contents."""
    feed = r.feed
    for label, value in (("feed url", feed.url), ("feed title", feed.title), ("site url", feed.site_url),
                         ("error", feed.last_error), ("due reason", feed.due_reason)):  # fmt: skip
        assert value is None or is_safe(value), f"{label} is not safe text: {value!r:.200}"
    assert feed.site_url is None or feed.site_url.startswith(("http://", "https://"))
    assert feed.url.startswith(("http://", "https://")), feed.url
    for it in r.items:
        for label, value in (("title", it.title), ("link", it.link), ("author", it.author),
                             ("summary", it.summary), ("content", it.content)):  # fmt: skip
            assert value is None or is_safe(value), f"item {label} is not safe text: {value!r:.200}"
            assert value is None or "root:x:0:0" not in value
        assert it.link is None or re.match(r"https?://", it.link), it.link
        for html in (it.summary, it.content):
            if html:
                # The next boundary: what the article pane renders from the stored HTML.
                shown = article_from_feed(html, it.title, it.link, "feed text")
                assert is_safe(shown.markdown) and is_safe(shown.text), repr(shown.markdown[:200])
                for target in MD_LINK.findall(shown.markdown):
                    assert target.startswith(("http://", "https://", "#")), target


@pytest.mark.parametrize("case", _params())
def test_hostile_case(polled: Polled, case: Case) -> None:
    r = polled.results[case.name]
    case.expect(r)
    assert_safe_result(r)


def test_control_feeds_update_in_the_same_poll(polled: Polled) -> None:
    assert len(polled.controls) == len(CONTROL_HOSTS)
    for feed in polled.controls:
        assert feed.last_error is None and feed.last_status == 200, feed
    with Store.open(polled.db_path) as store:
        counts = store.item_counts()
    assert all(counts.get(f.id, (0, 0))[0] == 2 for f in polled.controls), counts
    assert len(polled.report.outcomes) == len(CASES) + len(CONTROL_HOSTS)


def test_poll_time_and_memory_stay_bounded(polled: Polled) -> None:
    assert polled.elapsed < MAX_WALL, f"the hostile poll took {polled.elapsed:.1f} s"
    peak = "n/a" if polled.peak_rss is None else f"{polled.peak_rss / MiB:.0f} MiB"
    print(
        f"hostile poll: {len(CASES)} cases + {len(CONTROL_HOSTS)} controls in {polled.elapsed:.1f} s, peak RSS +{peak}"
    )
    if polled.peak_rss is None:
        pytest.skip("this kernel cannot report a resettable peak RSS")
    assert polled.peak_rss < MAX_PEAK_RSS, f"peak RSS grew by {polled.peak_rss / MiB:.0f} MiB"


def _unsafe_strings(db_path: Path, xfail_feed_ids: set[int], *, fts: bool) -> list[str]:
    """Every unsafe string in the database's tables (or only in the search index, with `fts`)."""
    with Store.open(db_path) as store:
        conn = store._conn  # a read-only scan of the raw tables; the Store API has no "every column"
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        bad: list[str] = []
        for table in tables:
            if table.startswith(("items_fts_", "sqlite_")) or (table == "items_fts") != fts:
                continue
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            skip_feed = "feed_id" in cols or table == "feeds"
            id_col = "id" if table == "feeds" else "feed_id" if "feed_id" in cols else None
            for row in conn.execute(f"SELECT * FROM {table}"):
                record = dict(zip(cols, row, strict=True))
                if skip_feed and id_col and record.get(id_col) in xfail_feed_ids:
                    continue  # a known bug, reported by its own xfail case
                for col, value in record.items():
                    if isinstance(value, str) and (table, col) not in NOT_SHOWN and not is_safe(value):
                        bad.append(f"{table}.{col} = {value!r:.120}")
    return bad


def test_no_unsafe_string_anywhere_in_the_database(polled: Polled) -> None:
    """Scan every text column of every table, not only what the models expose."""
    assert _unsafe_strings(polled.db_path, polled.xfail_feed_ids, fts=False) == []


def test_search_index_holds_only_safe_text(polled: Polled) -> None:
    assert _unsafe_strings(polled.db_path, set(), fts=True) == []


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.attacks for c in CASES)


def test_case_files_say_what_they_attack() -> None:
    here = Path(__file__).parent
    files = sorted(p for p in [*(here / "feeds").iterdir(), *(here / "pages").iterdir()] if p.is_file())
    assert files
    for path in files:
        head = path.read_bytes()[:1500]
        assert b"Attacks:" in head and b"Expect" in head, f"{path.name} lacks its comment"


# The cases whose parse could cost memory: entity expansion, nesting, sheer size.
HEAVY_PARSES = ("billion_laughs", "billion_laughs_loose", "entity_quadratic", "entities_utf16", "xxe_file", "twenty_thousand_items",
                "huge_title")  # fmt: skip
MAX_PARSE_PEAK = 128 * MiB  # the unguarded quadratic case takes ~250 MiB


@pytest.mark.parametrize("name", HEAVY_PARSES)
def test_parse_memory_stays_bounded(name: str) -> None:
    """parse_feed itself, in this process: an expansion would show as hundreds of MiB of peak RSS.

    (RSS with a reset high-water mark rather than tracemalloc, which slows feedparser down tenfold.)
    """
    case = next(c for c in CASES if c.name == name)
    with LoopbackServer() as server:
        case.setup(server, "/" + name)
        route = server.routes["/" + name + "/feed"]
    assert isinstance(route, Route)
    before = _rss_kib("VmRSS")
    use_rss = before is not None and _reset_peak_rss()
    if not use_rss:
        tracemalloc.start()
    try:
        started = time.monotonic()
        try:
            parsed = parse_feed(route.body, "http://127.0.0.1/feed", {"content-type": "application/rss+xml"})
        except ParseError:
            parsed = None
        elapsed = time.monotonic() - started
        if use_rss:
            peak = ((_rss_kib("VmHWM") or 0) - (before or 0)) * 1024
        else:
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not use_rss:
            tracemalloc.stop()
    assert peak < MAX_PARSE_PEAK, f"parsing {name} peaked at {peak / MiB:.0f} MiB"
    assert elapsed < 20, f"parsing {name} took {elapsed:.1f} s"
    print(f"{name}: parse peak {peak / MiB:.1f} MiB in {elapsed:.2f} s")
    if parsed is not None:
        longest = max([len(parsed.title or "")] + [len(i.title) + len(i.summary or "") for i in parsed.items])
        assert longest < 2_000_000, "an entity was expanded"
