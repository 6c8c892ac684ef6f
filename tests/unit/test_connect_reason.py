"""A connection that could not be made is said in words (reader/fetch/client.py `connect_reason`)."""

from __future__ import annotations

import errno
import socket

from reader.fetch.client import connect_reason


def test_connection_failures_in_words() -> None:
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert connect_reason(refused).startswith("connection refused")
    both = OSError(
        "Multiple exceptions: [Errno 111] Connect call failed ('::1', 80), [Errno 111] Connection refused"
    )
    assert connect_reason(both).startswith("connection refused")
    assert connect_reason(socket.gaierror(socket.EAI_NONAME, "Name or service not known")) == (
        "host name not found (DNS)"
    )
    assert connect_reason(socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")) == (
        "DNS lookup failed: Temporary failure in name resolution"
    )
    assert connect_reason(OSError(errno.ENETUNREACH, "Network is unreachable")).startswith(
        "network unreachable"
    )
    assert connect_reason(OSError(errno.EPERM, "Operation not permitted")) == "Operation not permitted"
