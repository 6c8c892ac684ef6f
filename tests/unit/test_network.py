"""The asyncio network backend's pieces that need no server (the rest is tested over loopback)."""

from __future__ import annotations

import errno

from reader.fetch.client import connect_reason
from reader.fetch.network import _one_errno


def test_a_host_whose_every_address_refused_reads_as_refused() -> None:
    multiple = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 8080, 0, 0), "
        "[Errno 111] Connect call failed ('127.0.0.1', 8080)"
    )
    cause = _one_errno(multiple)
    assert cause.errno == errno.ECONNREFUSED
    assert connect_reason(cause).startswith("connection refused")


def test_different_failures_are_left_as_they_are() -> None:
    mixed = OSError("Multiple exceptions: [Errno 111] refused, [Errno 101] Network is unreachable")
    assert _one_errno(mixed) is mixed
    single = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert _one_errno(single) is single
