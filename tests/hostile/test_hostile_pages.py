"""Hostile pages on the full-text path: fetch_article (PoliteClient + extract) against the loopback server.

Each case says what it attacks; the reader must give a clear FetchError/ExtractError or a safe Article, within
the deadline and the body cap, and never fetch a private address for a feed on another host (SSRF).
"""

from __future__ import annotations

import gzip
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpserver import LoopbackServer, MiB, gzip_bomb
from shingle_metric import f1

from reader.errors import ExtractError, FetchError, ReaderError
from reader.fetch.client import PoliteClient
from reader.fetch.fulltext import fetch_article, link_allowed
from reader.fetch.settings import ClientSettings
from reader.models import Article, Item
from reader.textsafe import is_safe

PAGES = Path(__file__).parent / "pages"
MD_LINK = re.compile(r"\]\(([^)\s]*)")
DEADLINE = 2.0
CAP = 4 * MiB


def client() -> PoliteClient:
    return PoliteClient(
        ClientSettings(
            deadline=DEADLINE, read_timeout=1.5, connect_timeout=1.0, max_body_bytes=CAP, host_jitter=0
        )
    )


def item_for(link: str, feed_url: str, content: str | None = None) -> Item:
    return Item(
        id=1,
        feed_id=1,
        feed_url=feed_url,
        feed_title="Feed",
        title="Item",
        link=link,
        author=None,
        summary=None,
        content=content,
        published=None,
        first_seen=datetime.now(UTC),
        read=False,
        saved=False,
    )


async def fetch(server: LoopbackServer, path: str, content: str | None = None) -> Article:
    async with client() as c:
        return await fetch_article(c, item_for(server.url(path), server.url("/feed.xml"), content))


def assert_safe_article(a: Article) -> None:
    for label, value in (("title", a.title), ("byline", a.byline), ("markdown", a.markdown), ("text", a.text),
                         ("note", a.note), ("thin reason", a.thin_reason)):  # fmt: skip
        assert value is None or is_safe(value), f"article {label} is not safe: {value!r:.200}"
    for target in MD_LINK.findall(a.markdown):
        assert target.startswith(("http://", "https://", "#")), f"unsafe link target {target!r}"


# ----------------------------------------------------------------------------- content


async def test_escape_sequences_in_a_page_never_reach_the_article(http_server: LoopbackServer) -> None:
    """&#27;/&#x1b;/&#155;/bidi/zero-width in title, byline, headings, body and link text: stripped."""
    http_server.serve("/p", (PAGES / "escapes.html").read_bytes(), content_type="text/html; charset=utf-8")
    a = await fetch(http_server, "/p")
    assert_safe_article(a)
    assert "First paragraph" in a.text and "reversed" in (a.title or "") + a.text


async def test_raw_escape_bytes_in_a_page_never_reach_the_article(http_server: LoopbackServer) -> None:
    """The same sequences as raw bytes (ESC, BEL, C1 in Latin-1) in a page that declares Latin-1."""
    words = " ".join(["words"] * 80)
    body = (
        "<html><head><title>Raw \x1b]0;pwned\x07 title</title></head><body><article>"
        f"<p>Raw \x1b]52;c;ZXZpbA==\x07 clip \x1b[2J clear \x9b31m red \x9d0;x\x9c {words}</p>"
        f"<p>{words}</p></article></body></html>"
    ).encode("latin-1")
    http_server.serve("/p", body, content_type="text/html; charset=iso-8859-1")
    a = await fetch(http_server, "/p")
    assert_safe_article(a)
    assert "clip" in a.text


async def test_utf7_page_cannot_smuggle_escapes(http_server: LoopbackServer) -> None:
    """A page declaring UTF-7, where "+ABs-" decodes to ESC."""
    words = " ".join(["prose"] * 80)
    body = f'<html><head><meta charset="utf-7"></head><body><p>Seven +ABs-]0;pwned+AAc- {words}</p></body></html>'
    http_server.serve("/p", body.encode(), content_type="text/html; charset=utf-7")
    try:
        a = await fetch(http_server, "/p")
    except ReaderError:
        return  # refusing the page is fine too
    assert_safe_article(a)


async def test_dangerous_links_in_a_page_are_dropped(http_server: LoopbackServer) -> None:
    http_server.serve("/p", (PAGES / "bad_links.html").read_bytes(), content_type="text/html")
    a = await fetch(http_server, "/p")
    assert_safe_article(a)
    assert not re.search(r"(?i)(javascript|data|file|vbscript):", a.markdown)
    assert "javascript link" in a.text and "relative link" in a.text
    assert http_server.url("/relative/ok") in a.markdown


async def test_script_only_page_gives_no_script_text(http_server: LoopbackServer) -> None:
    http_server.serve("/p", (PAGES / "script_only.html").read_bytes(), content_type="text/html")
    try:
        a = await fetch(http_server, "/p", content="<p>The feed's own words about the item.</p>")
    except ExtractError:
        return
    assert_safe_article(a)
    assert "SCRIPT TEXT" not in a.text and "document.write" not in a.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + bytes(range(256)) * 40, id="pdf"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(4000), id="png"),
        pytest.param(bytes(range(256)) * 64, id="binary"),
        pytest.param(b"\x00" * 10_000, id="nul-bytes"),
    ],
)
async def test_binary_served_as_html_is_refused(http_server: LoopbackServer, body: bytes) -> None:
    http_server.serve("/p", body, content_type="text/html")
    with pytest.raises(ReaderError) as info:
        await fetch(http_server, "/p")
    assert is_safe(str(info.value)) and len(str(info.value)) < 300


async def test_rich_markup_in_a_page_is_text(http_server: LoopbackServer) -> None:
    words = " ".join(["sentence"] * 80)
    http_server.serve(
        "/p",
        f"<html><body><article><p>[bold red]Alert[/] [@click=app.quit]quit[/] [link=file:///etc/passwd]x[/link] "
        f"[/] {words}</p></article></body></html>",
        content_type="text/html",
    )
    a = await fetch(http_server, "/p")
    assert_safe_article(a)
    assert "[@click=app.quit]quit[/]" in a.text  # kept as literal text; the UI never parses it as markup


# ----------------------------------------------------------------------------- size and time


async def test_huge_page_is_refused_at_the_cap(http_server: LoopbackServer) -> None:
    http_server.serve(
        "/p", b"<html><body><p>" + b"word " * (2 * CAP // 5) + b"</p></body></html>", content_type="text/html"
    )
    with pytest.raises(FetchError, match="too large"):
        await fetch(http_server, "/p")


async def test_large_page_under_the_cap_extracts_in_bounded_time(http_server: LoopbackServer) -> None:
    """2 MB of nested markup: extraction finishes (readability is superlinear; the caps bound it)."""
    para = "<div><p>" + "policy words and more words " * 20 + "</p></div>"
    body = ("<html><body>" + para * (2_000_000 // len(para)) + "</body></html>").encode()
    http_server.serve("/p", body, content_type="text/html")
    started = time.monotonic()
    try:
        a = await fetch(http_server, "/p")
    except ReaderError:
        a = None
    assert time.monotonic() - started < 60
    if a is not None:
        assert_safe_article(a)


async def test_gzip_bomb_page_is_refused(http_server: LoopbackServer) -> None:
    http_server.serve(
        "/p", gzip_bomb(64 * MiB), content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(FetchError, match="too large"):
        await fetch(http_server, "/p")


async def test_dripping_page_hits_the_deadline(http_server: LoopbackServer) -> None:
    http_server.serve("/p", b"<html>" + b"x" * 200, content_type="text/html", drip=0.3)
    started = time.monotonic()
    with pytest.raises(FetchError, match="within"):
        await fetch(http_server, "/p")
    assert time.monotonic() - started < DEADLINE + 2


# ----------------------------------------------------------------------------- SSRF


@pytest.mark.parametrize(
    ("url", "feed_url", "allowed"),
    [
        ("https://example.org/post", "https://example.org/feed", True),
        ("https://other.example.net/post", "https://example.org/feed", True),
        ("http://127.0.0.1:8080/admin", "https://example.org/feed", False),
        ("http://localhost/admin", "https://example.org/feed", False),
        ("http://router.lan/", "https://example.org/feed", False),
        ("http://printer.local/", "https://example.org/feed", False),
        ("http://intranet/", "https://example.org/feed", False),
        ("http://10.0.0.1/", "https://example.org/feed", False),
        ("http://192.168.1.1/", "https://example.org/feed", False),
        ("http://172.16.0.1/", "https://example.org/feed", False),
        ("http://169.254.169.254/latest/meta-data/", "https://example.org/feed", False),  # cloud metadata
        ("http://[::1]/", "https://example.org/feed", False),
        ("http://[::ffff:127.0.0.1]/", "https://example.org/feed", False),
        ("http://[fe80::1]/", "https://example.org/feed", False),
        ("http://0.0.0.0/", "https://example.org/feed", False),
        ("http://2130706433/", "https://example.org/feed", False),  # 127.0.0.1 as one decimal number
        ("javascript:alert(1)", "https://example.org/feed", False),
        ("data:text/html,x", "https://example.org/feed", False),
        ("file:///etc/passwd", "https://example.org/feed", False),
        ("ftp://example.org/x", "https://example.org/feed", False),
        ("http://127.0.0.1/page", "http://127.0.0.1/feed", True),  # a feed on the same private host: fine
        ("http://10.0.0.2/page", "http://10.0.0.1/feed", False),  # a different private host: no
    ],
)
def test_link_allowed(url: str, feed_url: str, allowed: bool) -> None:
    assert link_allowed(url, feed_url) is allowed


@pytest.mark.parametrize("url", ["http://127.1/", "http://0x7f.0.0.1/", "http://0177.0.0.1/", "http://10.1/"])
def test_link_allowed_refuses_ipv4_shorthands(url: str) -> None:
    """Forms the system resolver reads as IPv4 literals: 127.1 is 127.0.0.1, 0x7f/0177 are hex/octal."""
    assert link_allowed(url, "https://example.org/feed") is False


async def test_private_link_from_a_public_feed_is_not_fetched(http_server: LoopbackServer) -> None:
    http_server.serve("/admin", b"<html><body>secret admin page</body></html>", content_type="text/html")
    async with client() as c:
        with pytest.raises(FetchError, match="public"):
            await fetch_article(c, item_for(http_server.url("/admin"), "https://news.example.org/feed.xml"))
    assert http_server.count("/admin") == 0


async def test_redirect_to_a_private_host_is_not_followed(http_server: LoopbackServer) -> None:
    """The feed and its page live on 127.0.0.2 (allowed: same host); the page redirects to 127.0.0.1."""
    http_server.add_host("127.0.0.2")
    http_server.serve("/secret", b"<html><body>internal</body></html>", content_type="text/html")
    http_server.redirect("/page", http_server.url("/secret"), 302)
    page = http_server.url("/page", host="127.0.0.2")
    async with client() as c:
        with pytest.raises(FetchError, match="not allowed"):
            await fetch_article(c, item_for(page, http_server.url("/feed.xml", host="127.0.0.2")))
    assert http_server.count("/secret") == 0


async def test_redirect_to_a_shorthand_private_address_is_not_followed(http_server: LoopbackServer) -> None:
    """As above, but the Location spells 127.0.0.1 as "127.1" (redirect hops get no DNS check)."""
    http_server.add_host("127.0.0.2")
    http_server.serve("/secret", b"<html><body>internal</body></html>", content_type="text/html")
    http_server.redirect("/page", f"http://127.1:{http_server.port()}/secret", 302)
    page = http_server.url("/page", host="127.0.0.2")
    async with client() as c:
        with pytest.raises(FetchError):
            await fetch_article(c, item_for(page, http_server.url("/feed.xml", host="127.0.0.2")))
    assert http_server.count("/secret") == 0


# ----------------------------------------------------------------------------- real pages that defeated v5

REAL = Path(__file__).parents[1] / "data" / "extract" / "fundus"  # hand-labelled pages, see its NOTICE.md


def _real_page(name: str) -> tuple[bytes, str]:
    return gzip.decompress((REAL / f"{name}.html.gz").read_bytes()), (
        REAL / f"{name}.expected.txt"
    ).read_text()


async def test_live_blog_gives_its_updates(http_server: LoopbackServer) -> None:
    """A live blog (The Telegraph, Brit Awards 2024): the updates are the story, not just the introduction."""
    html, expected = _real_page("TheTelegraph_1")
    http_server.serve("/live", html, content_type="text/html; charset=utf-8")
    a = await fetch(http_server, "/live")
    assert_safe_article(a)
    assert a.source == "page" and not a.thin
    assert "Raye wins Best New Artist, after nine years in biz" in a.text  # an update well into the blog
    assert "Subscribe now" not in a.text
    assert f1(expected, a.text) >= 0.8


async def test_paywalled_page_gives_its_visible_text_and_never_raises(http_server: LoopbackServer) -> None:
    """A New Yorker page behind a paywall, on which v5 raised ExtractError: the visible text comes out."""
    html, expected = _real_page("TheNewYorker_4")
    http_server.serve("/paywalled", html, content_type="text/html; charset=utf-8")
    a = await fetch(http_server, "/paywalled")
    assert_safe_article(a)
    assert a.source == "page" and a.word_count > 1000
    assert "With spring showers come joyous flowers and lots and lots of culture" in a.text
    assert f1(expected, a.text) >= 0.8
