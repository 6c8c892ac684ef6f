"""Site rules end to end: a real loopback site, the real `reader` commands and services, a real SQLite file.
The rule for the page's host shapes the stored full text; a poll does not fetch the page again for it; an
edited rule re-extracts the page when it is next opened; `reader extract` tries a rule before it is written."""

from __future__ import annotations

import json
import os
from pathlib import Path

from clirun import run_cli
from feedbuild import letters_page, one_item_feed
from httpserver import LoopbackServer

from reader.config.loader import load_config
from reader.locations import resolve_locations
from reader.models import SiteRule
from reader.services import ReaderServices
from reader.store.feeds import Store

PAGE = letters_page(promo=True)


def _feed(server: LoopbackServer) -> str:
    link = server.serve("/story.html", PAGE, content_type="text/html; charset=utf-8")
    return server.serve("/feed.xml", one_item_feed(link))


def _config(path: Path, feed: str, rule: str) -> Path:
    path.write_text(f'[sites]\n"127.0.0.1" = {rule}\n\n[[feeds]]\nurl = "{feed}"\n')
    return path


def test_a_site_rule_shapes_the_full_text_and_an_edited_rule_re_extracts_on_open(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    feed = _feed(http_server)
    config = _config(tmp_path / "c.toml", feed, '{ remove = "p.c7" }')
    data = tmp_path / "d"
    assert run_cli(config, data, "fetch", "--all").returncode == 0
    assert http_server.count("/story.html") == 1  # prefetched, under the rule
    [item] = json.loads(run_cli(config, data, "list", "--json").stdout)
    shown = run_cli(config, data, "show", str(item["id"]), "--format", "text").stdout
    assert "rule 6 for the operators" in shown and "partner's offer" not in shown
    # The next poll does not fetch the page again: it was extracted by this extractor, under a rule.
    assert run_cli(config, data, "fetch", "--all").returncode == 0
    assert http_server.count("/story.html") == 1

    def services_for(config_path: Path) -> ReaderServices:
        locations = resolve_locations(str(config_path), str(data), os.environ)
        return ReaderServices(locations, load_config(config_path, must_exist=True))

    def open_item(config_path: Path) -> str:
        services = services_for(config_path)
        loaded = services.load_article(item["id"])
        assert loaded.article is not None and loaded.error is None
        return loaded.article.text

    assert "partner's offer" not in open_item(config)  # the same rule: the stored text, no request
    assert http_server.count("/story.html") == 1
    # The rule is edited: opening the item extracts the page again, under the new rule.
    _config(config, feed, '"aside.letters"')
    assert services_for(config).cached_article(item["id"]) is None  # the TUI opens it afresh too
    letters = open_item(config)
    assert services_for(config).cached_article(item["id"]) is not None
    assert http_server.count("/story.html") == 2
    assert letters.startswith("Letter 0: a reader answers") and "rule 3 for the operators" not in letters
    # The rule is deleted: reader mode's own choice comes back.
    config.write_text(f'[[feeds]]\nurl = "{feed}"\n')
    plain = open_item(config)
    assert http_server.count("/story.html") == 3 and "rule 6 for the operators" in plain


def test_extract_tries_a_rule_and_refuses_a_bad_selector(tmp_path: Path, http_server: LoopbackServer) -> None:
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    config = tmp_path / "c.toml"
    config.write_text("")
    data = tmp_path / "d"
    tried = run_cli(config, data, "extract", str(page), "--format", "text", "--content", "aside.letters")
    assert tried.returncode == 0 and "Letter 5: a reader answers" in tried.stdout
    assert "rule 2 for the operators" not in tried.stdout
    nothing = run_cli(config, data, "extract", str(page), "--format", "json", "--content", "div.none")
    assert "found no article" in json.loads(nothing.stdout)["note"]
    bad = run_cli(config, data, "extract", str(page), "--remove", "p::after")
    assert bad.returncode == 2 and "reader: --remove is not a CSS selector" in bad.stderr and not bad.stdout
    assert not data.exists()  # extract makes no archive
    # A rule saved from the TUI (in the archive) applies to `reader extract URL` for its host.
    with Store.open(data / "reader.db") as store:
        store.save_site_rule(SiteRule(host="127.0.0.1", content="aside.letters"))
    url = http_server.serve("/story.html", PAGE, content_type="text/html; charset=utf-8")
    saved = run_cli(config, data, "extract", url, "--format", "text")
    assert saved.returncode == 0 and "Letter 5" in saved.stdout and "rule 2 for" not in saved.stdout
    # A rule in the config for the same host wins over the saved one.
    _config(config, url, '{ remove = "aside.letters" }')
    configured = run_cli(config, data, "extract", url, "--format", "text")
    assert (
        configured.returncode == 0
        and "rule 2 for" in configured.stdout
        and "Letter 5" not in configured.stdout
    )
