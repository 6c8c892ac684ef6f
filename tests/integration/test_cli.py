"""The CLI as a user runs it (its `main()` in-process: tests/clirun.py), a real loopback server, a real SQLite
file; a real process where the process is the point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from clirun import run_cli
from feedbuild import rss
from httpserver import LoopbackServer

from reader.fetch.lock import FetchLock
from reader.store.feeds import Store

CONFIG = """
[general]
poll_interval = "30m"
[fetch]
connect_timeout = 2
read_timeout = 2
deadline = 5
[fulltext]
policy = "prefetch"
first_poll_items = 2
"""


class Reader:
    def __init__(self, tmp_path: Path) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.data = tmp_path / "data"
        self.config = tmp_path / "config.toml"
        self.config.write_text(CONFIG)

    def run(
        self, *args: str, ok: bool = True, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        proc = run_cli(self.config, self.data, *args, env=env)
        if ok:
            assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--json").stdout)


@pytest.fixture
def cli(tmp_path: Path) -> Reader:
    return Reader(tmp_path)


def page(n: int) -> bytes:
    paras = "".join(
        f"<p>Paragraph {k} of story {n}: the regulator said the rule would take effect soon.</p>"
        for k in range(12)
    )
    return (
        f"<html><head><title>Story {n}</title></head><body><nav>Home | News</nav>"
        f"<article><h1>Story {n}</h1>{paras}<p>Read More: Another story</p></article>"
        "<footer>Subscribe to our newsletter</footer></body></html>"
    ).encode()


def feed_with_pages(server: LoopbackServer, name: str, n_items: int) -> str:
    base = server.base_url()
    items = []
    for n in range(n_items):
        server.serve(f"/{name}/story/{n}", page(n), content_type="text/html; charset=utf-8")
        items.append(
            f"<item><title>{name} story {n}</title><link>{base}/{name}/story/{n}</link><guid>{name}-{n}</guid>"
            f"<pubDate>Mon, 0{1 + n % 9} Jan 2024 10:00:00 GMT</pubDate><description>Summary {n}</description></item>"
        )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{"".join(items)}</channel></rss>'
    return server.serve(f"/{name}.xml", body.encode(), etag=f'"{name}-v1"')


def test_main_flow_add_fetch_list_save_read(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/feed.xml", rss(5, title="Policy news"), etag='"v1"')
    out = cli.run("add", url, "--tag", "privacy", "--title", "My policy feed")
    assert "Added My policy feed" in out.stdout
    fetch = cli.run("fetch", "--all", "--no-fulltext")
    assert "Polled 1 feeds" in fetch.stdout and "5 new items" in fetch.stdout
    items = cli.json("list")
    assert [i["title"] for i in items][:2] == ["Item 4", "Item 3"]  # newest first
    assert {"id", "feed_url", "feed_title", "title", "link", "published", "read", "saved"} <= set(items[0])
    assert items[0]["feed_title"] == "My policy feed" and items[0]["published"].startswith("2024-01-05")
    first = str(items[0]["id"])
    cli.run("save", first)
    cli.run("mark-read", first)
    saved = cli.json("list", "--saved")
    assert [i["id"] for i in saved] == [items[0]["id"]] and saved[0]["read"] is True
    assert len(cli.json("list", "--unread")) == 4
    assert len(cli.json("list", "--limit", "2")) == 2
    assert [i["title"] for i in cli.json("list", "--search", "Item 3")] == ["Item 3"]
    cli.run("mark-unread", first)
    cli.run("unsave", first)
    assert cli.json("list", "--saved") == []
    feeds = cli.json("feeds")
    assert feeds[0]["items"] == 5 and feeds[0]["unread"] == 5 and feeds[0]["last_status"] == 200
    assert feeds[0]["tags"] == ["privacy"] and feeds[0]["next_due"]
    # A second fetch is conditional and answered 304.
    cli.run("fetch", "--all", "--no-fulltext")
    assert http_server.requests("/feed.xml")[-1].headers.get("if-none-match") == '"v1"'
    assert len(cli.json("list")) == 5
    plain = cli.run("list").stdout
    assert "Item 4" in plain and "My policy feed" in plain


def test_fetch_reports_failing_feeds_and_still_exits_zero(cli: Reader, http_server: LoopbackServer) -> None:
    good = http_server.serve("/good.xml", rss(2))
    bad = http_server.serve("/gone.xml", b"gone", status=410)
    cli.run("add", good)
    cli.run("add", "--no-check", bad)
    out = cli.run("fetch", "--all", "--no-fulltext")
    assert "1 failed" in out.stdout
    assert bad in out.stdout and "410" in out.stdout
    assert len(cli.json("list")) == 2


def test_fetch_only_polls_due_feeds(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/feed.xml", rss(2))
    cli.run("add", "--no-check", url)
    cli.run("fetch", "--no-fulltext")
    out = cli.run("fetch", "--no-fulltext")
    assert "Nothing is due" in out.stdout
    assert http_server.count("/feed.xml") == 1


def test_prefetch_full_text_first_poll_is_limited(cli: Reader, http_server: LoopbackServer) -> None:
    url = feed_with_pages(http_server, "news", 6)
    cli.run("add", url)
    out = cli.run("fetch", "--all")
    assert "Full text: 2 pages" in out.stdout
    fetched = [n for n in range(6) if http_server.count(f"/news/story/{n}")]
    assert len(fetched) == 2  # only the newest few on a feed's first poll
    with Store.open(cli.data / "reader.db") as store:
        with_article = [i for i in store.items() if i.has_article]
        assert len(with_article) == 2
        art = store.article_for(with_article[0].id)
        assert art is not None and "Paragraph 11" in art.text and "Read More" not in art.text


def test_prefetch_never_follows_links_to_other_private_hosts(
    cli: Reader, http_server: LoopbackServer
) -> None:
    http_server.add_host("127.0.0.9")
    http_server.serve("/secret", page(1), content_type="text/html")
    target = http_server.url("/secret", host="127.0.0.9")
    body = f'<rss version="2.0"><channel><title>x</title><item><title>t</title><link>{target}</link><guid>1</guid></item></channel></rss>'
    url = http_server.serve("/feed.xml", body.encode())
    cli.run("add", url)
    out = cli.run("fetch", "--all")
    assert http_server.count("/secret") == 0
    assert "full text failed" in out.stdout


def test_no_fulltext_skips_pages(cli: Reader, http_server: LoopbackServer) -> None:
    url = feed_with_pages(http_server, "news", 3)
    cli.run("add", url)
    cli.run("fetch", "--all", "--no-fulltext")
    assert all(http_server.count(f"/news/story/{n}") == 0 for n in range(3))


def test_export_import_round_trip(cli: Reader, http_server: LoopbackServer, tmp_path: Path) -> None:
    a = http_server.serve("/a.xml", rss(1))
    b = http_server.serve("/b.xml", rss(1))
    cli.run("add", a, "--tag", "ai", "--title", "Feed A")
    cli.run("add", b, "--tag", "eu", "--tag", "privacy")
    opml = tmp_path / "out.opml"
    cli.run("export", str(opml))
    assert b"<opml" in opml.read_bytes()
    other = Reader(tmp_path / "second")
    out = other.run("import", str(opml))
    assert "Imported 2 feeds" in out.stdout
    feeds = {f["url"]: f for f in other.json("feeds")}
    assert feeds[a]["title"] == "Feed A" and feeds[a]["tags"] == ["ai"]
    assert sorted(feeds[b]["tags"]) == ["eu", "privacy"]
    assert cli.run("export").stdout.startswith("<?xml")


def test_remove_keeps_saved_items(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/feed.xml", rss(3))
    cli.run("add", url)
    cli.run("fetch", "--all", "--no-fulltext")
    item = cli.json("list")[0]
    cli.run("save", str(item["id"]))
    cli.run("remove", url)
    assert cli.json("feeds") == []
    assert [i["id"] for i in cli.json("list", "--saved")] == [item["id"]]
    # Its row stays for the saved item, not polled: `feeds --all` lists it and says why.
    [kept] = cli.json("feeds", "--all")
    assert (kept["url"], kept["active"], kept["items"]) == (url, False, 1)
    assert "unsubscribed" in kept["not_polled"]
    assert "1 feed no longer polled holds 1 item," in cli.run("feeds").stdout


def test_a_feed_dropped_from_the_config_is_listed_as_not_polled_and_never_fetched(
    cli: Reader, http_server: LoopbackServer
) -> None:
    kept = http_server.serve("/kept.xml", rss(1, title="Kept"))
    dropped = http_server.serve("/dropped.xml", rss(2, title="Dropped", start=5))
    cli.config.write_text(f'[[feeds]]\nurl = "{kept}"\n[[feeds]]\nurl = "{dropped}"\n')
    cli.run("fetch", "--all", "--no-fulltext")
    cli.config.write_text(f'[[feeds]]\nurl = "{kept}"\n')
    http_server.reset_log()
    assert [f["url"] for f in cli.json("feeds")] == [kept]
    listed = {f["url"]: f for f in cli.json("feeds", "--all")}
    assert [u for u in listed] == [kept, dropped]  # the polled ones first
    assert (listed[dropped]["active"], listed[dropped]["items"], listed[dropped]["unread"]) == (False, 2, 2)
    assert listed[kept]["active"] and listed[kept]["not_polled"] is None
    text = cli.run("feeds", "--all").stdout
    assert "Dropped\n  " + dropped + "\n  2 items, 2 unread; not polled: no longer in the config" in text
    named = cli.run("fetch", "--feed", dropped, "--all", "--no-fulltext").stdout
    assert f"Not polled: Dropped <{dropped}>: no longer in the config" in named
    cli.run("fetch", "--feed", dropped, "--no-fulltext")
    cli.run("fetch", "--all", "--no-fulltext")
    assert http_server.count("/dropped.xml") == 0 and http_server.count("/kept.xml") == 1
    assert len(cli.json("list", "--feed", dropped)) == 2  # its items are still listed


def test_bad_config_is_one_clear_message_and_status_2(cli: Reader) -> None:
    cli.config.write_text('[general]\npoll_interval = "soon"\n')
    proc = cli.run("feeds", ok=False)
    assert proc.returncode == 2
    assert str(cli.config) in proc.stderr and "poll_interval" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_explicit_config_is_an_error(cli: Reader, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reader", "--config", str(tmp_path / "nope.toml"), "feeds"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "nope.toml" in proc.stderr and "Traceback" not in proc.stderr


def test_unwritable_data_dir_fails_clearly(cli: Reader, tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a dir")
    cli.data = blocker / "data"
    proc = cli.run("fetch", ok=False)
    assert proc.returncode == 1 and "reader:" in proc.stderr and str(blocker) in proc.stderr


def test_corrupt_database_fails_clearly(cli: Reader) -> None:
    cli.data.mkdir(parents=True)
    (cli.data / "reader.db").write_bytes(b"garbage" * 1000)
    proc = cli.run("list", ok=False)
    assert proc.returncode == 1 and "not a SQLite database" in proc.stderr


def test_second_fetch_waits_then_exits_cleanly_when_locked(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/feed.xml", rss(1))
    cli.run("add", "--no-check", url)
    lock = FetchLock(cli.data / "reader.fetch.lock")
    lock.acquire()
    try:
        proc = cli.run("fetch", "--all", "--lock-timeout", "0.3", ok=False)
    finally:
        lock.release()
    assert proc.returncode == 1 and "another fetch is running" in proc.stderr
    assert http_server.count("/feed.xml") == 0
    cli.run("fetch", "--all", "--no-fulltext")
    assert http_server.count("/feed.xml") == 1


def test_unknown_item_id_is_a_clear_error(cli: Reader) -> None:
    proc = cli.run("save", "999", ok=False)
    assert proc.returncode == 1 and "no such item: 999" in proc.stderr


def test_every_command_has_help(cli: Reader) -> None:
    top = cli.run("--help").stdout
    commands = [
        "fetch",
        "list",
        "feeds",
        "add",
        "remove",
        "import",
        "export",
        "save",
        "unsave",
        "mark-read",
        "mark-unread",
        "extract",
        "show",
        "export-saved",
    ]
    for name in commands:
        assert name in top
        assert "usage: reader" in cli.run(name, "--help").stdout


def test_extract_a_file_as_text_and_json(cli: Reader, tmp_path: Path) -> None:
    f = tmp_path / "page.html"
    f.write_bytes(page(7))
    text = cli.run("extract", str(f), "--format", "text").stdout
    assert "Paragraph 11 of story 7" in text and "Subscribe" not in text and "Read More" not in text
    data = json.loads(cli.run("extract", str(f), "--format", "json").stdout)
    assert data["word_count"] > 100 and "markdown" in data
    md = subprocess.run(
        [sys.executable, "-m", "reader", "extract", "-", "--url", "https://example.org/a"],
        input=page(3),
        capture_output=True,
        timeout=60,
    )
    assert md.returncode == 0 and b"Paragraph 2 of story 3" in md.stdout


def test_show_prints_the_cached_article_or_the_feed_content(cli: Reader, http_server: LoopbackServer) -> None:
    url = feed_with_pages(http_server, "news", 3)
    cli.run("add", url)
    cli.run("fetch", "--all")
    items = cli.json("list")
    with_text = next(i for i in items if i["has_full_text"])
    without = next(i for i in items if not i["has_full_text"])
    text = cli.run("show", str(with_text["id"]), "--format", "text").stdout
    assert text.startswith(with_text["title"]) and "Paragraph 11 of story" in text
    feed_only = cli.run("show", str(without["id"]), "--mark-read").stdout
    assert feed_only.startswith("# " + without["title"]) and "Summary" in feed_only
    assert next(i for i in cli.json("list") if i["id"] == without["id"])["read"] is True
    data = json.loads(cli.run("show", str(with_text["id"]), "--format", "json").stdout)
    assert data["url"] == with_text["link"] and data["word_count"] > 100
    assert cli.run("show", "99999", ok=False).returncode == 1


def test_local_file_feed(cli: Reader, tmp_path: Path) -> None:
    f = tmp_path / "local.xml"
    f.write_bytes(rss(3, title="Local"))
    cli.run("add", str(f))
    cli.run("fetch", "--all", "--no-fulltext")
    assert len(cli.json("list")) == 3


def test_extract_a_url(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/page.html", page(5), content_type="text/html; charset=utf-8")
    text = cli.run("extract", url, "--format", "text").stdout
    assert "Paragraph 11 of story 5" in text and "Read More" not in text
    gone = http_server.serve("/gone.html", b"", status=404)
    proc = cli.run("extract", gone, ok=False)
    assert proc.returncode == 1 and "404" in proc.stderr


def test_export_saved_writes_markdown_files(cli: Reader, http_server: LoopbackServer, tmp_path: Path) -> None:
    url = feed_with_pages(http_server, "news", 3)
    cli.run("add", url)
    cli.run("fetch", "--all")
    items = cli.json("list")
    with_text = next(i for i in items if i["has_full_text"])
    without = next(i for i in items if not i["has_full_text"])
    cli.run("save", "--no-fulltext", str(with_text["id"]), str(without["id"]))
    out = tmp_path / "saved"
    assert "Wrote 2 saved items" in cli.run("export-saved", str(out)).stdout
    files = sorted(out.glob("*.md"))
    assert {f.name.rsplit("-", 1)[1] for f in files} == {f"{with_text['id']}.md", f"{without['id']}.md"}
    texts = {f.name: f.read_text() for f in files}
    full = next(t for t in texts.values() if with_text["title"] in t and "Paragraph 11" in t)
    assert 'source: "full text"' in full and f'link: "{with_text["link"]}"' in full
    assert any('source: "feed content"' in t and "Summary" in t for t in texts.values())


def test_saved_file_names_are_safe_slugs() -> None:
    from reader.cli.saved import slug

    assert slug("Senate passes the AI Act — finally!") == "senate-passes-the-ai-act-finally"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("Économie numérique") == "economie-numerique"
    assert slug("…") == "item" and len(slug("x" * 500)) == 60


def test_offline_fetch_says_so_once_and_keeps_the_archive(cli: Reader, http_server: LoopbackServer) -> None:
    url = http_server.serve("/feed.xml", rss(2))
    cli.run("add", url)
    cli.run("fetch", "--all", "--no-fulltext")
    http_server.stop()  # the network is gone
    out = cli.run("fetch", "--all", "--no-fulltext")
    assert out.stdout.count("No feed could be reached") == 1 and "archive is intact" in out.stdout
    assert len(cli.json("list")) == 2
    feed = cli.json("feeds")[0]
    assert feed["failures"] == 1 and feed["last_error"]


def test_a_future_dated_item_keeps_its_real_date(cli: Reader, http_server: LoopbackServer) -> None:
    # Issue 9: the date was clamped to the time of fetching, so list/show never gave the feed's real date.
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    ahead = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    item = (
        f"<item><title>Scheduled post</title><guid>sched-1</guid><link>https://example.org/sched</link>"
        f"<pubDate>{format_datetime(ahead, usegmt=True)}</pubDate><description>Soon</description></item>"
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Sched</title>{item}</channel></rss>'
    url = http_server.serve("/future.xml", body.encode())
    cli.run("add", url)
    cli.run("fetch", "--all", "--no-fulltext")
    items = cli.json("list")
    sched = next(i for i in items if i["title"] == "Scheduled post")
    assert datetime.fromisoformat(sched["published"]) == ahead
    shown = json.loads(cli.run("show", str(sched["id"]), "--format", "json").stdout)
    assert datetime.fromisoformat(shown["published"]) == ahead
