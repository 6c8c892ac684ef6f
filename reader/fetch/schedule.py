"""Pure: when a feed is next due after a fetch, and a short reason the UI can show.

Rules (all delays in seconds, then a little jitter so feeds polled together drift apart):
- success or 304: the feed's interval, or longer when the server asks for it: Cache-Control max-age
  (or Expires), or RSS <ttl>; server hints are clamped to [MIN_DELAY, MAX_HINT] (1 day). We never poll
  sooner than the interval because a server says a short max-age: the interval is the user's choice.
- failure: exponential backoff, interval * 2**(failures-1), at most MAX_BACKOFF (1 day).
- 429/503 with Retry-After (seconds or HTTP-date): at least that, clamped to [MIN_DELAY, MAX_RETRY_AFTER] (7 days).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from reader.frozen import Frozen, value_type

MIN_DELAY = 60
MAX_HINT = 24 * 3600
MAX_BACKOFF = 24 * 3600
MAX_RETRY_AFTER = 7 * 24 * 3600
JITTER = 0.1  # up to +10 % of the delay

_MAX_AGE = re.compile(r"(?:^|,)\s*(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


@value_type
class Due(Frozen):
    at: datetime
    reason: str


def next_due(
    now: datetime,
    *,
    interval: int,
    status: int | None,
    error: bool,
    failures: int,
    headers: Mapping[str, str] | None = None,
    ttl_minutes: int | None = None,
    rng: random.Random | None = None,
) -> Due:
    """When to poll next. `failures` counts this fetch (1 after the first failure); headers have lower-case keys."""
    headers = headers or {}
    interval = max(MIN_DELAY, interval)
    if error:
        delay = float(min(MAX_BACKOFF, interval * 2 ** min(max(failures, 1) - 1, 30)))
        reason = f"retry in {_human(delay)}" if failures <= 1 else f"backing off after {failures} failures"
        if status in (429, 503):
            retry = retry_after(headers.get("retry-after"), now)
            if retry is not None and retry >= delay:
                delay, reason = retry, f"server asked to retry after {_human(retry)} ({status})"
        return _due(now, delay, reason, rng)
    delay, reason = float(interval), f"every {_human(interval)}"
    lifetime = cache_lifetime(headers, now)
    if lifetime is not None and lifetime > delay:
        delay, reason = lifetime, f"server cache lifetime {_human(lifetime)}"
    if ttl_minutes:
        ttl = float(min(MAX_HINT, max(MIN_DELAY, ttl_minutes * 60)))
        if ttl > delay:
            delay, reason = ttl, f"feed ttl {_human(ttl)}"
    return _due(now, delay, reason, rng)


def cache_lifetime(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds the response may be cached (max-age wins over Expires), clamped; None when not stated."""
    cc = headers.get("cache-control") or ""
    if cc:
        ages = {k.lower(): int(v) for k, v in _MAX_AGE.findall(cc)}
        if "max-age" in ages:
            return _clamp(ages["max-age"], MAX_HINT)
        if re.search(r"no-cache|no-store", cc, re.IGNORECASE):
            return None
    expires = headers.get("expires")
    if expires:
        when = http_date(expires)
        if when is None:
            return None  # "Expires: 0" and garbage mean "already expired": nothing to honour
        base = http_date(headers.get("date") or "") or now
        return _clamp((when - base).total_seconds(), MAX_HINT)
    return None


def retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds from now (delta-seconds or HTTP-date form), clamped; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return _clamp(int(value), MAX_RETRY_AFTER)
    when = http_date(value)
    if when is None:
        return None
    return _clamp((when - now).total_seconds(), MAX_RETRY_AFTER)


def http_date(value: str) -> datetime | None:
    try:
        dt = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _clamp(seconds: float, upper: int) -> float:
    return float(min(upper, max(MIN_DELAY, seconds)))


def _due(now: datetime, delay: float, reason: str, rng: random.Random | None) -> Due:
    jitter = (rng or random).uniform(0, JITTER) * delay
    return Due(now + timedelta(seconds=delay + jitter), reason)


def _human(seconds: float) -> str:
    s = round(seconds)
    if s < 120:
        return f"{s} s"
    if s < 2 * 3600:
        return f"{round(s / 60)} min"
    if s < 2 * 86400:
        return f"{s / 3600:.3g} h"
    return f"{s / 86400:.3g} days"
