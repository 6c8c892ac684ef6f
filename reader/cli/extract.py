"""`reader extract`: print the clean article of a URL, a file or standard input (reader mode)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from reader.cli.context import fail
from reader.config.loader import Config
from reader.errors import ReaderError
from reader.extract.pipeline import extract
from reader.extract.site_rules import check_selector, rule_for
from reader.fetch.client import PoliteClient
from reader.models import Article, SiteRule


def _from_url(url: str, config: Config) -> tuple[bytes, str, str | None]:
    from reader.fetch.fulltext import PAGE_ACCEPT, _charset

    async def go() -> tuple[bytes, str, str | None]:
        async with PoliteClient(config.fetch.client()) as client:
            result = await client.get(url, accept=PAGE_ACCEPT)
        return result.body, result.final_url, _charset(result.headers.get("content-type", ""))

    return asyncio.run(go())


def run_extract(
    source: str,
    fmt: str,
    base_url: str | None,
    sites: Sequence[SiteRule],
    config: Config,
    content: str | None = None,
    remove: str | None = None,
) -> int:
    """Print the article of a URL, a file or stdin (`-`); the site rule for its address applies (`sites`),
    unless --content/--remove give one to try."""
    charset: str | None = None
    for flag, selector in (("--content", content), ("--remove", remove)):
        problem = check_selector(selector) if selector is not None else None
        if problem:
            return fail(f"{flag} {problem}", 2)
    if source == "-":
        body = sys.stdin.buffer.read()
        url = base_url
    elif source.startswith(("http://", "https://")):
        body, url, charset = _from_url(source, config)
    else:
        path = Path(source)
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise ReaderError(f"cannot read {path}: {exc.strerror}") from exc
        url = base_url or path.resolve().as_uri()
    rule = rule_for(sites, url)
    if content is not None or remove is not None:
        rule = _tried_rule(url, content, remove)
    article = extract(body, url, headers_charset=charset, rule=rule)
    sys.stdout.write(render(article, fmt, url))
    return 0


def _tried_rule(url: str | None, content: str | None, remove: str | None) -> SiteRule:
    """The rule given by --content/--remove."""
    host = (urlsplit(url).hostname or "") if url else ""
    return SiteRule(host=host or "this page", content=content, remove=remove)


def render(article: Article, fmt: str, url: str | None) -> str:
    if fmt == "json":
        return (
            json.dumps(
                {
                    "url": url,
                    "title": article.title,
                    "byline": article.byline,
                    "published": article.published.isoformat() if article.published else None,
                    "word_count": article.word_count,
                    "reading_minutes": article.reading_minutes,
                    "thin": article.thin,
                    "note": article.note,
                    "extractor_version": article.extractor_version,
                    "markdown": article.markdown,
                    "text": article.text,
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        )
    if fmt == "text":
        head = f"{article.title}\n\n" if article.title else ""
        return head + article.text.rstrip() + "\n"
    head = f"# {article.title}\n\n" if article.title else ""
    return head + article.markdown.rstrip() + "\n"
