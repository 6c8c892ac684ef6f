"""Full text for items: fetch the linked page politely, extract it, cache it; prefetch for new items.

The extraction stack (readability, lxml) is imported when a page is first extracted, not with this module: a
`fetch --no-fulltext` never loads it. Only http(s) item links are followed, and never to a loopback, private or link-local address unless the feed
itself is served from that same host: a feed on the public web must not make the reader probe the user's network.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from urllib.parse import urlsplit

from reader.errors import ExtractError, FetchError, ReaderError
from reader.extract.site_rules import rule_for
from reader.fetch.client import PoliteClient
from reader.models import Article, Feed, Item, PrefetchReport, SiteRule
from reader.store.feeds import Store

PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_PRIVATE_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.IGNORECASE)


def _private_ip(host: str) -> bool | None:
    """True/False for an IP literal (private or not); None when `host` is a name.

    Shorthand and octal/hex IPv4 forms (`127.1`, `0x7f.0.0.1`, `0177.0.0.1`, `2130706433`) count as
    literals, the way the system resolver reads them.
    """
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        if not _NUMERIC_HOST.match(host):
            return None
        try:
            ip = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return True  # numeric but unreadable: refuse rather than guess
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def link_allowed(url: str, feed_url: str) -> bool:
    """Whether the reader may fetch `url` for an item of the feed at `feed_url` (no DNS lookups here)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    host = _host(url)
    if host == _host(feed_url):
        return True
    private = _private_ip(host)
    if private is not None:
        return not private
    return not (host in _PRIVATE_NAMES or host.endswith(_PRIVATE_SUFFIXES) or "." not in host)


async def resolves_public(url: str, feed_url: str) -> bool:
    """Like `link_allowed`, and a name must not resolve to a private address (DNS rebinding guard)."""
    if not link_allowed(url, feed_url):
        return False
    host = _host(url)
    if host == _host(feed_url) or _private_ip(host) is not None:
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return True  # the fetch itself will fail and say why
    return all(_private_ip(str(info[4][0])) is False for info in infos)


async def fetch_article(
    client: PoliteClient,
    item: Item,
    *,
    executor: Executor | None = None,
    fallback: bool = True,
    sites: Sequence[SiteRule] = (),
) -> Article:
    """Fetch and extract the page behind `item`. Raises FetchError/ExtractError with a one-line reason.

    Extraction is CPU work: it runs in `executor` (the default thread pool when None), off the event loop.
    With `fallback`, a thin extraction gives the feed's own content instead (as the extractor decides).
    `sites`: the user's site rules; the one for the page's final address (else the item's link) applies.
    """
    from reader.extract.pipeline import extract  # the readability stack: imported when a page is extracted

    if not item.link:
        raise FetchError("the item has no link")
    if not await resolves_public(item.link, item.feed_url):
        raise FetchError(f"not fetching {item.link}: only public http(s) pages are followed")
    result = await client.get(
        item.link, accept=PAGE_ACCEPT, url_filter=lambda u: link_allowed(u, item.feed_url)
    )
    job = functools.partial(
        extract,
        result.body,
        result.final_url,
        headers_charset=_charset(result.headers.get("content-type", "")),
        feed_content=(item.content or item.summary) if fallback else None,
        rule=rule_for(sites, result.final_url) or rule_for(sites, item.link),
    )
    return await asyncio.get_running_loop().run_in_executor(executor, job)


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def feed_article(item: Item, note: str) -> Article:
    """The feed's own content as an article, with a note saying why it is shown."""
    from reader.extract.pipeline import item_article

    return item_article(item, note)


async def prefetch(
    client: PoliteClient,
    store: Store,
    feeds: Sequence[tuple[Feed, int | None]],
    *,
    concurrency: int = 4,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    sites: Sequence[SiteRule] = (),
) -> PrefetchReport:
    """Fetch full text for the untried items of `feeds` ((feed, limit) pairs; limit None = all).

    A feed's items past its limit are marked skipped, so a new feed's first poll never hammers its site.
    """
    from reader.extract.pipeline import EXTRACTOR_VERSION

    report = PrefetchReport()
    jobs: list[tuple[Feed, Item]] = []
    for feed, limit in feeds:
        items = store.items_to_prefetch(feed.id, limit, EXTRACTOR_VERSION)
        jobs.extend((feed, it) for it in items)
        if limit is not None:
            store.skip_prefetch(feed.id)
    if not jobs:
        return report
    sem = asyncio.Semaphore(max(1, concurrency))
    done = 0

    async def one(feed: Feed, item: Item) -> None:
        nonlocal done
        async with sem:
            try:
                article = await fetch_article(client, item, executor=executor, sites=sites)
            except ReaderError as exc:
                _failed(report, store, feed, item, str(exc))
            except Exception as exc:  # one page's odd failure must never stop the others
                _failed(report, store, feed, item, f"{type(exc).__name__}: {exc}")
            else:
                store.store_article(item.id, article, item.link)
                report.fetched += 1
            done += 1
            if progress:
                progress(done, len(jobs))

    await asyncio.gather(*(one(f, it) for f, it in jobs))
    return report


def _failed(report: PrefetchReport, store: Store, feed: Feed, item: Item, reason: str) -> None:
    report.failed += 1
    report.failures.setdefault(feed.display_title, []).append(reason)
    store.record_fulltext_failure(item.id, reason)


__all__ = [
    "ExtractError",
    "PrefetchReport",
    "feed_article",
    "fetch_article",
    "link_allowed",
    "prefetch",
    "resolves_public",
]
