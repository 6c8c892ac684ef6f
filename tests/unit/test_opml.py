"""OPML: the dialects real exporters write, hostile files (XXE, billion laughs), and export → import round trips."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import reader.feeds.opml as opml_module
from reader.config.default_feeds import DEFAULT_FEEDS
from reader.config.loader import clean_tags, clean_title
from reader.errors import ParseError
from reader.feeds.opml import READER_NS, export_opml, parse_opml, read_opml
from reader.models import Feed, FeedConfig

DATA = Path(__file__).resolve().parents[1] / "data" / "opml"


def load(name: str) -> list[FeedConfig]:
    return parse_opml((DATA / name).read_bytes(), name)


def summary(feeds: list[FeedConfig]) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(f.url, f.title, f.tags) for f in feeds]


# --- vendor dialects ---------------------------------------------------------------------------------------


def test_newsboat_flat_list_with_title_only() -> None:
    # newsboat -e: OPML 1.0, no folders, title= but no text=, an empty title for a never-fetched feed.
    assert summary(load("newsboat.opml")) == [
        ("https://www.eff.org/rss/updates.xml", "Deeplinks", ()),
        ("https://www.techdirt.com/feed/", "Techdirt", ()),
        ("https://feeds.arstechnica.com/arstechnica/tech-policy", "Policy – Ars Technica", ()),
        ("https://www.lawfaremedia.org/feeds/articles", None, ()),
    ]


def test_feedly_nested_categories_and_a_feed_in_two_folders() -> None:
    assert summary(load("feedly.opml")) == [
        ("https://www.techdirt.com/feed/", "Techdirt", ("Policy", "Security")),
        ("https://www.theverge.com/rss/policy/index.xml", "The Verge - Policy", ("Policy",)),
        ("https://www.edpb.europa.eu/feed/news_en", "EDPB News", ("Policy", "EU")),
        ("https://www.schneier.com/feed/atom/", "Schneier on Security", ("Security",)),
    ]


def test_inoreader_folders_with_text_and_title() -> None:
    assert summary(load("inoreader.xml")) == [
        ("https://www.eff.org/rss/updates.xml", "EFF Deeplinks", ("Privacy",)),
        ("https://cdt.org/feed/", "CDT", ("Privacy",)),
        ("https://www.ftc.gov/feeds/press-release.xml", "FTC Press Releases", ("Antitrust & Competition",)),
        ("https://restofworld.org/feed/latest", "Rest of World", ()),
    ]


def test_miniflux_no_type_and_default_all_category() -> None:
    # Miniflux writes no type= and files everything in "All" unless told otherwise: no tag for "All".
    assert summary(load("miniflux.opml")) == [
        ("https://www.technologyreview.com/feed/", "MIT Technology Review", ()),
        ("https://www.nist.gov/news-events/news/rss.xml", "NIST News", ("Regulators",)),
        (
            "https://www.gov.uk/government/organisations/competition-and-markets-authority.atom",
            "UK CMA",
            ("Regulators",),
        ),
    ]


def test_freshrss_namespace_attributes_and_xpath_sources() -> None:
    result = read_opml((DATA / "freshrss.opml.xml").read_bytes(), "freshrss.opml.xml")
    assert summary(list(result.feeds)) == [
        ("https://stratechery.com/feed/", "Stratechery by Ben Thompson", ()),
        ("https://www.platformer.news/rss/", "Platformer", ("Tech policy",)),
        ("https://krebsonsecurity.com/feed/", "Krebs on Security", ("Tech policy",)),
    ]
    # The HTML+XPath scraping source is a web page, not a feed: skipped, and said so.
    assert len(result.skipped) == 1 and "Regulator news page" in result.skipped[0]
    assert result.title == "FreshRSS"


def test_quirks_lowercase_attrs_feed_scheme_category_and_special_urls() -> None:
    result = read_opml((DATA / "quirks.opml").read_bytes(), "quirks.opml")
    assert result.title == "Café list"
    assert summary(list(result.feeds)) == [
        ("https://example.com/cafe.xml", "Café <news>", ()),
        ("https://example.net/atom.xml", "Url attribute", ()),
        ("http://example.org/rss", "Feed scheme", ()),
        ("https://example.org/atom", "Categorised", ("privacy", "eu", "Tech/AI")),
        ("https://example.org/untitled.xml", None, ()),
        # A bare & in a query string is repaired, not dropped.
        ("https://example.org/feed?a=1&b=2", "Query string", ()),
    ]
    reasons = "\n".join(result.skipped)
    assert "Homepage link" in reasons and "query:" in reasons and "exec:" in reasons


def test_opml_1_without_head_or_body() -> None:
    data = b'<opml version="1.0"><outline text="x" xmlUrl="https://a.example/f"/></opml>'
    assert summary(parse_opml(data, "bare.opml")) == [("https://a.example/f", "x", ())]


def test_empty_body_gives_no_feeds() -> None:
    assert parse_opml(b'<opml version="2.0"><head/><body/></opml>', "e.opml") == []


def test_control_characters_in_titles_are_stripped() -> None:
    data = (
        b'<opml version="2.0"><body><outline text="Bad&#x202e;gnp.exe &#x9b;31m title" '
        b'xmlUrl="https://a.example/f"/></body></opml>'
    )
    (feed,) = parse_opml(data, "c.opml")
    assert feed.title == "Badgnp.exe title"


def test_long_titles_are_capped() -> None:
    data = f'<opml><body><outline text="{"x" * 5000}" xmlUrl="https://a.example/f"/></body></opml>'.encode()
    (feed,) = parse_opml(data, "long.opml")
    assert feed.title is not None and len(feed.title) == 300 and feed.title.endswith("…")


# --- hostile and broken files ------------------------------------------------------------------------------------


def test_xxe_is_refused_without_reading_the_file() -> None:
    with pytest.raises(ParseError) as info:
        load("xxe.opml")
    assert "xxe.opml" in str(info.value) and "entities" in str(info.value)
    assert "root:" not in str(info.value)


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(ParseError, match=re.escape("billion_laughs.opml")):
        load("billion_laughs.opml")


def test_entities_are_refused_in_utf16_too() -> None:
    data = (DATA / "xxe.opml").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    with pytest.raises(ParseError, match="entities"):
        parse_opml(data, "xxe16.opml")


@pytest.mark.parametrize("name", ["xxe.opml", "billion_laughs.opml"])
def test_parser_settings_alone_still_stop_entity_attacks(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    # Second line of defence: with the byte scan off, lxml's settings must still refuse to expand them.
    monkeypatch.setattr(opml_module, "_ENTITY_MARKERS", ())
    with pytest.raises(ParseError, match=re.escape(name)):
        load(name)


def test_external_entity_in_text_is_refused_by_the_dtd_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opml_module, "_ENTITY_MARKERS", ())
    data = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY s SYSTEM "file:///etc/passwd">]>'
        b"<opml><head><title>&s;</title></head><body/></opml>"
    )
    with pytest.raises(ParseError, match="entities"):
        parse_opml(data, "x.opml")


def test_external_dtd_is_not_loaded() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "http://127.0.0.1:9/evil.dtd">'
        b'<opml><body><outline text="ok" xmlUrl="https://a.example/f"/></body></opml>'
    )
    assert summary(parse_opml(data, "dtd.opml")) == [("https://a.example/f", "ok", ())]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("not_opml.xml", "root element is <rss>"), ("truncated.opml", "line 5")],
)
def test_bad_files_name_the_file(name: str, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        load(name)
    assert str(info.value).startswith(f"{name}: ")
    assert fragment in str(info.value)


@pytest.mark.parametrize("data", [b"", b"   \n", b"not xml at all", b"\xff\xfe\x00garbage", b"<opml"])
def test_garbage_is_a_parse_error(data: bytes) -> None:
    with pytest.raises(ParseError, match=re.escape("junk.opml")):
        parse_opml(data, "junk.opml")


def test_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(opml_module, "MAX_OPML_BYTES", 100)
    with pytest.raises(ParseError, match="larger than"):
        parse_opml(b"<opml><body>" + b" " * 200 + b"</body></opml>", "big.opml")


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    data = b"<opml><body>" + b'<outline text="x">' * 300 + b"</outline>" * 300 + b"</body></opml>"
    try:
        feeds = parse_opml(data, "deep.opml")
    except ParseError as exc:
        assert "deep.opml" in str(exc)
    else:
        assert feeds == []


# --- export ------------------------------------------------------------------------------------------------------------


def test_export_is_valid_opml_2() -> None:
    now = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    data = export_opml(DEFAULT_FEEDS, "My feeds", now=now)
    root = etree.fromstring(data)
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "My feeds"
    assert root.findtext("head/dateCreated") == "Sun, 01 Nov 2026 12:00:00 GMT"
    outlines = [o for o in root.iter("outline") if o.get("xmlUrl")]
    assert len(outlines) == len(DEFAULT_FEEDS)
    assert all(o.get("type") == "rss" and o.get("text") for o in outlines)
    # Each feed sits in the folder of its first tag, and its category lists every tag.
    ftc = next(o for o in outlines if "ftc.gov" in (o.get("xmlUrl") or ""))
    parent = ftc.getparent()
    assert parent is not None and parent.get("text") == "antitrust"
    assert ftc.get("category") == "/antitrust,/privacy,/consumer-protection,/us,/regulator"
    assert ftc.get(f"{{{READER_NS}}}pollInterval") == "7200"


def test_export_import_round_trip_of_defaults() -> None:
    # Export groups feeds by folder, so compare by URL rather than by position.
    back = parse_opml(export_opml(DEFAULT_FEEDS), "rt.opml")
    assert sorted(back, key=lambda f: f.url) == sorted(DEFAULT_FEEDS, key=lambda f: f.url)


def test_export_accepts_store_feeds_and_tuples() -> None:
    feeds = [
        Feed(id=1, url="https://a.example/f", title="A", site_url="https://a.example/", tags=("x",)),
        ("https://b.example/f", None, (), None),
    ]
    data = export_opml(feeds)
    root = etree.fromstring(data)
    a, b = (o for o in root.iter("outline") if o.get("xmlUrl"))
    assert a.get("htmlUrl") == "https://a.example/" and a.get("title") == "A"
    assert b.get("text") == "https://b.example/f" and b.get("title") is None
    assert summary(parse_opml(data, "x")) == [
        ("https://a.example/f", "A", ("x",)),
        ("https://b.example/f", None, ()),
    ]


def test_export_escapes_markup_and_strips_controls() -> None:
    feed = FeedConfig("https://a.example/f?x=1&y=2", 'Tom & "Jerry" <script>\x1b[2J', ("a&b", "<c>"))
    data = export_opml([feed])
    assert b"<script>" not in data and b"\x1b" not in data
    (back,) = parse_opml(data, "esc.opml")
    assert back == FeedConfig("https://a.example/f?x=1&y=2", 'Tom & "Jerry" <script>', ("a&b", "<c>"))


# --- properties -----------------------------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.binary(max_size=500))
def test_arbitrary_bytes_only_raise_parse_error(data: bytes) -> None:
    try:
        feeds = parse_opml(data, "fuzz.opml")
    except ParseError as exc:
        assert str(exc).startswith("fuzz.opml: ")
    else:
        assert all(f.url.startswith(("http://", "https://")) for f in feeds)


_fragments = st.sampled_from(
    [
        "<opml>",
        "</opml>",
        "<body>",
        "</body>",
        '<outline text="a">',
        "</outline>",
        '<outline xmlUrl="https://a.example/',
        '" />',
        '<outline type="rss" xmlurl="feed://b.example/x" category="/p,/q"/>',
        "<!DOCTYPE opml>",
        "&amp;",
        "&",
        "&#0;",
        "<![CDATA[x]]>",
        '<?xml version="1.0"?>',
    ]
)


@settings(deadline=None)
@given(st.lists(st.one_of(_fragments, st.text(max_size=10)), max_size=15))
def test_opml_like_text_only_raises_parse_error(parts: list[str]) -> None:
    try:
        parse_opml("".join(parts).encode("utf-8", "surrogatepass"), "fuzz.opml")
    except ParseError:
        pass


_any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)


@settings(deadline=None)
@given(
    st.lists(
        st.tuples(_any_text, st.lists(st.text(max_size=20), max_size=4)),
        max_size=8,
    )
)
def test_round_trip_for_arbitrary_titles_and_tags(entries: list[tuple[str, list[str]]]) -> None:
    feeds = [
        FeedConfig(f"https://feed{n}.example/rss?q=1&n={n}", title or None, tuple(tags))
        for n, (title, tags) in enumerate(entries)
    ]
    back = parse_opml(export_opml(feeds), "rt.opml")
    assert sorted((f.url, f.title, f.tags) for f in back) == sorted(
        (f.url, clean_title(f.title), clean_tags(f.tags)) for f in feeds
    )
    for feed in back:
        for text in (feed.title or "", *feed.tags):
            assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text)
