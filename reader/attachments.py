"""An item's files (podcast episodes, documents: RSS enclosures) shown with its article: a short list at the
article's start, each a link, so the TUI numbers it like any link (`l N` opens it, `Y N` copies it) and `reader
show` / `export-saved` print it. Feed text is data: names and types are cleaned, and Markdown's characters in
them are escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import unquote, urlsplit

from reader.models import Article, Enclosure
from reader.textsafe import clean_text, escape_markdown

__all__ = ["describe", "with_attachments"]

_KINDS = {"audio": "Audio", "video": "Video", "image": "Image"}


def _size(length: int | None) -> str | None:
    if not length:
        return None
    size = float(length)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return None  # (not reached)


def describe(enclosure: Enclosure) -> str:
    """ "Audio (audio/mpeg), 42.1 MB: episode-12.mp3": what it is, how large, and its file name."""
    kind = (enclosure.type or "").partition(";")[0].strip().lower()
    major = kind.partition("/")[0]
    label = _KINDS.get(major) or ("PDF" if kind == "application/pdf" else "File")
    what = f"{label} ({kind})" if kind else label
    size = _size(enclosure.length)
    name = unquote(urlsplit(enclosure.url).path.rsplit("/", 1)[-1]) or urlsplit(enclosure.url).netloc
    parts = [what + (f", {size}" if size else ""), clean_text(name, 120)]
    return ": ".join(p for p in parts if p)


def with_attachments(article: Article, enclosures: Sequence[Enclosure]) -> Article:
    """The article with its item's files listed first (unchanged when there are none): a podcast episode is
    what its item is for, so it is link 1."""
    if not enclosures:
        return article
    title = "Attachment" if len(enclosures) == 1 else "Attachments"
    lines = [f"- [{escape_markdown(describe(e))}]({e.url})" for e in enclosures]
    plain = [f"- {describe(e)} <{e.url}>" for e in enclosures]
    markdown = f"**{title}**\n\n" + "\n".join(lines) + "\n\n---\n\n" + article.markdown.lstrip("\n")
    text = f"{title}:\n" + "\n".join(plain) + "\n\n" + article.text.lstrip("\n")
    return replace(article, markdown=markdown, text=text)
