"""Site rules ([sites]): the user's CSS selectors for a site's article, checked, matched by host, applied
through the same clean-up and safety as the automatic choice, and versioned so a changed rule re-extracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.config.loader import parse_config
from reader.errors import ConfigError
from reader.extract.pipeline import EXTRACTOR_VERSION, extract
from reader.extract.site_rules import check_selector, is_current, rule_for, rule_version, versioned
from reader.models import SiteRule

STORY = " ".join(
    f"The regulator's order sets out rule {k} for the operators of large platforms." for k in range(8)
)
BOX = "Letters to the editor: readers answer last week's column on spectrum policy at length today."
PAGE = f"""<html><head><title>The order</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>The order</h1>
<p>{STORY}</p><p>{STORY}</p>
<p class="c7">{STORY.replace("regulator", "sponsor")}</p>
<p>{STORY}</p></article>
<aside class="box"><p>{BOX} {BOX}</p><p>{BOX}</p><div class="box"><p>Nested box text, part of the same box.</p></div></aside>
<aside class="box"><p>A second box \x1b[31mwith an escape</p><script>alert(1)</script></aside>
</body></html>"""


def test_a_rule_covers_its_host_and_subdomains_and_the_most_specific_wins() -> None:
    broad = SiteRule(host="example.com", content="article")
    narrow = SiteRule(host="news.example.com", content="div.story")
    rules = (broad, narrow)
    assert rule_for(rules, "https://example.com/a") is broad
    assert rule_for(rules, "https://www.EXAMPLE.com./a") is broad
    assert rule_for(rules, "https://news.example.com/a") is narrow
    assert rule_for(rules, "https://deep.news.example.com/a") is narrow
    assert rule_for(rules, "https://notexample.com/a") is None
    assert rule_for(rules, "https://example.com.evil.org/a") is None
    assert rule_for(rules, None) is None and rule_for((), "https://example.com/") is None
    assert rule_for(rules, "http://[::1") is None  # an unparseable address matches nothing


def test_content_picks_the_elements_outermost_first_in_page_order_through_the_clean_up() -> None:
    rule = SiteRule(host="example.org", content="aside.box")
    article = extract(PAGE, "https://example.org/a", rule=rule)
    text = article.text
    assert text.index("Letters to the editor") < text.index("Nested box") < text.index("A second box")
    assert text.count("Nested box text") == 1  # the inner .box is inside the outer one: taken once
    assert "rule 3 for the operators" not in text  # the automatic choice is not used
    assert "\x1b" not in text and "alert(1)" not in text  # text from the page stays data
    assert article.extractor_version == f"{EXTRACTOR_VERSION}+{rule_version(rule)}"
    assert article.note is None


def test_remove_drops_elements_before_the_automatic_choice() -> None:
    plain = extract(PAGE, "https://example.org/a")
    assert "sponsor's order" in plain.text  # the automatic pass keeps the promo: it reads like the story
    cut = extract(PAGE, "https://example.org/a", rule=SiteRule(host="example.org", remove="p.c7"))
    assert "sponsor's order" not in cut.text and "regulator's order sets out rule 7" in cut.text
    assert plain.extractor_version == EXTRACTOR_VERSION and cut.extractor_version != EXTRACTOR_VERSION


def test_a_rule_that_finds_nothing_falls_back_to_reader_mode_and_says_so() -> None:
    rule = SiteRule(host="example.org", content="div.gone-since-the-redesign")
    article = extract(PAGE, "https://example.org/a", rule=rule)
    assert "regulator's order sets out rule 7" in article.text
    assert article.note is not None and "site rule for example.org found no article" in article.note
    empty = SiteRule(host="example.org", content="nav a[href='/nowhere'], script")  # matches only no text
    assert "found no article" in (extract(PAGE, "https://example.org/a", rule=empty).note or "")


def test_an_article_is_current_only_under_the_rules_in_force() -> None:
    rule = SiteRule(host="example.org", content="article")
    changed = SiteRule(host="example.org", content="article .body")
    made = versioned(EXTRACTOR_VERSION, rule)
    assert is_current(made, EXTRACTOR_VERSION, (rule,), "https://example.org/a")
    assert not is_current(made, EXTRACTOR_VERSION, (changed,), "https://example.org/a")  # rule edited
    assert not is_current(made, EXTRACTOR_VERSION, (), "https://example.org/a")  # rule deleted
    assert not is_current(EXTRACTOR_VERSION, EXTRACTOR_VERSION, (rule,), "https://example.org/a")  # added
    assert is_current(EXTRACTOR_VERSION, EXTRACTOR_VERSION, (rule,), "https://other.org/a")
    assert not is_current("1", EXTRACTOR_VERSION, (), "https://other.org/a")  # an older extractor
    assert rule_version(rule) != rule_version(changed)
    assert rule_version(SiteRule(host="a.org", content="x")) != rule_version(
        SiteRule(host="a.org", remove="x")
    )


def test_selectors_are_checked() -> None:
    assert check_selector("article .story-body, div#main > p") is None
    assert "not a CSS selector" in (check_selector("div[[") or "")
    assert "Pseudo-elements" in (check_selector("p::before") or "")
    assert "empty" in (check_selector("  ") or "")
    assert "longer than" in (check_selector("p " * 300) or "")


def test_the_sites_table_is_read_and_its_mistakes_name_the_line() -> None:
    config = parse_config(
        '[sites]\n"www.Example.com" = "article .body"\n'
        '"lawfaremedia.org" = { content = "div.post", remove = ".related, .newsletter" }\n'
        '"127.0.0.1" = { remove = "aside" }\n'
    )
    assert config.sites == (
        SiteRule(host="www.example.com", content="article .body"),
        SiteRule(host="lawfaremedia.org", content="div.post", remove=".related, .newsletter"),
        SiteRule(host="127.0.0.1", remove="aside"),
    )
    assert parse_config("").sites == ()
    cases = {
        '[sites]\n"https://x.org/a" = "p"\n': (2, "not a web address"),
        '\n[sites]\n"x.org" = "div[["\n': (3, "content is not a CSS selector"),
        '[sites]\n"x.org" = { content = "p", exclude = "q" }\n': (2, "unknown key 'exclude'"),
        '[sites]\n"x.org" = { remove = 3 }\n': (2, "remove must be a CSS selector string"),
        '[sites]\n"x.org" = 3\n': (2, "must be a CSS selector string, or a table"),
        '[sites]\n"x.org" = {}\n': (2, "needs content and/or remove"),
        '[sites]\n"x.org" = "p"\n"X.ORG" = "q"\n': (3, "names the same host"),
        '[sites]\n"bad host!" = "p"\n': (2, "must be a host name"),
        "sites = 3\n": (1, "must be a table"),
    }
    for text, (line, reason) in cases.items():
        with pytest.raises(ConfigError) as caught:
            parse_config(text, name="config.toml")
        assert caught.value.line == line, text
        assert reason in caught.value.reason and "config.toml" in str(caught.value), text


def test_the_example_config_s_rules_parse_when_uncommented() -> None:
    example = (Path(__file__).resolve().parents[2] / "config.example.toml").read_text().split("\n")
    start = example.index("# [sites]")
    written = [line.removeprefix("# ") for line in example[start + 1 :] if line.startswith('# "')]
    block = ["[sites]", *written[:2]]
    rules = parse_config("\n".join(block)).sites
    assert [r.host for r in rules] == ["lawfaremedia.org", "example.com"]
    assert rules[1].remove == ".related, .newsletter"


def test_rules_saved_from_the_tui_sit_beside_the_config_s_which_win(tmp_path: Path) -> None:
    from reader.errors import SiteRuleError
    from reader.fetch.site_rules import rule_choice, rules_in_force, save_rule
    from reader.store.feeds import Store

    configured = (SiteRule(host="example.org", content="article"),)
    with Store.open(tmp_path / "r.db") as store:
        saved = save_rule(configured, store, " News.Example.COM. ", "div.story", "")
        assert saved == SiteRule(host="news.example.com", content="div.story")
        store.save_site_rule(SiteRule(host="example.org", content="main"))  # shadowed by the config's
        assert rules_in_force(configured, store) == (*configured, saved)
        choice = rule_choice(configured, store, "https://www.example.org/a")
        assert choice.rule == configured[0] and choice.from_config and choice.host == "example.org"
        fresh = rule_choice(configured, store, "https://other.net/a")
        assert fresh.rule is None and fresh.host == "other.net" and not fresh.from_config
        with pytest.raises(SiteRuleError, match=r"example\.org is in c\.toml \(\[sites\]\): change it there"):
            save_rule(configured, store, "example.org", "p", "", config_path="c.toml")
        with pytest.raises(SiteRuleError, match="not a web address"):
            save_rule(configured, store, "https://a.org/", "p", "")
        with pytest.raises(SiteRuleError, match="remove selector is not a CSS selector"):
            save_rule(configured, store, "a.org", "p", "p::after")
        assert save_rule(configured, store, "news.example.com", " ", "") is None  # both empty: deleted
        assert [r.host for r in store.site_rules()] == ["example.org"]


def test_a_selector_matching_everything_takes_the_page_once() -> None:
    article = extract(PAGE, "https://example.org/a", rule=SiteRule(host="example.org", content="*"))
    assert (
        article.text.count("regulator's order sets out rule 7") == 3
    )  # the three story paragraphs, once each
    assert article.text.count("Nested box text") == 1
