"""[mute] rules: matching items are marked read as they arrive, kept in the archive, listed by
`reader list --muted`, never announced by a topic, never the saved ones; a rule never reaches back into the
archive. Real `reader` processes, a real loopback feed server, a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import run_cli
from httpserver import LoopbackServer

from reader.config.loader import parse_config
from reader.errors import ConfigError


def feed(name: str, titles: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><link>https://{name}.example/{k}</link><guid>{name}-{k}</guid>"
        "<pubDate>Mon, 10 Mar 2014 12:00:00 GMT</pubDate></item>"
        for k, t in enumerate(titles)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'.encode()


def test_rules_mute_new_items_by_query_and_scope(tmp_path: Path, http_server: LoopbackServer) -> None:
    a = http_server.serve("/a.xml", feed("a", ["Sponsored: a better VPN", "Court blocks the data rule"]))
    b = http_server.serve("/b.xml", feed("b", ["Weekly deals roundup", "Sponsored: cloud storage"]))
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[feeds]]\nurl = "{a}"\ntags = ["news"]\n[[feeds]]\nurl = "{b}"\ntags = ["shop"]\n'
        "[topics]\ncloud = 'cloud OR court'\n"
        "[mute]\nsponsored = 'title:sponsored'\n"
        "deals = { query = 'deal*', tags = [\"shop\"] }\n"
    )
    data = tmp_path / "d"
    fetched = run_cli(config, data, "fetch", "--all", "--no-fulltext")
    assert fetched.returncode == 0, fetched.stderr
    assert "Muted 3 (deals 1, sponsored 2)." in fetched.stdout
    # The topic announces the court story, not the muted cloud-storage ad.
    assert "Topic cloud (1 new):" in fetched.stdout and "Court blocks" in fetched.stdout
    unread = json.loads(run_cli(config, data, "list", "--unread", "--json").stdout)
    assert [i["title"] for i in unread] == ["Court blocks the data rule"]
    muted = json.loads(run_cli(config, data, "list", "--muted", "--json").stdout)
    assert sorted((i["title"], i["muted_by"], i["read"]) for i in muted) == [
        ("Sponsored: a better VPN", "sponsored", True),
        ("Sponsored: cloud storage", "sponsored", True),
        ("Weekly deals roundup", "deals", True),
    ]
    assert len(json.loads(run_cli(config, data, "list", "--json").stdout)) == 4  # nothing deleted


def test_a_new_rule_never_reaches_back_into_the_archive(tmp_path: Path, http_server: LoopbackServer) -> None:
    titles = ["Podcast: episode 1", "Podcast: episode 2"]
    url = http_server.serve("/p.xml", feed("p", titles))
    config = tmp_path / "c.toml"
    config.write_text(f'[[feeds]]\nurl = "{url}"\n')
    data = tmp_path / "d"
    run_cli(config, data, "fetch", "--all", "--no-fulltext")
    # The rule arrives after the first two episodes: they stay unread.
    config.write_text(f'[[feeds]]\nurl = "{url}"\n[mute]\npodcasts = "podcast"\n')
    http_server.serve("/p.xml", feed("p", [*titles, "Podcast: episode 3"]))
    out = run_cli(config, data, "fetch", "--all", "--no-fulltext").stdout
    assert "Muted 1 (podcasts 1)." in out
    items = {i["title"]: i for i in json.loads(run_cli(config, data, "list", "--json").stdout)}
    assert not items["Podcast: episode 1"]["read"] and not items["Podcast: episode 2"]["read"]
    assert items["Podcast: episode 3"]["muted_by"] == "podcasts"


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ("x = 3", "must be a search query string"),
        ('x = "AND"', "is not a valid search"),
        ('x = { query = "a", tag = ["t"] }', "unknown key 'tag'"),
        ('x = { query = "a", feeds = ["ftp://host/f"] }', "feeds:"),
        ('x = { tags = ["t"] }', "needs query"),
    ],
)
def test_bad_rules_are_one_config_error_naming_the_rule(table: str, reason: str, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(f"[general]\n[mute]\n{table}\n")
    with pytest.raises(ConfigError) as err:
        parse_config(path.read_text(), source=path)
    assert reason in str(err.value) and "mute.x" in str(err.value) and ":3" in str(err.value)


def test_synced_items_are_muted_unless_starred_and_the_read_mark_reaches_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from greader_server import GReaderServer

    from reader.locations import resolve_locations
    from reader.services import ReaderServices

    server = GReaderServer(password="pw").start()
    try:
        fid = server.add_feed("http://127.0.0.1:9/a.xml", "Feed A")
        ad = server.add_item(fid, "Sponsored: a VPN", "http://127.0.0.1:9/1")
        kept = server.add_item(fid, "Sponsored: kept on purpose", "http://127.0.0.1:9/2", starred=True)
        news = server.add_item(fid, "Court blocks the rule", "http://127.0.0.1:9/3")
        monkeypatch.setenv("READER_SYNC_PASSWORD", "pw")
        config = tmp_path / "c.toml"
        config.write_text(
            f'[sync]\nurl = "{server.url}"\nuser = "reader"\ntimeout = "3s"\n[mute]\nads = "title:sponsored"\n'
        )
        services = ReaderServices(
            resolve_locations(str(config), str(tmp_path / "d"), os.environ),
            parse_config(config.read_text(), source=config),
        )
        with services.open_store() as store:
            report = services.sync(store)
            assert report.muted == 1 and "1 muted" in report.summary()
            by_title = {i.title: i for i in store.items()}
            assert by_title["Sponsored: a VPN"].read and by_title["Sponsored: a VPN"].muted_by == "ads"
            assert not by_title["Sponsored: kept on purpose"].read  # starred there: saved here, never muted
            assert not by_title["Court blocks the rule"].read
            assert store.pending_changes() == 1
            services.sync(store)
            assert store.pending_changes() == 0
        assert server.items[ad].read and not server.items[kept].read and not server.items[news].read
    finally:
        server.stop()
