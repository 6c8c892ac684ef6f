"""reader.fetch.schedule: intervals, server hints (max-age, Expires, ttl, Retry-After), bounds and backoff."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from reader.fetch.schedule import (
    JITTER,
    MAX_BACKOFF,
    MAX_HINT,
    MAX_RETRY_AFTER,
    MIN_DELAY,
    cache_lifetime,
    next_due,
    retry_after,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def delay(**kw: object) -> float:
    kw.setdefault("interval", 1800)
    kw.setdefault("status", 200)
    kw.setdefault("error", False)
    kw.setdefault("failures", 0)
    due = next_due(NOW, rng=random.Random(0), **kw)  # type: ignore[arg-type]
    return (due.at - NOW).total_seconds()


def within(value: float, base: float) -> bool:
    return base <= value <= base * (1 + JITTER) + 1e-6


def test_plain_interval_with_jitter() -> None:
    assert within(delay(), 1800)
    seen = {next_due(NOW, interval=1800, status=200, error=False, failures=0).at for _ in range(20)}
    assert len(seen) > 1  # jitter spreads feeds polled together


def test_max_age_longer_than_interval_is_honoured_shorter_is_not() -> None:
    assert within(delay(headers={"cache-control": "public, max-age=7200"}), 7200)
    assert within(delay(headers={"cache-control": "max-age=60"}), 1800)
    assert within(delay(headers={"cache-control": "max-age=99999999"}), MAX_HINT)


def test_expires_relative_to_date_header() -> None:
    headers = {
        "date": format_datetime(NOW, usegmt=True),
        "expires": format_datetime(NOW + timedelta(hours=3), usegmt=True),
    }
    assert within(delay(headers=headers), 3 * 3600)
    assert cache_lifetime({"expires": "0"}, NOW) is None
    assert cache_lifetime({"cache-control": "max-age=3600", "expires": "garbage"}, NOW) == 3600


def test_rss_ttl() -> None:
    d = next_due(
        NOW, interval=1800, status=200, error=False, failures=0, ttl_minutes=120, rng=random.Random(1)
    )
    assert within((d.at - NOW).total_seconds(), 7200) and "ttl" in d.reason
    assert within(delay(ttl_minutes=10**6), MAX_HINT)


def test_never_sooner_than_a_minute() -> None:
    assert within(delay(interval=5), MIN_DELAY)


def test_backoff_grows_with_failures_and_is_capped() -> None:
    delays = [delay(error=True, failures=n, status=None) for n in range(1, 8)]
    assert delays == sorted(delays) and delays[1] > delays[0] * 1.5
    assert within(delay(error=True, failures=50, status=500), MAX_BACKOFF)
    due = next_due(NOW, interval=1800, status=500, error=True, failures=3)
    assert "3 failures" in due.reason


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_seconds_and_date(status: int) -> None:
    assert within(delay(error=True, failures=1, status=status, headers={"retry-after": "7200"}), 7200)
    http_date = format_datetime(NOW + timedelta(hours=5), usegmt=True)
    assert within(delay(error=True, failures=1, status=status, headers={"retry-after": http_date}), 5 * 3600)
    huge = delay(error=True, failures=1, status=status, headers={"retry-after": str(10**9)})
    assert within(huge, MAX_RETRY_AFTER)
    due = next_due(NOW, interval=1800, status=status, error=True, failures=1, headers={"retry-after": "7200"})
    assert "retry after" in due.reason


def test_retry_after_ignored_on_other_statuses_and_when_garbage() -> None:
    assert within(delay(error=True, failures=1, status=500, headers={"retry-after": "7200"}), 1800)
    assert retry_after("soon", NOW) is None
    assert retry_after(None, NOW) is None
    assert retry_after("1", NOW) == MIN_DELAY
