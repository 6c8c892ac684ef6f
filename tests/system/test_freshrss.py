"""Sync against a real FreshRSS 1.24.3 on loopback (opt-in).

Runs when READER_TEST_FRESHRSS names a FreshRSS tree (tag 1.24.3, exported from the public repository; never
copied into this one) and PHP is installed; ../shared/tools/freshrss/start-freshrss.sh (or
READER_TEST_FRESHRSS_SCRIPT) starts a throw-away instance in a temporary directory. Skipped otherwise, saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from feedbuild import rss
from httpserver import LoopbackServer

from reader.config.sync import SyncSettings
from reader.models import View, ViewKind
from reader.store.feeds import Store
from reader.sync.client import READ_TAG, READING_LIST, STARRED, STARRED_TAG, GReaderClient
from reader.sync.engine import run_sync
from reader.sync.pull import pull

ROOT = Path(__file__).resolve().parents[2]
TREE = os.environ.get("READER_TEST_FRESHRSS", "")
SCRIPT = Path(
    os.environ.get("READER_TEST_FRESHRSS_SCRIPT", ROOT.parent / "shared/tools/freshrss/start-freshrss.sh")
)
API_PASSWORD = "reader-api-pw"


def _why_skip() -> str | None:
    if not TREE:
        return "READER_TEST_FRESHRSS is not set (it names a FreshRSS 1.24.3 tree; see tests/system/test_freshrss.py)"
    if not (Path(TREE) / "p/api/greader.php").is_file():
        return f"READER_TEST_FRESHRSS={TREE} is not a FreshRSS tree (no p/api/greader.php)"
    if not SCRIPT.is_file():
        return f"no start-freshrss.sh at {SCRIPT} (set READER_TEST_FRESHRSS_SCRIPT)"
    if shutil.which("php") is None:
        return (
            "php is not installed (Debian: php8.2-cli php8.2-sqlite3 php8.2-curl php8.2-xml php8.2-mbstring)"
        )
    return None


pytestmark = pytest.mark.skipif(_why_skip() is not None, reason=_why_skip() or "")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FreshRSS:
    work: Path
    port: int
    api_url: str

    def script(self, *args: str) -> str:
        env = {**os.environ, "FRESHRSS_SRC": TREE, "FRESHRSS_NO_APT": "1"}
        proc = subprocess.run(
            ["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    def actualize(self) -> None:
        self.script("actualize", str(self.work))

    def stop(self) -> None:
        self.script("stop", str(self.work))

    def start(self, *feeds: str) -> None:
        self.script("start", str(self.work), str(self.port), *feeds)

    def client(self, password: str = API_PASSWORD) -> GReaderClient:
        return GReaderClient(self.api_url, "reader", password, timeout=20)

    def state(self) -> tuple[set[int], set[int], set[int]]:
        """(all, unread, starred) item ids, straight from the server."""
        with self.client() as c:
            return (
                set(c.item_ids(READING_LIST)),
                set(c.item_ids(READING_LIST, exclude=READ_TAG)),
                set(c.item_ids(STARRED)),
            )


@pytest.fixture
def feeds() -> Iterator[LoopbackServer]:
    server = LoopbackServer().start()
    server.serve("/a.xml", rss(4, title="Feed A", start=0))
    server.serve("/b.xml", rss(3, title="Feed B", start=100))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def freshrss(tmp_path: Path, feeds: LoopbackServer) -> Iterator[FreshRSS]:
    port = _free_port()
    fr = FreshRSS(tmp_path / "freshrss", port, f"http://127.0.0.1:{port}/api/greader.php")
    fr.start(feeds.url("/a.xml"), feeds.url("/b.xml"))
    try:
        yield fr
    finally:
        fr.stop()


def _settings(fr: FreshRSS, password: str = API_PASSWORD) -> SyncSettings:
    return SyncSettings(kind="greader", url=fr.api_url, user="reader", password=password, timeout=20)


def _links(store: Store) -> dict[str, tuple[int, bool, bool, int | None]]:
    sids = dict(store._read("SELECT id, server_id FROM items"))
    return {i.link or "": (i.id, i.read, i.saved, sids.get(i.id)) for i in store.items()}


def _post(n: int) -> str:
    return f"https://example.org/posts/{n}"


def test_round_trip_with_freshrss(tmp_path: Path, freshrss: FreshRSS, feeds: LoopbackServer) -> None:
    store = Store.open(tmp_path / "reader.db")
    try:
        settings = _settings(freshrss)
        # First pull: both feeds, every item, all unread, folders as tags.
        report = run_sync(store, settings, env={})
        assert report.pull is not None and report.pull.new_items == 7
        assert {f.url for f in store.feeds()} == {feeds.url("/a.xml"), feeds.url("/b.xml")}
        assert all(f.tags == ("Tests",) for f in store.feeds())
        items = _links(store)
        assert set(items) == {_post(n) for n in (0, 1, 2, 3, 100, 101, 102)}
        assert not any(read for _, read, _, _ in items.values())

        # Local changes reach the server: read, save.
        store.set_read([items[_post(0)][0]])
        store.set_saved(items[_post(1)][0], True)
        run_sync(store, settings, env={})
        _all, unread, starred = freshrss.state()
        assert items[_post(0)][3] not in unread and items[_post(1)][3] in starred

        # Server changes reach us: item 2 read and item 100 starred on another device.
        with freshrss.client() as c:
            c.login()
            c.edit_tag([items[_post(2)][3] or 0], add=READ_TAG)
            c.edit_tag([items[_post(100)][3] or 0], add=STARRED_TAG)
        run_sync(store, settings, env={})
        now = _links(store)
        assert now[_post(2)][1] is True and now[_post(100)][2] is True

        # Unsave reaches the server as unstar.
        store.set_saved(items[_post(1)][0], False)
        run_sync(store, settings, env={})
        assert items[_post(1)][3] not in freshrss.state()[2]

        # A pending local change wins over older server state: unread here, still read there until pushed.
        store.set_read([items[_post(2)][0]], False)
        with freshrss.client() as c:
            pull(store, c)
        assert _links(store)[_post(2)][1] is False
        run_sync(store, settings, env={})
        assert items[_post(2)][3] in freshrss.state()[1]

        # Mark a feed read here; an item the server gets afterwards stays unread on both sides.
        feed_a = store.feed_by_url(feeds.url("/a.xml"))
        assert feed_a is not None
        store.mark_view_read(View(kind=ViewKind.FEED, feed_id=feed_a.id))
        feeds.serve("/a.xml", rss(5, title="Feed A", start=0))
        freshrss.actualize()
        report = run_sync(store, settings, env={})
        assert report.pull is not None and report.pull.new_items == 1
        now = _links(store)
        assert now[_post(4)][1] is False  # new on the server: unread
        _all, unread, _starred = freshrss.state()
        assert now[_post(4)][3] in unread
        assert not ({now[_post(n)][3] for n in range(4)} & unread)

        # No duplicates after repeated syncs.
        for _ in range(2):
            run_sync(store, settings, env={})
        assert store.count() == 8 and store.pending_changes() == 0
        assert len(freshrss.state()[0]) == 8
    finally:
        store.close()


def _reader(tmp_path: Path, fr: FreshRSS, password: str) -> tuple[list[str], dict[str, str]]:
    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nurl = "{fr.api_url}"\nuser = "reader"\ntimeout = "10s"\n')
    config.chmod(0o600)
    env = {**os.environ, "READER_SYNC_PASSWORD": password, "NO_COLOR": "1"}
    base = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(tmp_path / "data")]
    return base, env


def test_cli_offline_changes_wrong_password_and_subscribe(
    tmp_path: Path, freshrss: FreshRSS, feeds: LoopbackServer
) -> None:
    base, env = _reader(tmp_path, freshrss, API_PASSWORD)

    def run(*args: str, password: str = API_PASSWORD) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [*base, *args],
            capture_output=True,
            text=True,
            env={**env, "READER_SYNC_PASSWORD": password},
            timeout=60,
        )
        assert "Traceback" not in proc.stderr
        return proc

    assert run("sync").returncode == 0
    assert run("fetch", "--all").returncode == 0  # syncs first; the server's feeds are not polled here
    by_reader = [r for r in feeds.requests() if r.headers.get("user-agent", "").startswith("reader-tui")]
    assert feeds.requests("/a.xml") and not by_reader  # FreshRSS polled them; the reader did not

    # Wrong password: one clear line, the secret nowhere, nothing lost.
    bad = run("sync", password="not-the-password-42")
    assert bad.returncode == 1
    assert "refused the login" in bad.stderr and "not-the-password-42" not in bad.stderr + bad.stdout
    assert len(bad.stderr.strip().splitlines()) == 1

    # Server down: changes are kept, `reader sync` fails short, and they are pushed when it is back.
    freshrss.stop()
    run("mark-read", "1", "2")
    run("save", "3")
    down = run("sync")
    assert down.returncode == 1 and "cannot connect" in down.stderr and "3 changes are kept" in down.stderr
    freshrss.start()
    back = run("sync")
    assert back.returncode == 0, back.stderr
    store = Store.open(tmp_path / "data" / "reader.db")
    try:
        links = _links(store)
        ids = {item_id: sid for item_id, _r, _s, sid in links.values()}
    finally:
        store.close()
    _all, unread, starred = freshrss.state()
    assert ids[1] not in unread and ids[2] not in unread and ids[3] in starred

    # `reader add` subscribes on the server too; `--local` does not.
    feeds.serve("/c.xml", rss(2, title="Feed C", start=200))
    assert run("add", feeds.url("/c.xml")).returncode == 0
    feeds.serve("/d.xml", rss(2, title="Feed D", start=300))
    assert run("add", "--local", feeds.url("/d.xml")).returncode == 0
    with freshrss.client() as c:
        urls = {s.url for s in c.subscriptions()}
    assert feeds.url("/c.xml") in urls and feeds.url("/d.xml") not in urls
    assert run("sync").returncode == 0
    listed = run("list", "--feed", feeds.url("/c.xml"))
    assert listed.stdout.count("Item 20") == 2  # pulled from the server, once each

    # `reader remove` unsubscribes there too.
    assert run("remove", feeds.url("/c.xml")).returncode == 0
    with freshrss.client() as c:
        assert feeds.url("/c.xml") not in {s.url for s in c.subscriptions()}
    assert run("sync").returncode == 0
    assert feeds.url("/c.xml") not in run("feeds").stdout


def test_existing_archive_turning_sync_on_has_no_duplicates(
    tmp_path: Path, freshrss: FreshRSS, feeds: LoopbackServer
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[[feeds]]\nurl = "{feeds.url("/a.xml")}"\n')
    base = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(tmp_path / "data")]
    env = {**os.environ, "READER_SYNC_PASSWORD": API_PASSWORD}
    assert (
        subprocess.run([*base, "fetch", "--no-fulltext"], env=env, capture_output=True, timeout=60).returncode
        == 0
    )
    assert subprocess.run([*base, "mark-read", "1"], env=env, timeout=60).returncode == 0
    config.write_text(config.read_text() + f'\n[sync]\nurl = "{freshrss.api_url}"\nuser = "reader"\n')
    config.chmod(0o600)
    for _ in range(2):
        proc = subprocess.run([*base, "sync"], env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
    store = Store.open(tmp_path / "data" / "reader.db")
    try:
        links = _links(store)
        assert store.count() == 7 and len(links) == 7
        assert all(sid is not None for *_rest, sid in links.values())
        read_here = next(sid for item_id, _r, _s, sid in links.values() if item_id == 1)
    finally:
        store.close()
    assert read_here not in freshrss.state()[1]  # read before sync existed: the server got it


def test_tui_rename_and_retag_reach_freshrss(
    tmp_path: Path, freshrss: FreshRSS, feeds: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `e` and `#` do in the TUI (through the services layer), sent by the next sync."""
    from reader.config.loader import parse_config
    from reader.locations import resolve_locations
    from reader.services import ReaderServices

    config = tmp_path / "config.toml"
    config.write_text(f'[sync]\nurl = "{freshrss.api_url}"\nuser = "reader"\ntimeout = "10s"\n')
    monkeypatch.setenv("READER_SYNC_PASSWORD", API_PASSWORD)
    locations = resolve_locations(str(config), str(tmp_path / "data"), os.environ)
    services = ReaderServices(locations, parse_config(config.read_text(), source=config))
    with services.open_store() as store:
        services.sync(store)
        feed = store.feed_by_url(feeds.url("/a.xml"))
        assert feed is not None
    services.rename_feed(feed.id, "Policy desk")
    services.retag_feed(feed.id, ["policy"])
    with services.open_store() as store:
        report = services.sync(store)
        assert not report.warnings and store.pending_changes() == 0
    with freshrss.client() as c:
        subs = {s.url: s for s in c.subscriptions()}
    moved = subs[feeds.url("/a.xml")]
    assert moved.title == "Policy desk" and moved.labels == ("policy",)
