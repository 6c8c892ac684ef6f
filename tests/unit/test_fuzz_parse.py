"""Property-based tests of reader.feeds.parse.parse_feed: whatever the bytes, only ParseError, and only safe output.

Example counts come from the Hypothesis profile (tests/hypothesis_profiles.py): "ci" by default,
HYPOTHESIS_PROFILE=release for the long run.
"""

from __future__ import annotations

import hypothesis_profiles  # noqa: F401  (registers and loads the profiles before the tests below are built)
from hypothesis import example, given
from hypothesis import strategies as st

from reader.errors import ParseError
from reader.feeds.parse import AUTHOR_LIMIT, KEY_LIMIT, MAX_ITEMS, TITLE_LIMIT, _safe_link, parse_feed
from reader.models import ParsedFeed
from reader.textsafe import is_safe

FEED_URL = "http://127.0.0.1:8000/feed.xml"
HEADERS = {"content-type": "application/rss+xml"}
# parse._safe_link keeps control and bidi characters inside links (tests/hostile: case "link_escapes", an
# xfail). Until that is fixed, links are checked for what _safe_link promises today (no NUL, CR, LF, tab or
# space); once it is, the full is_safe check switches on by itself.
LINKS_CLEANED = _safe_link("http://example.org/\x1b]0;x\x07\u202e", "") is None


def link_ok(link: str) -> bool:
    if not link.startswith(("http://", "https://")):
        return False
    return is_safe(link) if LINKS_CLEANED else not any(ch in link for ch in "\x00\r\n\t ")


def check(parsed: ParsedFeed) -> None:
    """What every successful parse must give."""
    assert parsed.title is None or (is_safe(parsed.title) and len(parsed.title) <= TITLE_LIMIT)
    assert parsed.warning is None or is_safe(parsed.warning)
    assert parsed.site_url is None or link_ok(parsed.site_url), repr(parsed.site_url)
    assert len(parsed.items) <= MAX_ITEMS
    keys = [i.key for i in parsed.items]
    assert len(keys) == len(set(keys)), "duplicate item keys in one document"
    for it in parsed.items:
        assert it.title and is_safe(it.title) and len(it.title) <= TITLE_LIMIT
        assert it.author is None or (is_safe(it.author) and len(it.author) <= AUTHOR_LIMIT)
        for text in (it.summary, it.content, it.guid):
            assert text is None or is_safe(text)
        assert it.link is None or link_ok(it.link), repr(it.link)
        assert it.key and len(it.key) <= KEY_LIMIT
        assert it.published is None or it.published.tzinfo is not None
        # Everything stored must be encodable (SQLite refuses lone surrogates).
        for text in (it.title, it.summary, it.content, it.author, it.link, it.guid, it.key):
            if text is not None:
                text.encode("utf-8")


def parse_or_refuse(body: bytes, headers: dict[str, str] | None = None) -> None:
    try:
        parsed = parse_feed(body, FEED_URL, headers if headers is not None else HEADERS)
    except ParseError as exc:
        assert is_safe(str(exc)) and len(str(exc)) < 400
        return
    check(parsed)


# ----------------------------------------------------------------------------- arbitrary bytes


@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xff\xfe\x00\x00")
@example(b"\x4c\x6f\xa7\x94")  # "<?xm" in EBCDIC
@example(b"<rss><channel><item><title>&#xD800;</title></item></channel></rss>")
@example(b"<rss><channel><item><title>&#x110000;</title></item></channel></rss>")
def test_arbitrary_bytes(body: bytes) -> None:
    parse_or_refuse(body)


@given(
    st.binary(max_size=500), st.sampled_from(["utf-8", "utf-16", "utf-7", "latin-1", "shift_jis", "bogus"])
)
def test_arbitrary_bytes_with_a_charset(body: bytes, charset: str) -> None:
    head = f'<?xml version="1.0" encoding="{charset}"?><rss version="2.0"><channel><item><title>'.encode()
    parse_or_refuse(
        head + body + b"</title></item></channel></rss>", {"content-type": f"text/xml; charset={charset}"}
    )


# ----------------------------------------------------------------------------- structured documents

# Any text at all (controls, bidi, markup, escapes), minus lone surrogates, which UTF-8 cannot carry.
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
# A character reference to any code point, valid or not (feedparser#591/#599 raise on some).
char_ref = st.integers(min_value=0, max_value=0x11FFFF).flatmap(
    lambda n: st.sampled_from([f"&#{n};", f"&#x{n:x};", f"&#X{n:X};"])
)
nasty = st.sampled_from(
    [
        "\x1b]52;c;ZXZpbA==\x07",
        "\x1b[2J",
        "\x9b31m",
        "&#27;]0;t&#7;",
        "&#155;",
        "&amp;#27;",
        "[@click=app.quit]",
        "[/]",
        "\u202e",
        "\u200b",
        "<b>",
        "</item>",
        "<![CDATA[",
        "]]>",
        "&",
        "&lol;",
        "<!ENTITY x 'y'>",
        "javascript:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
    ]
)
fragment = st.lists(st.one_of(any_text, char_ref, nasty), max_size=6).map("".join)
maybe_escaped = st.tuples(fragment, st.booleans()).map(
    lambda t: t[0] if t[1] else t[0].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
)
link_text = st.one_of(
    st.sampled_from(["http://example.org/a", "https://example.org/b?x=1", "/relative", "//proto.example/x"]),
    st.sampled_from(["javascript:alert(1)", " JaVaScRiPt:x", "data:,x", "file:///etc/passwd", "vbscript:x"]),
    fragment,
)
date_text = st.one_of(
    st.sampled_from(["Mon, 01 Jan 2024 00:00:00 GMT", "0000-00-00", "2999-01-01T00:00:00Z", "99999-99-99"]),
    fragment,
)


@st.composite
def rss_items(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        fields = {
            "title": draw(maybe_escaped),
            "link": draw(link_text),
            "guid": draw(st.one_of(st.none(), maybe_escaped)),
            "description": draw(maybe_escaped),
            "pubDate": draw(date_text),
            "author": draw(maybe_escaped),
        }
        inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if v is not None)
        parts.append(f"<item>{inner}</item>")
    return "".join(parts)


@given(maybe_escaped, rss_items(), st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_structured_rss(title: str, items: str, encoding: str) -> None:
    doc = f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{title}</title>'
    doc += f"<link>http://example.org/</link>{items}</channel></rss>"
    body = doc.encode(encoding, "replace")
    parse_or_refuse(body, {"content-type": f"application/rss+xml; charset={encoding}"})


@st.composite
def atom_entries(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        base = draw(st.one_of(st.none(), link_text))
        base_attr = f' xml:base="{base}"' if base else ""
        parts.append(
            f'<entry{base_attr}><title type="html">{draw(maybe_escaped)}</title><id>{draw(maybe_escaped)}</id>'
            f'<link href="{draw(link_text)}"/><updated>{draw(date_text)}</updated>'
            f'<content type="html">{draw(maybe_escaped)}</content><author><name>{draw(maybe_escaped)}</name>'
            "</author></entry>"
        )
    return "".join(parts)


@given(maybe_escaped, atom_entries())
def test_structured_atom(title: str, entries: str) -> None:
    doc = f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
    doc += f"<id>urn:x</id>{entries}</feed>"
    parse_or_refuse(doc.encode("utf-8", "replace"), {"content-type": "application/atom+xml"})


VALID = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>One</title><link>http://example.org/1</link><guid>1</guid>"
    b"<description>&lt;p&gt;Body&lt;/p&gt;</description><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>"
    b"<item><title>Two</title><link>http://example.org/2</link><guid>2</guid></item></channel></rss>"
)


@given(st.lists(st.tuples(st.integers(0, len(VALID)), st.integers(0, 8), st.binary(max_size=8)), max_size=6))
def test_mutated_valid_feed(edits: list[tuple[int, int, bytes]]) -> None:
    """A valid feed with bytes cut out and spliced in at random places."""
    body = bytearray(VALID)
    for pos, cut, insert in edits:
        pos = min(pos, len(body))
        body[pos : pos + cut] = insert
    parse_or_refuse(bytes(body))
