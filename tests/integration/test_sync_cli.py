"""`reader sync`, `reader fetch` with [sync], and add/import/remove telling the server: the command's `main()`
in-process (tests/clirun.py), the loopback Google Reader server, a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import run_cli
from feedbuild import rss
from greader_server import GReaderServer
from httpserver import LoopbackServer

PASSWORD = "reader-api-pw"


@pytest.fixture
def server() -> Iterator[GReaderServer]:
    srv = GReaderServer(password=PASSWORD).start()
    try:
        yield srv
    finally:
        srv.stop()


class Reader:
    def __init__(self, tmp_path: Path, url: str, extra: str = "") -> None:
        self.data = tmp_path / "data"
        self.config = tmp_path / "config.toml"
        self.config.write_text(f'[sync]\nurl = "{url}"\nuser = "reader"\ntimeout = "3s"\n{extra}')
        self.config.chmod(0o600)

    def run(self, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        proc = run_cli(self.config, self.data, *args, env={"READER_SYNC_PASSWORD": password})
        return proc


def test_sync_then_marks_reach_the_server(tmp_path: Path, server: GReaderServer) -> None:
    fid = server.add_feed("http://127.0.0.1:9/a.xml", "Feed A")
    for k in range(3):
        server.add_item(fid, f"Item {k}", f"http://127.0.0.1:9/item/{k}")
    r = Reader(tmp_path, server.url)
    out = r.run("sync")
    assert out.returncode == 0 and "3 new items" in out.stdout
    assert r.run("list", "--unread").stdout.count("Item ") == 3
    r.run("mark-read", "1")
    r.run("save", "2")
    out = r.run("sync", "--push-only")
    assert out.returncode == 0 and "sent 2 changes" in out.stdout
    assert r.run("sync", "--full", "--quiet").stdout == ""
    assert server.item_by_link("http://127.0.0.1:9/item/0").read
    assert server.item_by_link("http://127.0.0.1:9/item/1").starred


def test_wrong_password_one_line_secret_hidden_exit_1(tmp_path: Path, server: GReaderServer) -> None:
    r = Reader(tmp_path, server.url)
    out = r.run("sync", password="hunter2-secret")
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the login" in lines[0] and "127.0.0.1" in lines[0]
    assert "hunter2-secret" not in out.stderr + out.stdout and server.auth not in out.stderr


def test_unreachable_server_exit_1_short_message_changes_kept(tmp_path: Path, server: GReaderServer) -> None:
    fid = server.add_feed("http://127.0.0.1:9/a.xml", "Feed A")
    server.add_item(fid, "Item", "http://127.0.0.1:9/item")
    r = Reader(tmp_path, server.url)
    assert r.run("sync").returncode == 0
    server.stop()
    r.run("mark-read", "1")
    out = r.run("sync")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"reader: sync with 127.0.0.1:{server.port} failed: cannot connect to 127.0.0.1:{server.port} "
        "(connection refused: is the server running?). 1 change is kept and will be sent at the next sync."
    ]
    # `reader fetch` (cron) still works: the failure is reported, local feeds are polled, exit 0.
    fetched = r.run("fetch")
    assert fetched.returncode == 0 and "cannot connect" in fetched.stderr


def test_sync_without_a_sync_table_says_so(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    cmd = [sys.executable, "-m", "reader", "--config", str(config), "--data-dir", str(tmp_path / "d"), "sync"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "no [sync] table" in out.stderr


def test_password_in_a_readable_config_warns_once_and_never_prints_it(
    tmp_path: Path, server: GReaderServer
) -> None:
    r = Reader(tmp_path, server.url, extra='password = "pw-in-the-file"\n')
    r.config.chmod(0o644)
    server.password = "pw-in-the-file"
    out = r.run("sync", password="")
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("others can read it") == 1 and "pw-in-the-file" not in out.stderr + out.stdout
    feeds = r.run("feeds", "--json")
    assert "pw-in-the-file" not in feeds.stdout + feeds.stderr


def test_fetch_syncs_first_and_leaves_server_feeds_to_the_server(
    tmp_path: Path, server: GReaderServer, http_server: LoopbackServer
) -> None:
    on_server = http_server.serve("/server.xml", rss(2, start=0))
    local_only = http_server.serve("/local.xml", rss(2, start=10))
    fid = server.add_feed(on_server, "On the server")
    server.add_item(fid, "From the server", "https://example.org/posts/0")
    r = Reader(tmp_path, server.url)
    assert r.run("add", "--no-check", "--local", local_only).returncode == 0
    out = r.run("fetch", "--all", "--no-fulltext")
    assert out.returncode == 0 and "Synced with" in out.stdout
    assert http_server.count("/server.xml") == 0  # the server polls it, not us
    assert http_server.count("/local.xml") == 1
    assert not server.requests("subscription/edit")  # --local: the server was not told
    listed = r.run("list").stdout
    assert "From the server" in listed and "Item 10" in listed


def test_add_import_remove_tell_the_server(tmp_path: Path, server: GReaderServer) -> None:
    r = Reader(tmp_path, server.url)
    out = r.run("add", "--no-check", "--tag", "Policy", "--title", "Mine", "https://example.org/feed.xml")
    assert out.returncode == 0 and "Sent to 127.0.0.1" in out.stdout
    (sub,) = server.requests("subscription/edit")
    assert sub.form["ac"] == ["subscribe"] and sub.form["s"] == ["feed/https://example.org/feed.xml"]
    assert sub.form["a"] == ["user/-/label/Policy"] and sub.form["t"] == ["Mine"]
    opml = tmp_path / "f.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="One" xmlUrl="https://example.org/one.xml"/>'
        '<outline type="rss" text="Two" xmlUrl="https://example.org/two.xml"/></body></opml>'
    )
    assert r.run("import", str(opml)).returncode == 0
    assert {f.url for f in server.feeds.values()} == {
        "https://example.org/feed.xml",
        "https://example.org/one.xml",
        "https://example.org/two.xml",
    }
    assert r.run("sync").returncode == 0  # links the local feeds to the server's, by URL
    assert r.run("remove", "https://example.org/one.xml").returncode == 0
    unsub = [q for q in server.requests("subscription/edit") if q.form["ac"] == ["unsubscribe"]]
    assert len(unsub) == 1 and unsub[0].form["s"][0].startswith("feed/")
    assert {f.url for f in server.feeds.values()} == {
        "https://example.org/feed.xml",
        "https://example.org/two.xml",
    }
    assert r.run("sync").returncode == 0
    feeds = r.run("feeds").stdout
    assert "one.xml" not in feeds and feeds.count("example.org/") == 2


def test_subscription_made_offline_is_sent_at_the_next_sync(tmp_path: Path, server: GReaderServer) -> None:
    r = Reader(tmp_path, server.url)
    port = server.port
    server.stop()
    out = r.run("add", "--no-check", "https://example.org/later.xml")
    assert out.returncode == 0 and "will be sent at the next sync" in out.stderr
    server.start(port)
    assert r.run("sync").returncode == 0
    assert [f.url for f in server.feeds.values()] == ["https://example.org/later.xml"]


def test_importing_the_servers_own_opml_subscribes_to_nothing_twice(
    tmp_path: Path, server: GReaderServer
) -> None:
    server.add_feed("https://example.org/one.xml", "One")
    r = Reader(tmp_path, server.url)
    opml = tmp_path / "export.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline type="rss" text="One" xmlUrl="https://example.org/one.xml"/>'
        '<outline type="rss" text="New" xmlUrl="https://example.org/new.xml"/></body></opml>'
    )
    out = r.run("import", str(opml))
    assert out.returncode == 0 and "would not subscribe" not in out.stderr
    assert [q.form["s"] for q in server.requests("subscription/edit")] == [
        ["feed/https://example.org/new.xml"]
    ]
    assert r.run("sync").returncode == 0
    assert r.run("feeds").stdout.count("example.org/") == 2
