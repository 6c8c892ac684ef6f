"""The hostile-feed table: what each case attacks, how the loopback server serves it, what the reader must do.

Every case is polled in ONE poll together with healthy control feeds (see test_hostile_feeds.py). A case's
`setup` (hostile_setups.py) registers its routes on the LoopbackServer under `/<name>/...` and returns the feed
URL to subscribe to; its `expect` asserts on what the store holds afterwards. Checks that apply to every case (every stored
string passes `textsafe.is_safe`, only http(s) links, nothing read from /etc/passwd) run over the whole database
in test_hostile_feeds.py, so a case only states what is particular to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hostile_setups import (
    BAD_CHARREFS,
    FEEDS,
    GOOD,
    MIXED,
    NUL_REFS,
    RAW_C1,
    RAW_C1_LATIN1,
    RAW_ESCAPES,
    UTF7,
    UTF16,
    WRONG_CHARSET,
    deep_nesting,
    entity_quadratic,
    from_file,
    html_alternate,
    huge_title,
    many_items,
    redirect_loop,
    redirect_to,
    redirect_with,
    redirects,
    retry_after,
    static,
)
from httpserver import LoopbackServer, MiB, gzip_bomb

from reader.models import Feed, Item

# The poll's limits: tight, so the slow cases end fast, and a body cap the 5 MB title still fits under.
DEADLINE = 3.0
READ_TIMEOUT = 2.0
CONNECT_TIMEOUT = 1.0
BODY_CAP = 8 * MiB


@dataclass
class Result:
    """What the store holds for one case's feed after the poll."""

    feed: Feed
    items: list[Item]
    polled_at: datetime
    server: LoopbackServer
    url: str  # the URL the case subscribed to
    others: dict[str, Result]  # every case's result, by name (for checks across feeds)


@dataclass(frozen=True)
class Case:
    name: str
    attacks: str  # what the case attacks and what the reader must do (shown when it fails)
    setup: Callable[[LoopbackServer, str], str]  # (server, "/<name>") -> feed URL
    expect: Callable[[Result], None]
    xfail: str | None = None  # a known bug: the reason, with the fix proposed in the report


# ----------------------------------------------------------------------------- expectations


def fails(*words: str) -> Callable[[Result], None]:
    """The feed records a clear error (naming one of `words`), and no items."""

    def check(r: Result) -> None:
        err = r.feed.last_error
        assert err, f"expected an error, got {len(r.items)} items and no error"
        assert any(w.lower() in err.lower() for w in words), f"error {err!r} names none of {words}"
        assert "Traceback" not in err and len(err) <= 300
        assert r.items == [], f"a failed feed stored {len(r.items)} items"

    return check


def stores(
    n: int | None = None,
    *,
    at_least: int = 1,
    titles: tuple[str, ...] = (),
    extra: Callable[[Result], None] | None = None,
) -> Callable[[Result], None]:
    """The feed updated without error: `n` (or at least `at_least`) items; each of `titles` is a stored title."""

    def check(r: Result) -> None:
        assert r.feed.last_error is None, f"unexpected error {r.feed.last_error!r}"
        if n is not None:
            assert len(r.items) == n, [i.title[:80] for i in r.items]
        assert len(r.items) >= at_least
        stored = {i.title for i in r.items}
        for t in titles:
            assert t in stored, f"{t!r} not among {sorted(stored)[:10]}"
        if extra is not None:
            extra(r)

    return check


def errors_or_stores(*words: str, at_least: int = 1) -> Callable[[Result], None]:
    """Either a clear error (naming one of `words`) or an update with safe items; never a crash."""

    def check(r: Result) -> None:
        if r.feed.last_error:
            fails(*words)(r)
        else:
            stores(at_least=at_least)(r)

    return check


def no_links(r: Result) -> None:
    assert all(i.link is None or i.link.startswith(("http://", "https://")) for i in r.items)


def all_unlinked(r: Result) -> None:
    assert [i.link for i in r.items] == [None] * len(r.items)


def at_most(n: int) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert len(r.items) <= n, f"{len(r.items)} items stored, cap {n}"

    return check


def titled(*expected: str) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert sorted(i.title for i in r.items) == sorted(expected)

    return check


def due_after(seconds: int, at_most: int | None = None) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert r.feed.next_due is not None and r.feed.last_fetched is not None
        wait = (r.feed.next_due - r.feed.last_fetched).total_seconds()
        assert wait >= seconds, f"next poll in {wait:.0f} s, the server asked for {seconds}"
        if at_most is not None:
            assert wait <= at_most, f"next poll in {wait:.0f} s, more than the cap {at_most}"

    return check


def both(*checks: Callable[[Result], None]) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        for c in checks:
            c(r)

    return check


def moved_to(suffix: str) -> Callable[[Result], None]:
    def check(r: Result) -> None:
        assert r.feed.url.endswith(suffix), f"feed URL is {r.feed.url!r}, expected it to end in {suffix!r}"

    return check


def dates_sane(r: Result) -> None:
    by_guid = {i.title: i for i in r.items}
    # A year-2999 date is absurd (over a year ahead): dropped like the impossible ones, so it cannot pin the item.
    for title in ("From the future", "Zero date", "Garbage date", "Huge year"):
        assert by_guid[title].published is None, title


def title_capped(r: Result) -> None:
    (it,) = r.items
    assert 10 <= len(it.title) <= 1000 and it.title.startswith("TTTT")


def twin_intact(r: Result) -> None:
    twin = r.others["dup_guids_other"]
    assert sorted(i.title for i in twin.items) == ["Other A", "Other B"]
    assert {i.feed_id for i in twin.items}.isdisjoint({i.feed_id for i in r.items})


def no_passwd(r: Result) -> None:
    text = " ".join(
        filter(None, [r.feed.title or ""] + [f"{i.title} {i.summary} {i.content}" for i in r.items])
    )
    assert "root:" not in text and "/bin/" not in text


# ----------------------------------------------------------------------------- the table


CASES: tuple[Case, ...] = (
    # --- broken XML
    Case(
        "malformed",
        "unclosed/mismatched tags, bare '&': loose parser keeps the entries, with a warning",
        from_file("malformed.xml"),
        stores(2, titles=("Second",)),
    ),
    Case(
        "truncated",
        "a body cut off mid-item: keep what is complete (or a clear error), never crash",
        from_file("truncated.xml"),
        errors_or_stores("malformed", "parse"),
    ),
    Case(
        "empty_body", "200 with an empty body: a clear error", static(b""), fails("not a feed", "malformed")
    ),
    Case(
        "binary_garbage",
        "random binary bytes served as application/rss+xml: a clear error",
        static(bytes(range(256)) * 64),
        fails("not a feed", "malformed", "unparseable"),
    ),
    Case(
        "json_not_xml",
        "a JSON document where XML should be: a clear error",
        static(
            b'{"version": "https://jsonfeed.org/version/1", "items": []}', content_type="application/json"
        ),
        fails("not a feed", "malformed"),
    ),
    Case(
        "deep_nesting",
        "40,000 nested (unclosed) elements, 20,000 nested escaped divs: bounded, error or items",
        static(lambda: deep_nesting(40_000)),
        errors_or_stores("malformed", "parse", "recursion", "memory"),
    ),
    # --- entities
    Case(
        "billion_laughs",
        "internal entity expansion (10^9 lols): never expanded; bounded memory",
        from_file("billion_laughs.xml"),
        errors_or_stores("entit"),
    ),
    Case(
        "billion_laughs_loose",
        "entity expansion in a malformed doc (the loose parser expands): never expanded",
        from_file("billion_laughs_loose.xml"),
        errors_or_stores("entit"),
    ),
    Case(
        "entity_quadratic",
        "one 16,000-char entity x 5,000 references (31 KB -> 80 M chars in the loose parser): never expanded",
        static(entity_quadratic),
        errors_or_stores("entit"),
    ),
    Case(
        "xxe_file",
        "external entity file:///etc/passwd: never read",
        from_file("xxe_file.xml"),
        both(errors_or_stores("entit"), no_passwd),
    ),
    Case(
        "xxe_parameter",
        "parameter entity + a ']>' inside a value to cut a DOCTYPE stripper short: refused",
        from_file("xxe_parameter.xml"),
        both(errors_or_stores("entit"), no_passwd),
    ),
    Case(
        "xxe_external_dtd",
        "DOCTYPE SYSTEM file:///etc/passwd (no subset): the DTD is never loaded",
        from_file("xxe_no_subset.xml"),
        both(stores(1, titles=("Harmless title",)), no_passwd),
    ),
    Case(
        "entities_utf16",
        "a billion-laughs DOCTYPE in UTF-16, where a byte-level stripper would not see it",
        static(
            (FEEDS / "billion_laughs.xml")
            .read_text()
            .replace('encoding="utf-8"', 'encoding="utf-16"')
            .encode("utf-16")
        ),
        errors_or_stores("entit"),
    ),
    # --- not a feed
    Case(
        "html_page",
        "a web page served as the feed, linking to no feed: a clear error",
        from_file("html_page.html", content_type="text/html"),
        fails("web page", "not a feed"),
    ),
    Case(
        "html_js_alternate",
        "autodiscovery links to javascript:/data:/file: feeds: none followed",
        from_file("html_js_alternate.html", content_type="text/html"),
        fails("web page", "not a feed"),
    ),
    Case(
        "html_discovers_feed",
        "a page where the feed was, linking to the real feed: followed and stored",
        html_alternate("real.xml", "/real.xml"),
        both(stores(1, titles=("Discovered",)), moved_to("/real.xml")),
    ),
    Case(
        "html_discovers_bidi_url",
        "autodiscovered feed URL carrying U+202E: the stored feed URL must be safe",
        html_alternate("f\u202elmx.xml", "/f%E2%80%AElmx.xml"),
        errors_or_stores("not a feed", "url"),
    ),
    # --- transport: size, time, connection
    Case(
        "gzip_bomb",
        "1 MiB gzip expanding to 64 MiB: refused at the decoded-size cap",
        static(lambda: gzip_bomb(64 * MiB), headers={"Content-Encoding": "gzip"}),
        fails("too large"),
    ),
    Case(
        "gzip_gzip_bomb",
        "'Content-Encoding: gzip, gzip' (one chunk, 256 MiB decoded): refused at the cap",
        static(lambda: gzip_bomb(256 * MiB, layers=2), headers={"Content-Encoding": "gzip, gzip"}),
        fails("too large"),
    ),
    Case(
        "corrupt_gzip",
        "a body that says gzip and is not: a clear error",
        static(b"\x1f\x8b\x08\x00garbage-garbage-garbage", headers={"Content-Encoding": "gzip"}),
        fails("corrupt", "gzip"),
    ),
    Case(
        "unsupported_encoding",
        "Content-Encoding: br (not offered): a clear error",
        static(b"xxxx", headers={"Content-Encoding": "br"}),
        fails("encoding"),
    ),
    Case(
        "endless_body",
        "a body that never ends: cut at the size cap (or the deadline)",
        static(b"", endless=True),
        fails("too large", "within"),
    ),
    Case(
        "drip",
        "one byte a second (each read beats the read timeout, the whole takes minutes): the total deadline",
        static(GOOD, drip=1.0),
        fails("within", "timed out", "responding"),
    ),
    Case(
        "no_answer",
        "a server that accepts and never answers: timeout/deadline",
        static(GOOD, latency=30),
        fails("within", "responding", "timed out"),
    ),
    Case(
        "reset_mid_body",
        "connection reset after 100 bytes of the body: a clear error",
        static(GOOD, reset_after=100),
        fails("connection", "broke", "lost", "reset"),
    ),
    Case(
        "connection_refused",
        "nothing listens: a clear error",
        lambda server, prefix: server.refused_url(prefix + "/feed"),
        fails("connect"),
    ),
    # --- redirects and statuses
    Case(
        "redirect_loop",
        "302 -> 301 -> 307 back to the start: a loop error for this feed only",
        redirect_loop,
        fails("loop"),
    ),
    Case(
        "redirect_chain_long", "seven 302 hops: too many redirects", redirects(*[302] * 7), fails("redirect")
    ),
    Case(
        "permanent_chain",
        "301 then 308 to the feed: followed, and the stored URL moves to the final one",
        redirects(301, 308),
        both(stores(2), moved_to("/h2")),
    ),
    Case(
        "redirect_javascript",
        "Location: javascript:... (httpx raises InvalidURL, not an HTTPError)",
        redirect_to("javascript:alert(1)"),
        fails("redirect", "url"),
    ),
    Case(
        "redirect_data",
        "Location: data:... : a clear error",
        redirect_to("data:application/rss+xml,<rss/>"),
        fails("redirect", "url"),
    ),
    Case(
        "redirect_file",
        "Location: file:///etc/passwd: never read",
        redirect_to("file:///etc/passwd", 302),
        both(fails("redirect", "url"), no_passwd),
    ),
    Case(
        "redirect_c1_location",
        "301 to a Location with a raw 0x9b byte (C1 CSI once decoded as Latin-1): the stored feed URL stays safe",
        redirect_with("\x9b31m.xml", "%C2%9B31m.xml"),
        stores(1),
    ),
    Case(
        "redirect_bidi_location",
        "301 to a Location with a UTF-8 right-to-left override (U+202E): the stored feed URL stays safe",
        redirect_with("\u202e".encode().decode("latin-1") + "lmx.xml", "%E2%80%AElmx.xml"),
        stores(1),
    ),
    Case(
        "status_429_retry_after",
        "429 with Retry-After: 3600: an error, next poll not before an hour",
        retry_after(429, "3600"),
        both(fails("429"), due_after(3600)),
    ),
    Case(
        "status_503_retry_date",
        "503 with an HTTP-date Retry-After two days ahead: honoured",
        lambda server, prefix: retry_after(
            503, format_datetime(datetime.now(UTC) + timedelta(days=2), usegmt=True)
        )(server, prefix),
        both(fails("503"), due_after(2 * 86400 - 120)),
    ),
    Case(
        "status_503_retry_forever",
        "Retry-After of ten years: clamped to at most a week",
        retry_after(503, str(10 * 365 * 86400)),
        both(fails("503"), due_after(3600, at_most=8 * 86400)),
    ),
    Case(
        "status_404",
        "404: a clear error",
        static(b"nope", status=404, content_type="text/plain"),
        fails("404"),
    ),
    # --- size of the content
    Case(
        "twenty_thousand_items",
        "a 20,000-item feed: bounded, at most MAX_ITEMS stored (the newest)",
        static(lambda: many_items(20_000)),
        stores(at_least=1000, titles=("Item 19999",), extra=at_most(5000)),
    ),
    Case(
        "huge_title",
        "a 5 MB title ending in an escape sequence: cut to a sane length, safe",
        static(huge_title),
        stores(1, extra=title_capped),
    ),
    # --- identity and dates
    Case(
        "dup_guids",
        "one guid shared by different stories (and by another feed): every story kept, per feed",
        from_file("dup_guids.xml"),
        stores(
            5,
            titles=("Dup A first", "Dup A second", "Dup A third", "Dup B first", "Dup B second"),
            extra=twin_intact,
        ),
    ),
    Case(
        "dup_guids_other",
        "the twin of dup_guids (same guids): keeps its own two items",
        from_file("dup_guids_other.xml"),
        stores(2, titles=("Other A", "Other B")),
    ),
    Case(
        "no_guid_no_link",
        "items with neither guid nor link: stored, distinct, unlinked",
        from_file("no_ids.xml"),
        both(stores(3), all_unlinked),
    ),
    Case(
        "dates",
        "dates in 2999, 0000-00-00, garbage, year 99999999: dropped, never a crash",
        from_file("dates.xml"),
        stores(4, extra=dates_sane),
    ),
    # --- encodings
    Case(
        "wrong_charset",
        "declared UTF-8, actually Windows-1252: decoded somehow, safe",
        static(WRONG_CHARSET),
        errors_or_stores("malformed", "encod"),
    ),
    Case(
        "mixed_encoding",
        "UTF-8 with stray invalid bytes and a UTF-8 C1: safe",
        static(MIXED),
        errors_or_stores("malformed", "encod"),
    ),
    Case(
        "utf16_with_refs",
        "UTF-16 document with escape references and a bidi override: safe",
        static(UTF16, content_type="application/rss+xml"),
        stores(1),
    ),
    Case(
        "utf7_escapes",
        "declared UTF-7, where '+ABs-' decodes to ESC: no escape reaches the store",
        static(UTF7, content_type="application/rss+xml"),
        errors_or_stores("malformed", "encod", "not a feed"),
    ),
    # --- text that attacks the terminal or the UI
    Case(
        "rich_markup",
        "Rich markup ([bold red], [link=file:...], [@click=...], lone [/]): kept as literal text",
        from_file("rich_markup.xml"),
        stores(2, titles=("[bold red]ALERT[/bold red] [link=file:///etc/passwd]open me[/link]",)),
    ),
    Case(
        "escape_refs",
        "OSC 52/OSC 8/ESC]0;/CSI/C1/DCS as &#27; &#x1b; &#155; references: stripped",
        from_file("escape_refs.xml"),
        stores(2, titles=("Clip board",)),
    ),
    Case(
        "raw_escapes",
        "the same sequences as raw bytes in the XML: stripped",
        static(RAW_ESCAPES),
        stores(2, titles=("Raw clip title",)),
    ),
    Case(
        "raw_c1",
        "C1 controls (U+009B CSI, U+009D OSC, U+0090 DCS, NEL) as UTF-8 characters: stripped",
        static(RAW_C1),
        stores(1),
    ),
    Case(
        "raw_c1_latin1",
        "C1 controls as single bytes in a Latin-1 document: stripped",
        static(RAW_C1_LATIN1, content_type="application/rss+xml; charset=iso-8859-1"),
        stores(1),
    ),
    Case("nul_and_controls", "&#0; &#1; &#8; &#127; references: stripped", static(NUL_REFS), stores(1)),
    Case(
        "bad_charrefs",
        "&#xD800; (lone surrogate) and &#x110000;: a clear error or safe text, never a crash",
        static(BAD_CHARREFS),
        errors_or_stores("unparseable", "malformed"),
    ),
    Case(
        "bidi_zero_width",
        "RLO/LRE/isolates, zero-width spaces/joiners, BOM, word joiner: stripped",
        from_file("bidi.xml"),
        stores(1, titles=("invoicegnp.exe isolate embed",)),
    ),
    Case(
        "html_escaped_refs",
        "escaped HTML whose text holds &#27;/&#155;/&#x202e; refs, entity-hidden javascript: links: safe when rendered",
        from_file("html_escaped_refs.xml"),
        stores(1, titles=("Escaped refs",)),
    ),
    # --- links
    Case(
        "bad_links",
        "javascript:, data:, file:, vbscript: item links: dropped; relative ones resolved",
        from_file("bad_links.xml"),
        both(stores(6), no_links),
    ),
    Case(
        "link_escapes",
        "ESC/BEL/DEL/C1/U+202E inside http(s) item and site links: dropped or made safe",
        from_file("link_escapes.xml"),
        stores(2),
    ),
    Case(
        "atom_bad_base",
        "Atom xml:base of javascript:/file:, data: hrefs: no such link stored",
        from_file("atom_bad_links.xml"),
        both(stores(3), no_links),
    ),
)
