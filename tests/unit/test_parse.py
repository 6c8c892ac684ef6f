"""parse_feed: identity, dates, links, encodings, hostile documents (entities, XXE), size bounds."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedbuild import DATA, rss
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.errors import ParseError
from reader.feeds.parse import MAX_ITEMS, _sha1, parse_feed, sniff_ttl
from reader.models import Enclosure

FEEDS = DATA / "feeds"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
RSS_CT = {"content-type": "application/rss+xml; charset=utf-8"}


def parse(body: bytes, url: str = "https://example.org/feed.xml", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return parse_feed(body, url, RSS_CT if headers is None else headers, now=NOW)


def doc(items: str, channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>https://example.org/</link>{channel}{items}</channel></rss>"
    ).encode()


def test_basic_rss() -> None:
    feed = parse(rss(3, ttl=90))
    assert feed.title == "Test feed" and feed.site_url == "https://example.org/"
    assert feed.ttl_minutes == 90 and feed.warning is None
    assert [i.key for i in feed.items] == ["item-0", "item-1", "item-2"]
    first = feed.items[0]
    assert first.link == "https://example.org/posts/0" and first.summary == "Body of item 0"
    assert first.published == datetime(2024, 1, 1, 10, 0, tzinfo=UTC)
    assert first.content_hash and len({i.content_hash for i in feed.items}) == 3


def test_relative_guid_is_kept_raw_so_a_moved_feed_does_not_duplicate() -> None:
    body = doc("<item><title>A</title><guid>42</guid><link>/a</link></item>")
    a = parse(body, "https://old.example.org/feed")
    b = parse(body, "https://new.example.net/rss")
    assert a.items[0].key == b.items[0].key == "42"
    assert a.items[0].link == "https://old.example.org/a"  # links are resolved, guids are not


def test_key_falls_back_to_link_then_hash() -> None:
    body = doc(
        "<item><title>Linked</title><link>https://example.org/x</link></item>"
        "<item><title>Bare</title><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate></item>"
        "<item><title>Bare</title><pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate></item>"
    )
    keys = [i.key for i in parse(body).items]
    assert keys[0] == "https://example.org/x"
    assert keys[1].startswith("sha1:") and keys[2].startswith("sha1:") and keys[1] != keys[2]
    assert keys == [i.key for i in parse(body).items]  # stable


def test_a_verbatim_repeat_is_dropped_the_first_copy_wins() -> None:
    one = "<item><title>One</title><link>https://example.org/1</link><guid>same</guid></item>"
    items = parse(doc(one + one)).items
    assert len(items) == 1 and items[0].title == "One" and items[0].key == "same"


def test_different_stories_sharing_a_guid_are_all_kept_with_stable_distinct_keys() -> None:
    body = doc(
        "<item><title>Five</title><link>https://example.org/c</link><guid>g</guid></item>"
        "<item><title>Four</title><link>https://example.org/c</link><guid>g</guid></item>"
        "<item><title>Three</title><link>https://example.org/b</link><guid>g</guid></item>"
        "<item><title>Two</title><guid>g</guid></item>"
        "<item><title>One</title><link>https://example.org/a</link><guid>g</guid></item>"
        "<item><title>Own</title><link>https://example.org/o</link><guid>h</guid></item>"
    )
    items = parse(body).items
    keys = {i.title: i.key for i in items}
    assert len(keys) == 6 and len(set(keys.values())) == 6
    assert keys["Own"] == "h"  # a guid of its own stays the key
    assert (
        keys["One"] == "g https://example.org/a" and keys["Three"] == "g https://example.org/b"
    )  # guid + link
    assert (
        keys["Four"] != keys["Five"]
    )  # same guid and link: their position (from the oldest) tells them apart
    assert {i.alias for i in items if i.title != "Own"} == {"g"}  # the key they may be stored under
    assert keys == {i.title: i.key for i in parse(body).items}  # the same document, the same keys
    # A newer story reusing the guid, prepended: the stories already there keep their keys.
    newer = doc("<item><title>Six</title><link>https://example.org/d</link><guid>g</guid></item>")
    grown = parse(newer[: newer.index(b"</channel>")] + body[body.index(b"<item>") :]).items
    assert {i.title: i.key for i in grown if i.title != "Six"} == keys


def test_edit_changes_content_hash_only() -> None:
    a = parse(doc("<item><title>Old</title><guid>g</guid><description>x</description></item>")).items[0]
    b = parse(doc("<item><title>New</title><guid>g</guid><description>x</description></item>")).items[0]
    c = parse(doc("<item><title>Old</title><guid>g</guid><description>y</description></item>")).items[0]
    assert a.key == b.key == c.key
    assert len({a.content_hash, b.content_hash, c.content_hash}) == 3


@pytest.mark.parametrize(
    "date",
    ["0000-00-00", "0000-00-00T00:00:00Z", "not a date", "Mon, 32 Foo 2024 99:99:99 GMT", ""],
)
def test_bad_dates_become_none(date: str) -> None:
    item = parse(doc(f"<item><title>x</title><guid>g</guid><pubDate>{date}</pubDate></item>")).items[0]
    assert item.published is None


def test_a_future_date_is_kept_as_written_and_hash_stable() -> None:
    # Issue 9: clamping it to "now" made the item show "now" and hid its real date; only the order is clamped.
    body = doc("<item><title>x</title><guid>g</guid><pubDate>Wed, 05 Jun 2024 08:30:00 GMT</pubDate></item>")
    a = parse_feed(body, "https://e.org/f", RSS_CT, now=NOW).items[0]
    b = parse_feed(body, "https://e.org/f", RSS_CT, now=datetime(2024, 6, 3, tzinfo=UTC)).items[0]
    assert a.published == datetime(2024, 6, 5, 8, 30, tzinfo=UTC)
    assert b.published == a.published and a.content_hash == b.content_hash


def test_a_date_more_than_a_year_ahead_is_dropped() -> None:
    body = doc("<item><title>x</title><guid>g</guid><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>")
    assert parse(body).items[0].published is None


def test_unsafe_links_are_dropped() -> None:
    body = doc(
        "<item><title>a</title><guid>1</guid><link>javascript:alert(1)</link></item>"
        "<item><title>b</title><guid>2</guid><link>data:text/html,hi</link></item>"
        "<item><title>c</title><guid>3</guid><link>file:///etc/passwd</link></item>"
        "<item><title>d</title><guid>4</guid><link>https://ok.example.org/</link></item>",
        channel="",
    )
    assert [i.link for i in parse(body).items] == [None, None, None, "https://ok.example.org/"]


def test_xml_base_and_relative_links() -> None:
    feed = parse((FEEDS / "xmlbase.xml").read_bytes(), "https://feeds.example.org/atom.xml")
    first, second = feed.items
    assert first.link == "https://blog.example.org/base/posts/1.html"
    assert second.link == "https://other.example.net/x/y.html"
    assert first.key == "1"  # raw id, even with an xml:base around it
    assert first.content == "<p>Hello</p>" and first.summary is None
    assert second.summary == "Plain summary" and second.content is None
    assert feed.site_url == "https://blog.example.org/"


def test_text_is_cleaned_and_capped() -> None:
    evil = "&#27;]0;pwned&#7;Title&#x9b;2J" + "x" * 5000
    item = parse(doc(f"<item><title>{evil}</title><guid>g</guid><author>{'a' * 1000}</author></item>")).items[
        0
    ]
    assert "\x1b" not in item.title and "\x07" not in item.title and "\x9b" not in item.title
    assert len(item.title) <= 1000 and item.author is not None and len(item.author) <= 300


def test_bozo_but_usable_is_kept_with_a_warning() -> None:
    feed = parse((FEEDS / "bozo_usable.xml").read_bytes())
    assert feed.warning and "malformed" in feed.warning
    assert [i.key for i in feed.items][:1] == ["s-1"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"just some text",
        b"<html><body><p>hello</p></body></html>",
        b"<?xml version='1.0'?><rss><chan",
        b"\x00\xff" * 50,
    ],
)
def test_unusable_documents_raise(body: bytes) -> None:
    with pytest.raises(ParseError):
        parse(body)


def test_character_reference_that_breaks_feedparser_is_a_parse_error_or_parses() -> None:
    # feedparser#591/#599: some character references make parse() raise; never anything but ParseError.
    for ref in ("&#xD800;", "&#99999999999;", "&#x110000;", "&#0;"):
        body = doc(f"<item><title>a {ref} b</title><guid>g</guid></item>")
        try:
            feed = parse(body)
        except ParseError:
            continue
        assert all("\x00" not in i.title for i in feed.items)


def test_empty_but_valid_feed_is_not_an_error() -> None:
    feed = parse(doc(""))
    assert feed.items == () and feed.title == "T"


def test_billion_laughs_is_defused() -> None:
    start = time.perf_counter()
    try:
        feed = parse((FEEDS / "billion_laughs.xml").read_bytes())
    except ParseError:
        pass
    else:
        assert all(len(i.title) < 100 for i in feed.items)
        assert feed.title is None or len(feed.title) < 100
    assert time.perf_counter() - start < 2


def test_entities_hidden_in_utf16_are_defused() -> None:
    try:
        feed = parse((FEEDS / "utf16_entities.xml").read_bytes(), headers={})
    except ParseError:
        return
    assert feed.title is None or "aaaaaaaaaa" not in feed.title


def test_entity_declarations_outside_a_doctype_are_refused() -> None:
    body = (
        b'<?xml version="1.0"?><!ENTITY x "y"><rss version="2.0"><channel><title>&x;</title></channel></rss>'
    )
    with pytest.raises(ParseError, match="entities"):
        parse(body)


def test_xxe_never_reads_local_files() -> None:
    secret = (
        Path("/etc/passwd").read_text(errors="replace").splitlines()[0]
        if Path("/etc/passwd").exists()
        else "root:"
    )
    try:
        feed = parse((FEEDS / "xxe.xml").read_bytes())
    except ParseError:
        return
    for item in feed.items:
        assert secret not in (item.title + (item.summary or ""))
        assert "root:" not in item.title + (item.summary or "")


@pytest.mark.parametrize(
    ("name", "headers", "title"),
    [
        ("latin1.xml", {}, "Café Latin-1"),
        ("latin1.xml", {"content-type": "text/xml"}, "Café Latin-1"),  # no charset: the XML declaration
        ("utf16.xml", {}, "UTF-16 Café"),
        ("utf16.xml", {"content-type": "application/xml; charset=utf-8"}, "UTF-16 Café"),  # wrong charset
    ],
)
def test_charsets(name: str, headers: dict[str, str], title: str) -> None:
    feed = parse((FEEDS / name).read_bytes(), headers=headers)
    assert feed.title == title
    assert feed.items


def test_wrong_charset_header_on_latin1_does_not_crash() -> None:
    feed = parse((FEEDS / "latin1.xml").read_bytes(), headers={"content-type": "text/xml; charset=utf-8"})
    assert feed.items and feed.items[0].key == "l1-1"


def test_a_20000_item_feed_is_bounded() -> None:
    items = "".join(
        f"<item><title>t{n}</title><guid>g{n}</guid><pubDate>{_rfc822(n)}</pubDate></item>"
        for n in range(20_000)
    )
    feed = parse(doc(items))
    assert len(feed.items) == MAX_ITEMS
    keys = {i.key for i in feed.items}
    assert "g19999" in keys and "g0" not in keys  # the newest kept: item n is n minutes newer than item 0


def test_sniff_ttl() -> None:
    assert sniff_ttl(rss(1, ttl=45)) == 45
    assert sniff_ttl(rss(1)) is None


def _rfc822(n: int) -> str:
    minutes = n % 60
    hours = (n // 60) % 24
    day = 1 + n // 1440
    return f"{day:02d} Jan 2024 {hours:02d}:{minutes:02d}:00 GMT"


WORDPRESS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">
<channel><title>  WP &amp; co </title><link>https://wp.example.org</link><ttl> 30 </ttl>
<item><title>Only content</title><link>https://wp.example.org/a</link><dc:creator><![CDATA[Jane Doe]]></dc:creator>
<pubDate>Tue, 02 Jan 2024 10:00:00 +0000</pubDate><category><![CDATA[News]]></category>
<guid isPermaLink="false">https://wp.example.org/?p=1</guid><content:encoded><![CDATA[<p>Full <b>text</b></p>]]>
</content:encoded><wfw:commentRss>https://wp.example.org/a/feed</wfw:commentRss><slash:comments>0</slash:comments></item>
<item><title>Perma</title><guid>https://wp.example.org/b</guid><description>d</description>
<dc:date>2024-01-03T10:00:00+01:00</dc:date></item>
<item><title>  Spaced &amp; &lt;b&gt;escaped&lt;/b&gt; </title><author>Bob &lt;bob@example.org&gt;</author><guid>x</guid>
<pubDate>garbage</pubDate></item>
<item><title>Same</title><description>&lt;p&gt;x&lt;/p&gt;</description><content:encoded>&lt;p&gt;x&lt;/p&gt;</content:encoded></item>
<item><title>rel</title><link> /relative/path </link><guid isPermaLink="true">42</guid></item>
<item><title>e</title><author>bob@example.org</author><description>plain &amp;amp; text</description></item>
<item><title></title><guid>empty-title</guid></item>
</channel></rss>"""


PODCAST = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Pod</title>
<link>https://pod.example.org/</link>
<item><title>Episode 12</title><guid>ep12</guid><description>Talk</description>
<enclosure url="https://cdn.example.org/ep12.mp3" type="audio/mpeg" length="42123456"/></item>
<item><title>Two files</title><guid>ep13</guid>
<enclosure url="/files/ep13.mp3" length="not a number" type="audio/mpeg"/>
<enclosure url="https://cdn.example.org/ep13.pdf" type="application/pdf" length="0"/>
<enclosure url="https://cdn.example.org/ep13.pdf" type="application/pdf"/>
<enclosure url="javascript:alert(1)" type="audio/mpeg"/></item>
<item><title>No file</title><guid>ep14</guid><description>Notes</description></item>
</channel></rss>"""


def test_enclosures_are_kept_absolute_once_and_with_a_plausible_size() -> None:
    items = {i.title: i for i in parse(PODCAST, "https://pod.example.org/feed.xml").items}
    assert items["Episode 12"].enclosures == (
        Enclosure("https://cdn.example.org/ep12.mp3", "audio/mpeg", 42123456),
    )
    assert items["Two files"].enclosures == (
        Enclosure("https://pod.example.org/files/ep13.mp3", "audio/mpeg", None),
        Enclosure("https://cdn.example.org/ep13.pdf", "application/pdf", None),
    )
    assert items["No file"].enclosures == ()
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>a1</id><title>Atom ep</title>'
        b'<link rel="enclosure" href="https://cdn.example.org/a1.ogg" type="audio/ogg" length="99"/></entry></feed>'
    )
    [entry] = parse(atom, headers={"content-type": "application/atom+xml"}).items
    assert entry.enclosures == (Enclosure("https://cdn.example.org/a1.ogg", "audio/ogg", 99),)


def test_a_file_added_to_an_item_changes_its_hash_and_an_item_without_files_hashes_as_before() -> None:
    with_file = parse(PODCAST).items[0]
    bare = parse(
        doc("<item><title>Episode 12</title><guid>ep12</guid><description>Talk</description></item>")
    )
    assert bare.items[0].content_hash != with_file.content_hash
    # The hash of an item without files is the one stored before files were read (no empty parts added).
    link = "https://example.org/ep12"  # a guid is a permalink unless it says otherwise
    assert bare.items[0].content_hash == _sha1("Episode 12", link, "Talk", "", "", "", "")


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (PODCAST, RSS_CT),
        (rss(5, ttl=30), RSS_CT),
        (rss(3), {}),
        (rss(3), {"content-type": "application/xml"}),
        (WORDPRESS, RSS_CT),
        (WORDPRESS, {"content-type": "application/rss+xml; charset=UTF-8"}),
    ],
)
def test_fast_path_gives_what_feedparser_gives(body: bytes, headers: dict[str, str]) -> None:
    from reader.feeds.parse import _defuse, _fast_rss

    assert _fast_rss(*_defuse(body, headers)) is not None  # the fast path really ran
    fast = parse_feed(body, "https://feeds.example.org/f.xml", headers, now=NOW)
    slow = parse_feed(body, "https://feeds.example.org/f.xml", headers, now=NOW, fast_path=False)
    assert fast == slow


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (rss(2), {"content-type": "text/xml"}),  # RFC 3023: text/* without charset
        (rss(2), {"content-type": "application/rss+xml; charset=iso-8859-1"}),
        (
            rss(2, extra_item="<media:title xmlns:media='http://search.yahoo.com/mrss/'>m</media:title>"),
            RSS_CT,
        ),
        (rss(2, extra_item="<title>second title</title>"), RSS_CT),
        (doc("<item><title>x<b>bold</b></title></item>"), RSS_CT),
        ((FEEDS / "xmlbase.xml").read_bytes(), {}),
        ((FEEDS / "latin1.xml").read_bytes(), {}),
        ((FEEDS / "bozo_usable.xml").read_bytes(), RSS_CT),
    ],
)
def test_fast_path_declines_what_it_does_not_know(body: bytes, headers: dict[str, str]) -> None:
    from reader.feeds.parse import _defuse, _fast_rss

    assert _fast_rss(*_defuse(body, headers)) is None


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "  spaced   out \n text ",
        "a\x1b[31mred",
        "bidi\u202eevil",
        "x" * 2000,
        "tab\there",
        "\u2028sep",
        "",
    ],
)
def test_line_and_block_shortcuts_match_textsafe(text: str) -> None:
    from reader.feeds.parse import _block, _line
    from reader.textsafe import clean_block, clean_text

    assert _line(text, 1000) == clean_text(text, 1000)
    assert _block(text) == (clean_block(text) or None)


try:
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.text(max_size=200))
    def test_line_and_block_shortcuts_match_textsafe_property(text: str) -> None:
        from reader.feeds.parse import _block, _line
        from reader.textsafe import clean_block, clean_text

        assert _line(text, 100) == clean_text(text, 100)
        assert _block(text) == (clean_block(text) or None)
except ImportError:  # pragma: no cover
    pass


# Links as feeds write them, and as hostile ones do: every piece urljoin treats specially.
_LINK_PARTS = st.sampled_from(
    ["http://", "https://", "HTTP://", "ftp://", "//", "/", "a", "b.c", ":", ";", "?", "#", "=", "&", "%2F",
     "..", "./", "[", "]", "@", "\t", "\n", "\r", " ", "\x00", "\x1b", "\u202e", "é", "８"]
)  # fmt: skip
_BASES = st.sampled_from(
    ["http://127.0.0.1:8000/feed.xml", "https://example.org/a/b/feed?x=1", "HTTPS://Example.org/",
     "file:///home/me/feed.xml", "/home/me/feed.xml", "./feed.xml", "ftp://example.org/f"]
)  # fmt: skip


def _joined(base: str, link: str) -> tuple[object, object]:
    """(the parser's link join, urljoin's): each the joined URL, or the ValueError class it raised."""
    from urllib.parse import urljoin

    from reader.feeds.parse import _join

    try:
        expected: object = urljoin(base, link)
    except ValueError as exc:
        expected = type(exc)
    try:
        got: object = _join(base, link)
    except ValueError as exc:
        got = type(exc)
    return got, expected


@settings(deadline=None, max_examples=400)
@given(_BASES, st.lists(_LINK_PARTS, min_size=1, max_size=8).map("".join))
def test_the_link_join_shortcut_gives_what_urljoin_gives(base: str, link: str) -> None:
    got, expected = _joined(base, link)
    assert got == expected


@pytest.mark.parametrize(
    ("base", "link"),
    [
        ("http://127.0.0.1/feed.xml", "https://example.org/a?b=1&c=2"),
        ("https://example.org/feed", "https://example.org/a/b?x"),
        ("https://example.org/feed", "https://example.org/a?"),
        ("https://example.org/feed", "https://example.org/a;p?q#f"),
        ("https://example.org/feed", "https://exa\tmple.org/a"),
        ("https://example.org/feed", "https:///path"),
        ("https://example.org/feed", "https://[::1/x"),
        ("HTTPS://example.org/feed", "https://example.org/x"),
    ],
)
def test_the_link_join_shortcut_on_the_edges(base: str, link: str) -> None:
    got, expected = _joined(base, link)
    assert got == expected


def test_story_terms_are_made_only_when_stories_are_grouped() -> None:
    grouped = parse_feed(rss(2), "https://example.org/feed.xml", RSS_CT)
    assert all(it.story_terms for it in grouped.items)  # made here, in the parse worker
    plain = parse_feed(rss(2), "https://example.org/feed.xml", RSS_CT, stories=False)
    assert [it.story_terms for it in plain.items] == [None, None]
    assert [it.title for it in plain.items] == [it.title for it in grouped.items]


def test_story_terms_read_the_summary_s_lead_for_a_headline_that_says_little() -> None:
    doc = b"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>t</title>
<item><title>Live updates</title><guid>a</guid>
<description>&lt;p&gt;Volcano erupts near the island town of Grindavik overnight.&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Residents were evacuated hours before the lava reached the harbour.</p>]]></content:encoded>
</item>
<item><title>Volcano erupts near Grindavik</title><guid>b</guid>
<description>&lt;p&gt;Lava reached the harbour overnight.&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Residents were evacuated.</p>]]></content:encoded>
</item></channel></rss>"""
    short, long = parse_feed(doc, "https://example.org/feed.xml", RSS_CT).items
    assert short.story_terms is not None and long.story_terms is not None
    _, _, lead = short.story_terms.partition("|")
    assert "volcano" in lead.split() and "resident" not in lead.split()  # the summary's lead, not the body's
    assert long.story_terms == "volcano erupt near grindavik"  # its headline says it: no lead read
