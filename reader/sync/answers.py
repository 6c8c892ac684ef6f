"""What a Google Reader API server answers, made safe: item ids in every form, JSON, subscriptions, items.

Ids come decimal in `itemRefs` (Google's were signed 64-bit) and as `tag:google.com,2005:reader/item/<hex>` in
items; both become one signed 64-bit int. Every string from the server passes through the text boundary
(`reader.textsafe`); links must be http(s); anything that is not what the API describes is dropped or refused.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from reader.errors import SyncError
from reader.feeds.enclosures import enclosures_from
from reader.store.sync import ServerItem, Subscription, to_signed, to_unsigned
from reader.textsafe import clean_block, clean_text, is_safe

LONG_ID_PREFIX = "tag:google.com,2005:reader/item/"
TITLE_LIMIT = 1000
BLOCK_LIMIT = 1_000_000


def item_id(value: object) -> int | None:
    """A server item id, decimal or long form, as a signed 64-bit int; None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            if text.startswith(LONG_ID_PREFIX):
                digits = text[len(LONG_ID_PREFIX) :]
                if not 0 < len(digits) <= 16:
                    return None
                number = int(digits, 16)
            elif 0 < len(text) <= 20:
                number = int(text, 10)
            else:
                return None
        except ValueError:
            return None
    else:
        return None
    if number < 0:
        return number if number >= -(2**63) else None
    return to_signed(number) if number < 2**64 else None


def ref_ids(refs: list[Any]) -> list[int]:
    """The ids of `itemRefs`: the common case (decimal strings that fit) at C speed, else one by one."""
    try:
        raw = [ref["id"] for ref in refs]
        if set(map(type, raw)) <= {str}:
            ids = list(map(int, raw))
            if not ids or (min(ids) >= 0 and max(ids) < 2**63):
                return ids
    except (TypeError, KeyError, ValueError):
        pass
    out: list[int] = []
    for ref in refs:
        sid = item_id(ref.get("id")) if isinstance(ref, dict) else None
        if sid is not None:
            out.append(sid)
    return out


def wire_id(server_id: int) -> str:
    """How we send an id: decimal when it is non-negative as a signed number, else the long form."""
    if server_id >= 0:
        return str(server_id)
    return f"{LONG_ID_PREFIX}{to_unsigned(server_id):016x}"


def looks_html(body: bytes) -> bool:
    return body[:512].lstrip().startswith(b"<")


def parse_json(body: bytes, what: str) -> Any:
    if looks_html(body):
        raise SyncError(
            f"the server answered {what} with an HTML page, not JSON: is [sync] url the Google Reader API "
            "endpoint (for FreshRSS, https://host/api/greader.php), and is the API enabled?"
        )
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise SyncError(f"the server's answer to {what} is not valid JSON") from None


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(html.unescape(value), limit=limit) or None


def _link(value: object) -> str | None:
    if not isinstance(value, list):
        return None
    for entry in value:
        href = entry.get("href") if isinstance(entry, dict) else None
        if isinstance(href, str):
            href = href.strip()
            try:
                parts = urlsplit(href)
            except ValueError:
                continue
            if (
                parts.scheme.lower() in ("http", "https")
                and parts.netloc
                and len(href) <= 4096
                and not any(ch in href for ch in "\x00\r\n\t ")
                and is_safe(href)
            ):
                return href
    return None


def subscription(sub: object) -> Subscription | None:
    if not isinstance(sub, dict):
        return None
    sid = sub.get("id")
    if not isinstance(sid, str) or not sid.startswith("feed/") or len(sid) > 4096:
        return None
    url = sub.get("url")
    if not isinstance(url, str) or not url.strip():
        url = sid[5:]  # Inoreader and others: feed/<url>
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not is_safe(url) or " " in url:
        return None
    labels: list[str] = []
    for cat in sub.get("categories") or ():
        if isinstance(cat, dict):
            label = cat.get("label")
            if not isinstance(label, str):
                cid = cat.get("id")
                label = cid.rpartition("/label/")[2] if isinstance(cid, str) and "/label/" in cid else None
            if label:
                labels.append(label)
    site = _link([{"href": sub.get("htmlUrl")}])
    return Subscription(
        server_id=sid, url=url, title=_text(sub.get("title"), 300), site_url=site, labels=tuple(labels)
    )


def server_item(raw: object) -> ServerItem | None:
    if not isinstance(raw, dict):
        return None
    sid = item_id(raw.get("id"))
    origin = raw.get("origin")
    stream = origin.get("streamId") if isinstance(origin, dict) else None
    if sid is None or not isinstance(stream, str):
        return None
    categories = [c for c in raw.get("categories") or () if isinstance(c, str)]
    body = None
    for key in ("content", "summary"):
        part = raw.get(key)
        if isinstance(part, dict) and isinstance(part.get("content"), str):
            body = clean_block(part["content"][:BLOCK_LIMIT]) or None
            if body:
                break
    published = None
    value = raw.get("published")
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 2**33:
        published = datetime.fromtimestamp(value, UTC)
    return ServerItem(
        server_id=sid,
        stream=stream,
        title=_text(raw.get("title"), TITLE_LIMIT) or "(untitled)",
        link=_link(raw.get("canonical")) or _link(raw.get("alternate")),
        author=_text(raw.get("author"), 300),
        content=body,
        published=published,
        read=any(c.endswith("/state/com.google/read") for c in categories),
        starred=any(c.endswith("/state/com.google/starred") for c in categories),
        enclosures=enclosures_from(raw.get("enclosure"), lambda href: _link([{"href": href}])),
    )
