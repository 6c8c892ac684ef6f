"""Numbered links (newsboat's habit): each web link in an article gets a `[N]` marker and a list at the end,
so "open link 3" or "copy link 3" needs no mouse. Code blocks and code spans are left alone."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from reader.attachments import describe
from reader.models import Enclosure
from reader.patterns import lazy_pattern
from reader.textsafe import escape_markdown

MAX_LINKS = 999


# An inline Markdown link (not an image): [text](url "title"); the url may hold one level of parentheses.
_link = lazy_pattern(
    r"(?<!!)\[((?:[^\[\]\\]|\\.)*)\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+\"[^\"]*\")?\s*\)"
)


# The readability pass writes an image as [*Image: alt*](src), or [*Image*](src) when its alt says nothing.
_image = lazy_pattern(
    r"(?<!!)\[\*Image(?:: ((?:[^\[\]\\]|\\.)*))?\*\]\(\s*<?((?:[^()\s<>]|\([^()\s]*\))+)>?(?:\s+\"([^\"]*)\")?\s*\)"
)
_unescape = lazy_pattern(r"\\(.)")
_picture_file = lazy_pattern(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)


@dataclass(frozen=True)
class ArticleImage:
    """An image of the open article: its address, its alt text ("" when none), its link number, and the
    caption of its figure ("" when none)."""

    url: str
    alt: str
    link: int
    caption: str = ""


def article_images(
    markdown: str, links: Sequence[str], enclosures: Sequence[Enclosure] = ()
) -> list[ArticleImage]:
    """The item's images, numbered as `number_links` numbered `links`: its attached pictures first (a photo
    feed's enclosures), then the article's images in order; each address once."""
    numbers = {url: n for n, url in enumerate(links, 1)}
    found: list[ArticleImage] = []
    seen: set[str] = set()
    for enclosure in enclosures:
        kind = (enclosure.type or "").lower()
        if (
            enclosure.url in numbers
            and enclosure.url not in seen
            and (
                kind.startswith("image/")
                or (not kind and _picture_file().search(urlsplit(enclosure.url).path))
            )
        ):
            seen.add(enclosure.url)
            found.append(ArticleImage(enclosure.url, "", numbers[enclosure.url], describe(enclosure)))
    for match in _image().finditer(markdown):
        url = match.group(2)
        if url in seen or url not in numbers:
            continue
        seen.add(url)
        alt = _unescape().sub(r"\1", match.group(1) or "")
        found.append(ArticleImage(url, alt, numbers[url], match.group(3) or ""))
    return found


_autolink = lazy_pattern(r"<(https?://[^<>\s]+)>", re.IGNORECASE)


_code_span = lazy_pattern(r"(`+).*?\1")


_fence = lazy_pattern(r"^\s{0,3}(`{3,}|~{3,})")


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def number_links(markdown: str) -> tuple[str, list[str]]:
    """The Markdown with `[N]` after each web link and a numbered list of them at the end, and the links
    (link N is `links[N - 1]`). The same address keeps one number."""
    links: list[str] = []
    numbers: dict[str, int] = {}

    def mark(match: re.Match[str]) -> str:
        url = match.group(match.lastindex or 0)
        if not _is_web(url):
            return match.group(0)
        number = numbers.get(url)
        if number is None:
            if len(links) >= MAX_LINKS:
                return match.group(0)
            links.append(url)
            number = numbers[url] = len(links)
        return f"{match.group(0)}\\[{number}\\]"

    text = outside_fences(markdown, lambda line: _outside_code(line, mark))
    if links:
        listing = "\n".join(f"{n}. [{escape_markdown(url)}]({url})" for n, url in enumerate(links, 1))
        text = text.rstrip("\n") + "\n\n---\n\n**Links**\n\n" + listing + "\n"
    return text, links


def outside_fences(markdown: str, change: Callable[[str], str]) -> str:
    """The Markdown with `change` applied to each line outside fenced code blocks."""
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        opener = _fence().match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
        elif opener:
            fence = opener.group(1)
        else:
            line = change(line)
        out.append(line)
    return "\n".join(out)


def _outside_code(line: str, mark: Callable[[re.Match[str]], str]) -> str:
    """Apply the link marker to the parts of a line outside code spans."""
    parts: list[str] = []
    last = 0
    for span in _code_span().finditer(line):
        parts.append(_links_in(line[last : span.start()], mark))
        parts.append(span.group(0))
        last = span.end()
    parts.append(_links_in(line[last:], mark))
    return "".join(parts)


def _links_in(text: str, mark: Callable[[re.Match[str]], str]) -> str:
    """Inline links and <autolinks>, numbered in the order they appear."""
    out: list[str] = []
    last = 0
    while True:
        found = [m for m in (_link().search(text, last), _autolink().search(text, last)) if m is not None]
        if not found:
            out.append(text[last:])
            return "".join(out)
        first = min(found, key=lambda m: m.start())
        out.append(text[last : first.start()])
        out.append(mark(first))
        last = first.end()
