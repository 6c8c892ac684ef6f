"""Issue 8's CLI faults on the fetch side, as a user (or cron) meets them: the `reader` command (its `main()`
in-process, with its real parse workers: tests/clirun.py), a real loopback server, a real SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from clirun import run_cli
from feedbuild import rss
from httpserver import LoopbackServer

from reader.store.feeds import Store

BASE = """
[general]
poll_interval = "30m"
[fetch]
connect_timeout = 2
read_timeout = 2
deadline = 5
[fulltext]
policy = "off"
"""

PAGE = b"""<!DOCTYPE html><html><head><title>Blog</title>
<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.xml">
</head><body><p>Hello</p></body></html>"""


class Reader:
    def __init__(self, tmp_path: Path) -> None:
        self.data = tmp_path / "data"
        self.config = tmp_path / "config.toml"
        self.configure()

    def configure(self, *feed_urls: str) -> None:
        self.config.write_text(BASE + "".join(f'\n[[feeds]]\nurl = "{u}"\n' for u in feed_urls))

    def run(
        self, *args: str, ok: bool = True, config: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = run_cli(config or self.config, self.data, *args)
        if ok:
            assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    def store(self) -> Store:
        return Store.open(self.data / "reader.db")


@pytest.fixture
def cli(tmp_path: Path) -> Reader:
    return Reader(tmp_path)


def test_a_configured_feed_that_moved_keeps_its_items_flags_and_validators(
    cli: Reader, http_server: LoopbackServer
) -> None:
    new = http_server.serve("/new.xml", rss(3), etag='"v1"')
    old = http_server.redirect("/old.xml", "/new.xml", status=301)
    cli.configure(old)
    cli.run("fetch", "--all")
    with cli.store() as s:
        (f,) = s.feeds()
        assert (f.url, f.source_url, f.etag) == (new, old, '"v1"')
        first = s.items()
        s.set_read([first[0].id])
        s.set_saved(first[1].id)
    # The next start: the config still names the old URL. Same feed, same items; only the new URL is asked,
    # conditionally.
    cli.run("fetch", "--all")
    feeds_out = cli.run("feeds").stdout
    assert "never fetched" not in feeds_out and new in feeds_out
    with cli.store() as s:
        (f,) = s.feeds()
        assert f.id == first[0].feed_id and f.url == new
        after = {i.id: i for i in s.items()}
        assert set(after) == {i.id for i in first}
        assert after[first[0].id].read and after[first[1].id].saved
    assert http_server.count("/old.xml") == 1
    assert http_server.count("/new.xml") == 2
    assert http_server.requests("/new.xml")[1].headers.get("if-none-match") == '"v1"'
    assert len(cli.run("list").stdout.strip().splitlines()) >= 3


def test_a_feed_added_by_its_web_page_polls_the_feed_and_both_are_one_subscription(
    cli: Reader, http_server: LoopbackServer
) -> None:
    page = http_server.serve("/blog/", PAGE, content_type="text/html", etag='"page"')
    feed_url = http_server.serve("/feed.xml", rss(2), etag='"feed"')
    cli.run(
        "add", "--no-check", page
    )  # `add` would try the page once more: the counts below are the fetches'
    cli.run("fetch", "--all")
    with cli.store() as s:
        (f,) = s.feeds()
        assert (f.url, f.source_url) == (feed_url, page) and s.count() == 2
    # The feed gains an item: the next poll asks the feed (with its validators), never the page.
    http_server.serve("/feed.xml", rss(3), etag='"feed2"')
    cli.run("fetch", "--all")
    assert http_server.count("/blog/") == 1 and http_server.count("/feed.xml") == 2
    with cli.store() as s:
        assert s.count() == 3
    # Subscribing to the feed itself, or to the page again, is the same subscription.
    cli.run("add", feed_url)
    again = cli.run("add", page).stdout
    assert "Already subscribed" in again and feed_url in again
    with cli.store() as s:
        assert len(s.feeds()) == 1


def test_a_page_whose_feed_is_subscribed_already_is_reported_as_a_duplicate(
    cli: Reader, http_server: LoopbackServer
) -> None:
    page = http_server.serve("/blog/", PAGE, content_type="text/html")
    feed_url = http_server.serve("/feed.xml", rss(2))
    cli.run("add", feed_url)
    cli.run("add", page)  # before any fetch, nothing can tell yet that the page is that feed's page
    cli.run("fetch", "--all")
    with cli.store() as s:
        by_url = {f.url: f for f in s.feeds()}
        assert by_url[feed_url].last_error is None and s.count() == 2  # stored once
        error = by_url[page].last_error or ""
        assert "subscribed already" in error and feed_url in error


def test_remove_then_add_again_brings_every_item_back(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/f.xml", rss(4), etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    cli.run("add", url)
    cli.run("fetch", "--all")
    with cli.store() as s:
        s.set_saved(s.items()[0].id)
    cli.run("remove", url)
    with cli.store() as s:
        assert s.count() == 1  # the saved one
    cli.run("add", url)
    cli.run("fetch", "--all")
    last = http_server.requests("/f.xml")[-1].headers
    assert "if-none-match" not in last and "if-modified-since" not in last
    with cli.store() as s:
        assert s.count() == 4


def test_a_config_without_feeds_keeps_the_archive_and_ids_are_never_reused(
    cli: Reader, http_server: LoopbackServer, tmp_path: Path
) -> None:
    a = http_server.serve("/a.xml", rss(3))
    b = http_server.serve("/b.xml", rss(2, start=10))
    cli.configure(a, b)
    cli.run("fetch", "--all")
    with cli.store() as s:
        before = {i.id: i for i in s.items()}
        newest = max(before)
        s.set_read([newest])
        saved = min(before)
        s.set_saved(saved)
    # Another config on the same data directory, listing no feeds; then one with only `a`.
    other = tmp_path / "other.toml"
    other.write_text(BASE)
    cli.run("list", config=other)
    with cli.store() as s:
        assert {i.id for i in s.items()} == set(before)
    cli.configure(a)
    cli.run("fetch", "--all")
    with cli.store() as s:
        assert {i.id for i in s.items()} == set(before)  # b's items stay until retention or `remove`
        assert [f.url for f in s.feeds()] == [a]  # b is no longer polled
    # The original config again: everything as it was, read and saved state included.
    cli.configure(a, b)
    cli.run("fetch", "--all")
    with cli.store() as s:
        after = {i.id: i for i in s.items()}
        assert set(after) == set(before) and after[newest].read and after[saved].saved
    # Drop b for good (its items go), then a new item arrives: it gets a fresh id, never one of b's.
    cli.configure(a)
    with cli.store() as s:
        s.remove_feed(b)
    http_server.serve("/a.xml", rss(4))
    cli.run("fetch", "--all")
    with cli.store() as s:
        fresh = {i.id for i in s.items()} - set(before)
        assert len(fresh) == 1 and min(fresh) > max(before)


def test_a_database_from_before_the_migration_keeps_items_articles_and_ids(tmp_path: Path) -> None:
    from reader.store.base import _split_sql
    from reader.store.schema import MIGRATIONS

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    for statement in _split_sql(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO feeds (id, url, added_at) VALUES (1, 'https://a.example/f', '2024-01-01')")
    for n in (1, 2, 7):
        conn.execute(
            "INSERT INTO items (id, feed_id, key, title, sort_date, first_seen, last_seen, content_hash, saved) "
            "VALUES (?, 1, ?, ?, '2024-01-01', '2024-01-01', '2024-01-01', 'h', ?)",
            (n, f"k{n}", f"Item {n}", int(n == 2)),
        )
    conn.execute(
        "INSERT INTO articles (item_id, markdown, text, word_count, reading_minutes, extractor_version, "
        "extracted_at) VALUES (2, '# Saved', 'Saved', 1, 1, 'x', '2024-01-01')"
    )
    conn.commit()
    conn.close()
    with Store.open(db) as s:
        assert sorted(i.id for i in s.items()) == [1, 2, 7]
        article = s.article_for(2)
        assert article is not None and article.markdown == "# Saved"
    check = sqlite3.connect(db)
    assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.execute("PRAGMA foreign_key_check").fetchall() == []
    (articles_sql,) = check.execute("SELECT sql FROM sqlite_master WHERE name = 'articles'").fetchone()
    assert 'REFERENCES "items"' in articles_sql  # the cascade points at the new items table
    assert check.execute("SELECT seq FROM sqlite_sequence WHERE name = 'items'").fetchone() == (7,)
    check.close()
    with Store.open(db) as s:
        s.remove_feed("https://a.example/f")  # deletes items 1 and 7; the saved one stays
        assert [i.id for i in s.items()] == [2]
        assert s.article_for(2) is not None


def test_fetch_feed_honours_a_retry_after_still_in_force(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/busy.xml", b"", status=429, headers={"Retry-After": "3600"})
    other = http_server.serve("/other.xml", rss(2))
    cli.run("add", "--no-check", url)  # (`add` tries a URL once: the counts below are the fetches')
    cli.run("add", "--no-check", other)
    cli.run("fetch", "--all")
    http_server.serve("/busy.xml", rss(2))  # the server would answer now, but asked us to wait an hour
    out = cli.run("fetch", "--feed", url, "--feed", other).stdout
    assert http_server.count("/busy.xml") == 1 and http_server.count("/other.xml") == 2
    assert "Not polled" in out and "HTTP 429" in out
    cli.run("fetch", "--all")  # --all overrides every schedule
    assert http_server.count("/busy.xml") == 2


def test_a_poll_where_every_feed_answers_304_loads_no_parser_no_tls_and_starts_no_worker(
    cli: Reader, http_server: LoopbackServer
) -> None:
    urls = [http_server.serve(f"/f{n}.xml", rss(2, start=10 * n), etag=f'"v{n}"') for n in range(3)]
    cli.configure(*urls)
    cli.run("fetch", "--all", "--no-fulltext")  # the first poll parses (and starts workers)
    probe = (
        "import sys, ssl, multiprocessing.forkserver as fs\n"
        "loads = []\n"
        "for name in ('load_verify_locations', 'load_default_certs'):\n"
        "    def counted(self, *a, _real=getattr(ssl.SSLContext, name), **k):\n"
        "        loads.append(1)\n"
        "        return _real(self, *a, **k)\n"
        "    setattr(ssl.SSLContext, name, counted)\n"
        "from reader.cli.commands import main\n"
        f"code = main(['--config', {str(cli.config)!r}, '--data-dir', {str(cli.data)!r}, "
        "'fetch', '--all', '--no-fulltext', '-q'])\n"
        "print(code, fs._forkserver._forkserver_pid, len(loads))\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('feedparser', 'lxml', 'readability', 'reader'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, env={**os.environ}
    )
    assert out.returncode == 0, out.stderr
    status, modules = out.stdout.splitlines()
    # exit 0, no fork server (so no parse worker) started, no CA bundle loaded (plain http needs no TLS)
    assert status == "0 None 0"
    loaded = set(modules.split())
    assert not {m for m in loaded if not m.startswith("reader")}, loaded
    assert not {"reader.feeds.parse", "reader.feeds.discover", "reader.extract.pipeline"} & loaded
    assert all(len(http_server.requests(f"/f{n}.xml")) == 2 for n in range(3))


def test_a_server_answering_304_to_a_first_request_shows_as_an_error_in_feeds(
    cli: Reader, http_server: LoopbackServer
) -> None:
    url = http_server.serve("/broken.xml", b"", status=304, content_type=None)
    cli.run("add", url)
    out = cli.run("fetch", "--all").stdout
    assert "1 failed" in out and "without validators" in out
    feeds = cli.run("feeds").stdout
    assert "error: HTTP 304 Not Modified to a request without validators" in feeds
    assert "never fetched" not in feeds
