"""Which address an article's <img> stands for: the best of srcset, lazy-load attributes and src; and which
images are tracking pixels rather than pictures."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

# Where lazy-loading scripts keep the real address (src then holds a placeholder or nothing).
LAZY_SRC = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-hi-res-src")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
# A candidate wider than this is more than any terminal shows, and slower to fetch: the next smaller one wins.
MAX_WIDTH = 2560
MAX_DENSITY = 3.0

_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp)$", re.IGNORECASE)
# Paths of beacons and spacers: a whole path segment or file name, so a photo of a "Pixel 9" phone stays.
_BEACON_PATH = re.compile(
    r"(?:^|/)(?:pixel|beacon|spacer|blank|transparent|clear|1x1|open|track|tracker|tracking)\.(?:gif|png)$"
    r"|(?:^|/)(?:beacon|tracker|tracking|pixel)/|[/_.-]1x1[/_.-]|/~r/|/~ff/",
    re.IGNORECASE,
)
_BEACON_HOST = re.compile(
    r"(?:^|\.)(?:doubleclick\.net|google-analytics\.com|scorecardresearch\.com|quantserve\.com|"
    r"pixel\.wp\.com|stats\.wp\.com|feedsportal\.com|pixel\.[a-z0-9.-]+|analytics\.[a-z0-9.-]+)$",
    re.IGNORECASE,
)
# A lazy loader's stand-in in src, while the real address waits in a data- attribute.
_PLACEHOLDER = re.compile(
    r"(?:^|/)(?:lazy|placeholder|blank|spacer|loading|grey|gray|transparent)[^/]*\.(?:gif|png|svg)$", re.I
)
_NUMBER = re.compile(r"^\s*(\d{1,6})(?:\.\d+)?\s*(?:px)?\s*$")
_STYLE_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d{1,6})(?:\.\d+)?px", re.IGNORECASE)


def _absolute(raw: str | None, base_url: str | None) -> str | None:
    """An absolute http(s) address, or None (data:, javascript:, blob:, relative without a base...)."""
    if not raw:
        return None
    raw = raw.strip()
    if not raw or raw.lower().startswith(("data:", "blob:", "javascript:")):
        return None
    try:
        url = urljoin(base_url, raw) if base_url else raw
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def parse_srcset(srcset: str) -> list[tuple[str, float, str]]:
    """(url, value, kind) per candidate: kind "w" (width), "x" (density; 1 when none is given)."""
    out: list[tuple[str, float, str]] = []
    pos, n = 0, len(srcset)
    while pos < n:
        while pos < n and (srcset[pos].isspace() or srcset[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not srcset[pos].isspace():
            pos += 1
        url = srcset[start:pos]
        if url.endswith(","):  # no descriptor: "a.jpg, b.jpg 2x"
            url = url.rstrip(",")
            descriptor = ""
        else:
            end = srcset.find(",", pos)
            end = n if end < 0 else end
            descriptor = srcset[pos:end].strip()
            pos = end + 1
        if not url:
            continue
        value, kind = 1.0, "x"
        for token in descriptor.split():
            try:
                if token[-1:] in ("w", "x") and token[:-1]:
                    value, kind = float(token[:-1]), token[-1]
            except ValueError:
                pass
        out.append((url, value, kind))
    return out


def _best_of_srcset(srcset: str, base_url: str | None) -> str | None:
    candidates = [(u, v, k) for u, v, k in parse_srcset(srcset) if _absolute(u, base_url)]
    if not candidates:
        return None
    widths = [c for c in candidates if c[2] == "w"]
    pool, cap = (widths, MAX_WIDTH) if widths else (candidates, MAX_DENSITY)
    within = [c for c in pool if c[1] <= cap]
    pick = max(within, key=lambda c: c[1]) if within else min(pool, key=lambda c: c[1])
    return _absolute(pick[0], base_url)


def image_source(img: HtmlElement, base_url: str | None, picture: HtmlElement | None = None) -> str | None:
    """The best absolute http(s) address for the picture: the largest reasonable srcset candidate (the
    image's own, a lazy loader's, else a <picture>'s <source>), a lazy loader's address, else src."""
    for attr in (*LAZY_SRCSET, "srcset"):
        value = img.get(attr)
        if value:
            best = _best_of_srcset(value, base_url)
            if best:
                return best
    parent = picture if picture is not None else img.getparent()
    if parent is not None and isinstance(parent.tag, str) and parent.tag.lower() == "picture":
        for source in parent.iter("source"):
            value = source.get("srcset") or source.get("data-srcset")
            kind = (source.get("type") or "").lower()
            if value and (not kind or kind in ("image/jpeg", "image/png", "image/webp", "image/gif")):
                best = _best_of_srcset(value, base_url)
                if best:
                    return best
    for attr in LAZY_SRC:
        url = _absolute(img.get(attr), base_url)
        if url and not _PLACEHOLDER.search(urlsplit(url).path):
            return url
    url = _absolute(img.get("src"), base_url)
    return None if url and _PLACEHOLDER.search(urlsplit(url).path) else url


def _size(img: HtmlElement, name: str) -> int | None:
    match = _NUMBER.match(img.get(name) or "")
    if match:
        return int(match.group(1))
    for key, value in _STYLE_SIZE.findall(img.get("style") or ""):
        if key.lower() == name:
            return int(value)
    return None


def is_tracking_pixel(img: HtmlElement, base_url: str | None) -> bool:
    """A 1x1 (or at most 2 pixels wide or high) image, or one at a known beacon's address."""
    width, height = _size(img, "width"), _size(img, "height")
    if (width is not None and width <= 2) or (height is not None and height <= 2):
        return True
    url = _absolute(img.get("src"), base_url)
    if url is None:
        return False
    parts = urlsplit(url)
    return bool(_BEACON_HOST.search(parts.hostname or "") or _BEACON_PATH.search(parts.path))


ICON_SIZE = 32  # pixels: an image declared this small both ways is an icon or an emoji, not a picture
_ICON_CLASS = re.compile(r"\b(?:emoji|wp-smiley|smiley|emoticon)\b", re.IGNORECASE)


def is_icon(img: HtmlElement) -> bool:
    """An emoji or icon drawn as an image (its alt text says all there is; no link to view it)."""
    if _ICON_CLASS.search(img.get("class") or "") or "/emoji/" in (img.get("src") or ""):
        return True
    width, height = _size(img, "width"), _size(img, "height")
    return width is not None and height is not None and width <= ICON_SIZE and height <= ICON_SIZE


def looks_like_image_file(url: str) -> bool:
    """Whether an address names an image file (a link around a thumbnail to the full-size picture)."""
    try:
        return bool(_IMAGE_FILE.search(urlsplit(url).path))
    except ValueError:
        return False
