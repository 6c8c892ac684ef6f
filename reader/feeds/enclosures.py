"""An item's files (RSS <enclosure>, Atom rel="enclosure", a Google Reader API item's `enclosure`) as the
reader keeps them: http(s) addresses only, each once, at most MAX_ENCLOSURES, the type one short clean line,
the length only when it is a plausible count of bytes."""

from __future__ import annotations

from collections.abc import Callable

from reader.models import Enclosure
from reader.textsafe import clean_text

MAX_ENCLOSURES = 10
_LENGTH_LIMIT = 10**13  # bytes: a length past this (10 TB) is a feed's mistake, not a size


def enclosures_from(raw: object, link: Callable[[object], str | None]) -> tuple[Enclosure, ...]:
    """The files in `raw` (a list of {"href", "type", "length"} dicts); `link` turns an href into an absolute
    http(s) address, or None to drop it."""
    if not raw or not isinstance(raw, list):
        return ()
    out: list[Enclosure] = []
    seen: set[str] = set()
    for part in raw:
        if not isinstance(part, dict):
            continue
        url = link(part.get("href"))
        if url is None or url in seen:
            continue
        seen.add(url)
        kind_raw = part.get("type")
        kind = clean_text(kind_raw, 100) or None if isinstance(kind_raw, str) else None
        length_raw = str(part.get("length") or "").strip()
        length = int(length_raw) if length_raw.isascii() and length_raw.isdigit() else None
        if length is not None and not 0 < length < _LENGTH_LIMIT:
            length = None
        out.append(Enclosure(url, kind, length))
        if len(out) == MAX_ENCLOSURES:
            break
    return tuple(out)
