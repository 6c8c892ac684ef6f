"""Issue 8's CLI faults, each as a user (or cron) meets it: real `reader` processes or `main()`, real SQLite files,
a loopback server. One test per fault; the names say which."""

from __future__ import annotations

import json
import os
import pty
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from feedbuild import rss
from httpserver import LoopbackServer
from test_cli import Reader, feed_with_pages, page

from reader.cli.commands import main
from reader.config.loader import parse_config
from reader.errors import ConfigError
from reader.store.feeds import Store

READER = (sys.executable, "-m", "reader")


@pytest.fixture
def cli(tmp_path: Path) -> Reader:
    return Reader(tmp_path)


def run_main(cli: Reader, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`main()` in this process (fast), for commands that do not start parse workers."""
    status = main(["--config", str(cli.config), "--data-dir", str(cli.data), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def seed(cli: Reader, url: str, body: bytes, **add: Any) -> list[int]:
    """Subscribe to `url` and store `body` as its first poll, straight through the store (no fetch process);
    returns the item ids, newest first."""
    from datetime import UTC, datetime

    from reader.feeds.parse import parse_feed
    from reader.models import FetchOutcome
    from reader.store.feeds import Store

    with Store.open(cli.data / "reader.db") as store:
        feed = store.add_feed(url, **add)
        parsed = parse_feed(body, url, {})
        store.apply_fetch(feed, FetchOutcome(url, 200, parsed=parsed, fetched_at=datetime.now(UTC)))
        return [i.id for i in store.items()]


def seed_pages(cli: Reader, http_server: LoopbackServer, full_text: int) -> list[int]:
    """A loopback feed of three items with pages; the newest `full_text` items get their page's article cached
    (as a prefetch would), the others have only the feed's text. Returns the ids, newest first."""
    from reader.extract.pipeline import extract
    from reader.store.feeds import Store

    url = feed_with_pages(http_server, "news", 3)
    ids = seed(cli, url, _news_feed(http_server))
    with Store.open(cli.data / "reader.db") as store:
        for item_id in ids[:full_text]:
            item = store.item(item_id)
            assert item is not None and item.link
            n = int(item.link.rsplit("/", 1)[1])
            store.store_article(item_id, extract(page(n), item.link), item.link)
    return ids


def _news_feed(http_server: LoopbackServer) -> bytes:
    base = http_server.base_url()
    items = "".join(
        f"<item><title>news story {n}</title><link>{base}/news/story/{n}</link><guid>news-{n}</guid>"
        f"<pubDate>Mon, 0{1 + n} Jan 2024 10:00:00 GMT</pubDate><description>Summary {n}</description></item>"
        for n in range(3)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>news</title>{items}</channel></rss>'.encode()


def one_line(err: str) -> str:
    """The one message on stderr (progress lines, which a fetch writes there, aside)."""
    lines = [line for line in err.strip().splitlines() if not line.startswith(("feeds ", "full text "))]
    assert len(lines) == 1, err
    assert lines[0].startswith("reader: "), err
    return lines[0]


# --- 5: quiet means silent ---------------------------------------------------------------------------------


def test_5_fetch_quiet_prints_nothing_unless_something_failed(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(3))
    run_main(cli, capsys, "add", str(feed))
    assert run_main(cli, capsys, "fetch", "-q", "--no-fulltext") == (0, "", "")  # polled, all well
    assert run_main(cli, capsys, "fetch", "--quiet", "--no-fulltext") == (
        0,
        "",
        "",
    )  # nothing due: cron must not mail
    status, out, _ = run_main(cli, capsys, "fetch", "--no-fulltext")
    assert status == 0 and "Nothing is due" in out  # not quiet: it says so
    feed.unlink()
    status, out, _ = run_main(cli, capsys, "fetch", "-q", "--all", "--no-fulltext")
    assert status == 0 and "1 failed" in out and feed.as_uri() in out and "No such file" in out


# --- 6: no terminal, no TUI --------------------------------------------------------------------------------


def test_6_reader_without_a_terminal_explains_and_exits_2(cli: Reader, tmp_path: Path) -> None:
    out_file = tmp_path / "out.txt"
    with out_file.open("w") as out:
        proc = subprocess.run(
            [sys.executable, "-m", "reader", "--config", str(cli.config), "--data-dir", str(cli.data)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 2
    assert "needs a terminal" in one_line(proc.stderr) and "standard input" in proc.stderr
    assert out_file.read_bytes() == b""  # no escape sequences written into the file
    # A terminal on stdin but output redirected to a file: still no TUI, and it says which one is missing.
    leader, follower = pty.openpty()
    try:
        with out_file.open("w") as out:
            proc = subprocess.run(
                [sys.executable, "-m", "reader", "--config", str(cli.config), "--data-dir", str(cli.data)],
                stdin=follower,
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
    finally:
        os.close(leader)
        os.close(follower)
    assert proc.returncode == 2 and "standard output is not one" in one_line(proc.stderr)
    assert out_file.read_bytes() == b""


# --- 7: add keeps to the config's limits, keeps settings, refuses what is not a feed -----------------------


@pytest.mark.parametrize("interval", ["0", "1s", "59s", "31d", "soon"])
def test_7_add_interval_obeys_the_configs_limits(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path, interval: str
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(1))
    status, out, err = run_main(cli, capsys, "add", str(feed), "--interval", interval)
    assert status == 2 and out == ""
    with pytest.raises(ConfigError) as info:
        parse_config(f'[[feeds]]\nurl = "https://example.org/"\npoll_interval = "{interval}"\n')
    assert one_line(err) == f"reader: --interval {info.value.reason}"  # the config's own words
    assert json.loads(run_main(cli, capsys, "feeds", "--json")[1]) == []


def test_7_add_accepts_intervals_within_the_limits(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(1))
    for interval, seconds in (("1m", 60), ("30d", 30 * 86400), ("1h30m", 5400)):
        status, _, _ = run_main(cli, capsys, "add", str(feed), "--interval", interval)
        assert status == 0
        _, out, _ = run_main(cli, capsys, "feeds", "--json")
        assert json.loads(out)[0]["poll_interval"] == seconds


def test_7_adding_again_without_flags_keeps_interval_and_fulltext_policy(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(1))
    assert run_main(cli, capsys, "add", str(feed), "--interval", "2h", "--fulltext", "off")[0] == 0
    status, out, _ = run_main(cli, capsys, "add", str(feed), "--tag", "later")
    assert status == 0 and out.startswith("Updated")
    (row,) = json.loads(run_main(cli, capsys, "feeds", "--json")[1])
    assert (row["poll_interval"], row["fulltext"], row["tags"]) == (7200, "off", ["later"])
    assert row["own_poll_interval"] and row["own_fulltext"]
    run_main(cli, capsys, "add", str(feed), "--fulltext", "on-open")
    (row,) = json.loads(run_main(cli, capsys, "feeds", "--json")[1])
    assert (row["poll_interval"], row["fulltext"]) == (7200, "on-open")


def test_7_add_refuses_a_missing_file_a_directory_and_a_404(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path, http_server: LoopbackServer
) -> None:
    missing = tmp_path / "nope.xml"
    status, out, err = run_main(cli, capsys, "add", str(missing))
    assert status == 1 and "Added" not in out and "no such file" in one_line(err) and "nope.xml" in err
    status, out, err = run_main(cli, capsys, "add", str(tmp_path))
    assert status == 1 and "Added" not in out and "is a directory" in one_line(err)
    gone = http_server.serve("/missing.xml", b"not here", status=404)
    status, out, err = run_main(cli, capsys, "add", gone)
    assert status == 1 and "Added" not in out and "404" in one_line(err) and gone in err
    assert json.loads(run_main(cli, capsys, "feeds", "--json")[1]) == []
    # Offline on purpose: --no-check subscribes without trying.
    assert run_main(cli, capsys, "add", "--no-check", gone)[0] == 0


def test_7_add_warns_but_adds_when_the_failure_may_pass(
    cli: Reader, capsys: pytest.CaptureFixture[str], http_server: LoopbackServer
) -> None:
    busy = http_server.serve("/busy.xml", b"later", status=503)
    down = http_server.refused_url("/feed.xml")
    for url, reason in ((busy, "503"), (down, "connect")):
        status, out, _ = run_main(cli, capsys, "add", url)
        assert status == 0 and out.startswith("Added") and "could not be fetched just now" in out
        assert reason in out
    urls = {r["url"] for r in json.loads(run_main(cli, capsys, "feeds", "--json")[1])}
    assert urls == {busy, down}


# --- 8: nothing could be stored: non-zero, one message -----------------------------------------------------


def checkpoint(db: Path) -> None:
    """Fold the WAL into the database file, so page offsets in the file are the real pages."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _prepared(cli: Reader, tmp_path: Path, items: int) -> Path:
    """A feed file polled once (10 items) that now holds `items`: the next fetch has new items to store."""
    feed = tmp_path / "feed.xml"
    seed(cli, feed.as_uri(), rss(10))
    feed.write_bytes(rss(items))
    db = cli.data / "reader.db"
    checkpoint(db)
    return db


def test_8_fetch_into_a_malformed_database_exits_1_with_one_message(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = _prepared(cli, tmp_path, 60)
    with db.open("r+b") as fh:  # wreck the items table's root page; the feeds table still reads fine
        fh.seek(5 * 4096)
        fh.write(b"\xff" * 4096)
    status, out, err = run_main(cli, capsys, "fetch", "--all", "--no-fulltext")
    assert status == 1 and out == ""
    line = one_line(err)
    assert "nothing could be stored" in line and str(db) in line and "malformed" in line


def test_8_fetch_onto_a_full_disk_exits_1_with_one_message(cli: Reader, tmp_path: Path) -> None:
    db = _prepared(cli, tmp_path, 400)
    size = db.stat().st_size

    def full_disk() -> None:  # no file may grow past a few pages: SQLite meets a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size + 8192, size + 8192))

    proc = subprocess.run(
        [
            *READER,
            "--config",
            str(cli.config),
            "--data-dir",
            str(cli.data),
            "fetch",
            "--all",
            "--no-fulltext",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=full_disk,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "nothing could be stored" in one_line(proc.stderr) and "Traceback" not in proc.stderr
    with Store.open(db) as store:
        assert store.count() == 10  # what was stored before is intact


# --- 9: clear messages instead of "internal error" ---------------------------------------------------------


def test_9_an_id_too_large_for_sqlite_is_a_usage_error(
    cli: Reader, capsys: pytest.CaptureFixture[str]
) -> None:
    for args in (
        ("show", "1" * 23),
        ("save", "99999999999999999999999"),
        ("list", "--limit", "9" * 23),
        ("fetch", "--lock-timeout", "nan"),  # would wait forever
    ):
        with pytest.raises(SystemExit) as exit_info:  # argparse's usage error
            run_main(cli, capsys, *args)
        err = capsys.readouterr().err
        assert exit_info.value.code == 2 and ("too large" in err or "finite number" in err)
        assert "internal error" not in err and "OverflowError" not in err


def _items(cli: Reader, tmp_path: Path, n: int) -> None:
    seed(cli, (tmp_path / "feed.xml").as_uri(), rss(n))


def _reader(cli: Reader, *args: str, stdout: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*READER, "--config", str(cli.config), "--data-dir", str(cli.data), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=60,
    )


def test_9_writing_to_a_full_stdout_is_one_message(cli: Reader, tmp_path: Path) -> None:
    _items(cli, tmp_path, 30)
    for args in (("list",), ("export",), ("show", "1")):
        with open("/dev/full", "w") as full:
            proc = _reader(cli, *args, stdout=full)
        assert proc.returncode == 1, (args, proc.stderr)
        assert "cannot write the output: No space left on device" in one_line(proc.stderr), args
        assert "internal error" not in proc.stderr and "Exception ignored" not in proc.stderr


def test_9_a_closed_stdout_is_one_message(cli: Reader, tmp_path: Path) -> None:
    _items(cli, tmp_path, 3)
    closed = ["sh", "-c", 'exec "$@" >&-', "sh"]  # run the command with stdout closed
    proc = subprocess.run(
        [*closed, *READER, "--config", str(cli.config), "--data-dir", str(cli.data), "list"],
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "standard output is closed" in one_line(proc.stderr)


def test_9_a_closed_pipe_on_stdout_is_quiet(cli: Reader, tmp_path: Path) -> None:
    _items(cli, tmp_path, 30)
    for args in (("list",), ("export",)):
        read_end, write_end = os.pipe()
        os.close(read_end)  # the reader of our output has gone before we write (like `| head` finishing)
        try:
            proc = _reader(cli, *args, stdout=write_end)
        finally:
            os.close(write_end)
        assert proc.returncode == 0 and proc.stderr == "", (args, proc.stderr)


def test_9_a_lock_path_that_is_a_directory_is_named(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _items(cli, tmp_path, 2)
    lock = cli.data / "reader.fetch.lock"
    lock.mkdir()
    status, _, err = run_main(cli, capsys, "fetch", "--all", "--no-fulltext")
    assert status == 1
    line = one_line(err)
    assert "cannot open the fetch lock" in line and str(lock) in line and "Is a directory" in line
    assert "internal error" not in line


# --- 11: config mistakes rejected by every command ---------------------------------------------------------

BAD_CONFIGS = [
    ('[keys]\nnext_unred = "n"\n', "keys.next_unred", 2),
    ('[keys]\nrefresh = "x"\nzen = "x"\n', "keys.zen", 3),
    ('[keys]\nrefresh = "dwon"\n', "keys.refresh", 2),
    ('[general]\ntheme = "neon"\n', "general.theme", 2),
    (
        '[[feeds]]\nurl = "https://example.org/feed"\n[[feeds]]\nurl = "https://Example.org:443/feed#x"\n',
        "feeds[2].url",
        4,
    ),
]


@pytest.mark.parametrize(("text", "key", "line"), BAD_CONFIGS)
def test_11_config_mistakes_are_one_line_errors_for_every_command(
    cli: Reader, capsys: pytest.CaptureFixture[str], text: str, key: str, line: int
) -> None:
    cli.config.write_text(text)
    for args in (("list",), ("feeds",), ("fetch", "--all"), ("add", "--no-check", "https://a.example/"), ()):
        status, out, err = run_main(cli, capsys, *args)
        assert status == 2 and out == "", (args, err)
        assert one_line(err).startswith(f"reader: config error in {cli.config}:{line}: key '{key}'"), err
    assert not cli.data.exists()  # rejected before anything was opened or synced


# --- the smaller ones ----------------------------------------------------------------------------------------


def test_export_dash_writes_to_stdout_not_a_file(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(rss(1))
    run_main(cli, capsys, "add", str(feed))
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    proc = cli.run("export", "-")
    assert proc.stdout.startswith("<?xml") and feed.as_uri() in proc.stdout
    assert list(work.iterdir()) == []


def test_show_json_has_the_published_date_list_has(
    cli: Reader, capsys: pytest.CaptureFixture[str], http_server: LoopbackServer
) -> None:
    seed_pages(cli, http_server, full_text=1)  # one item with its page's text, two with the feed's only
    items = json.loads(run_main(cli, capsys, "list", "--json")[1])
    assert sorted(i["has_full_text"] for i in items) == [False, False, True]
    for item in items:
        shown = json.loads(run_main(cli, capsys, "show", str(item["id"]), "--format", "json")[1])
        assert item["published"] and shown["published"] == item["published"]


def test_list_says_its_times_are_utc(cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _items(cli, tmp_path, 2)
    lines = run_main(cli, capsys, "list")[1].splitlines()
    assert len(lines) == 2 and all(" UTC " in line for line in lines)
    assert "2024-01-02 10:00 UTC" in lines[0]  # feedbuild's dates are 10:00 GMT


def test_import_says_how_many_entries_were_skipped_and_why(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline text="Good" type="rss" xmlUrl="https://good.example/feed"/>'
        '<outline text="Script" type="rss" xmlUrl="javascript:alert(1)"/>'
        '<outline text="Scraped" type="HTML+XPath" xmlUrl="https://page.example/"/>'
        '<outline text="Elsewhere" type="include" url="https://lists.example/more.opml"/>'
        "</body></opml>"
    )
    status, out, _ = run_main(cli, capsys, "import", str(opml))
    assert status == 0
    assert "Imported 1 feeds" in out and "skipped 3 entries" in out
    assert "Script: not an http(s) feed URL" in out and 'Scraped: type "html+xpath" is not a feed' in out
    assert "Elsewhere" in out


def test_feeds_json_has_interval_and_fulltext_policy(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    cli.config.write_text('[general]\npoll_interval = "45m"\n[fulltext]\npolicy = "on-open"\n')
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    a.write_bytes(rss(1))
    b.write_bytes(rss(1))
    run_main(cli, capsys, "add", str(a))
    run_main(cli, capsys, "add", str(b), "--interval", "3h", "--fulltext", "off")
    rows = {r["url"]: r for r in json.loads(run_main(cli, capsys, "feeds", "--json")[1])}
    assert (rows[a.as_uri()]["poll_interval"], rows[a.as_uri()]["fulltext"]) == (2700, "on-open")
    assert not rows[a.as_uri()]["own_poll_interval"] and not rows[a.as_uri()]["own_fulltext"]
    assert (rows[b.as_uri()]["poll_interval"], rows[b.as_uri()]["fulltext"]) == (10800, "off")
    assert "every 3h, full text off" in run_main(cli, capsys, "feeds")[1]


def test_save_fetches_the_full_text_now(
    cli: Reader, capsys: pytest.CaptureFixture[str], http_server: LoopbackServer
) -> None:
    newest, older, _ = seed_pages(cli, http_server, full_text=0)
    status, out, _ = run_main(cli, capsys, "save", str(newest))
    assert status == 0 and out == f"Saved item {newest} with its full text.\n"
    (saved,) = json.loads(run_main(cli, capsys, "list", "--saved", "--json")[1])
    assert saved["id"] == newest and saved["has_full_text"]
    assert "Paragraph 11" in run_main(cli, capsys, "show", str(newest))[1]
    # A page that cannot be fetched: saved all the same, and it says the feed's text is what is kept.
    http_server.serve("/news/story/1", b"", status=500)
    status, out, _ = run_main(cli, capsys, "save", str(older))
    assert status == 0 and "could not be fetched" in out and "500" in out and "feed's text is kept" in out
    saved_ids = {i["id"] for i in json.loads(run_main(cli, capsys, "list", "--saved", "--json")[1])}
    assert saved_ids == {newest, older}


def test_mark_read_a_whole_feed_or_tag(
    cli: Reader, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    a, b = tmp_path / "a.xml", tmp_path / "b.xml"
    a.write_bytes(rss(3, title="A"))
    b.write_bytes(rss(2, title="B"))
    seed(cli, a.as_uri(), a.read_bytes(), tags=["eu"])
    seed(cli, b.as_uri(), b.read_bytes(), tags=["us"])
    status, out, _ = run_main(cli, capsys, "mark-read", "--feed", str(a))
    assert status == 0 and "Marked 3 items" in out
    unread = json.loads(run_main(cli, capsys, "list", "--unread", "--json")[1])
    assert {i["feed_url"] for i in unread} == {b.as_uri()} and len(unread) == 2
    status, out, _ = run_main(cli, capsys, "mark-read", "--tag", "us")
    assert status == 0 and "Marked 2 items of tag us read" in out
    assert json.loads(run_main(cli, capsys, "list", "--unread", "--json")[1]) == []
    status, _, err = run_main(cli, capsys, "mark-read", "--tag", "nope")
    assert status == 1 and "no such tag: nope" in one_line(err)
    status, _, err = run_main(cli, capsys, "mark-read")
    assert status == 2 and "--feed" in one_line(err)


def test_show_and_export_saved_print_the_same_article(
    cli: Reader, capsys: pytest.CaptureFixture[str], http_server: LoopbackServer, tmp_path: Path
) -> None:
    ids = [str(i) for i in seed_pages(cli, http_server, full_text=1)]
    run_main(cli, capsys, "save", "--no-fulltext", *ids)
    out = tmp_path / "saved"
    run_main(cli, capsys, "export-saved", str(out))
    bodies = {
        f.name.rsplit("-", 1)[1].removesuffix(".md"): f.read_text().split("---\n\n", 1)[1]
        for f in out.iterdir()
    }
    assert sorted(bodies) == sorted(ids)
    for item_id in ids:  # full text and feed content alike
        assert run_main(cli, capsys, "show", item_id)[1] == bodies[item_id]


def test_11_feeds_stored_under_an_old_spelling_keep_their_items(
    cli: Reader, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database from before URLs had one spelling: the configured feed matches its old row."""
    old = "https://Example.ORG:443/feed#top"
    ids = seed(cli, old, rss(3), title="Old row")
    with Store.open(cli.data / "reader.db") as store:
        store.set_read(ids[:1])
        store.set_saved(ids[1])
    cli.config.write_text('[[feeds]]\nurl = "https://example.org/feed"\n')
    (row,) = json.loads(run_main(cli, capsys, "feeds", "--json")[1])
    assert row["url"] == "https://example.org/feed" and row["items"] == 3 and row["title"] == "Old row"
    items = {i["id"]: i for i in json.loads(run_main(cli, capsys, "list", "--json")[1])}
    assert sorted(items) == sorted(ids) and items[ids[0]]["read"] and items[ids[1]]["saved"]
