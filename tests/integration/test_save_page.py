"""`reader save-page URL`: a page no feed carries is fetched, put through reader mode and kept as a saved item
in "Saved pages", which is never polled; a page already in the archive is saved where it is; one that cannot
be fetched is kept by its address with the reason. Real processes, a real loopback server, a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from clirun import run_cli
from feedbuild import rss
from httpserver import LoopbackServer

PAGE = (
    "<html><head><title>Court blocks the data rule | Example News</title></head><body>"
    "<nav><a href='/'>Home</a> <a href='/tech'>Tech</a></nav><article><h1>Court blocks the data rule</h1>"
    + "".join(
        f"<p>Paragraph {n} of the ruling's story explains what the judges said about the rule and why it "
        f"matters to platforms, regulators and users across the region in some detail.</p>"
        for n in range(8)
    )
    + "</article><aside>Sponsored: a better VPN</aside></body></html>"
)


def test_save_page_keeps_the_article_saved_and_never_polls_it(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    url = http_server.serve("/story.html", PAGE, content_type="text/html; charset=utf-8")
    feed_url = http_server.serve("/f.xml", rss(2))
    config = tmp_path / "c.toml"
    config.write_text(f'[[feeds]]\nurl = "{feed_url}"\n')
    data = tmp_path / "d"
    saved = run_cli(config, data, "save-page", url)
    assert saved.returncode == 0, saved.stderr
    assert "Saved item 1: Court blocks the data rule" in saved.stdout and "with its full text" in saved.stdout
    items = json.loads(run_cli(config, data, "list", "--saved", "--json").stdout)
    assert [(i["title"], i["feed_title"], i["has_full_text"]) for i in items] == [
        ("Court blocks the data rule", "Saved pages", True)
    ]
    shown = run_cli(config, data, "show", str(items[0]["id"])).stdout
    assert "Paragraph 7 of the ruling" in shown and "Sponsored" not in shown and "Home" not in shown
    found = json.loads(run_cli(config, data, "list", "--search", "judges", "--json").stdout)
    assert [i["id"] for i in found] == [items[0]["id"]]  # its text is searchable
    # Never polled, never listed as a subscription, and a fetch leaves it alone.
    fetched = run_cli(config, data, "fetch", "--all", "--no-fulltext")
    assert fetched.returncode == 0 and "Polled 1 feeds" in fetched.stdout
    assert "Saved pages" not in run_cli(config, data, "feeds").stdout
    assert http_server.count("/story.html") == 1
    # Saving an item the archive already has saves it where it is.
    feed_item = json.loads(run_cli(config, data, "list", "--json").stdout)
    link = next(i for i in feed_item if i["feed_title"] != "Saved pages")
    again = run_cli(config, data, "save-page", link["link"])
    assert f"Already in the archive: saved item {link['id']}" in again.stdout


def test_a_page_that_cannot_be_fetched_is_kept_by_its_address(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[general]\n")
    data = tmp_path / "d"
    gone = http_server.url("/gone.html")
    out = run_cli(config, data, "save-page", gone)
    assert out.returncode == 0
    assert "by its address only" in out.stdout and "404" in out.stdout
    [item] = json.loads(run_cli(config, data, "list", "--saved", "--json").stdout)
    assert item["link"] == gone and item["saved"]
    bad = run_cli(config, data, "save-page", "javascript:alert(1)")
    assert bad.returncode == 2 and "is not a web address" in bad.stderr
