"""httpcore's pool on asyncio's own locks, events and shields (reader/fetch/primitives.py), over loopback:
waiting for a connection times out as httpx says it should, a cancelled request leaves the pool usable, and
many requests share a host's few connections."""

from __future__ import annotations

import asyncio
import threading

import httpcore
import httpx
import pytest
from httpcore._async import connection_pool, http11
from httpserver import LoopbackServer, RequestRecord, Route

from reader.fetch.primitives import PATCHED_VERSION, AsyncioEvent, AsyncioLock, NoSuspendShield
from reader.fetch.transport import PerHostTransport


def test_the_pinned_httpcore_runs_on_asyncio_primitives() -> None:
    PerHostTransport(2)
    assert httpcore.__version__ == PATCHED_VERSION  # pyproject pins the version these internals are from
    assert connection_pool.AsyncEvent is AsyncioEvent
    assert connection_pool.AsyncShieldCancellation is NoSuspendShield
    assert http11.AsyncLock is AsyncioLock


async def test_waiting_for_a_busy_hosts_only_connection_times_out_as_a_pool_timeout(
    http_server: LoopbackServer,
) -> None:
    arrived = threading.Event()

    def slow_route(request: RequestRecord) -> Route:
        arrived.set()
        return Route(body=b"late", latency=0.5)

    slow = http_server.route("/slow", slow_route)
    fast = http_server.serve("/fast", b"ok")
    timeout = httpx.Timeout(5.0, pool=0.05)
    async with httpx.AsyncClient(transport=PerHostTransport(1), timeout=timeout) as client:
        first = asyncio.ensure_future(client.get(slow))
        # The host's one connection is taken once the server has the request.
        assert await asyncio.get_running_loop().run_in_executor(None, arrived.wait, 10)
        with pytest.raises(httpx.PoolTimeout):
            await client.get(fast)
        assert (await first).text == "late"
        assert (await client.get(fast)).text == "ok"  # and the connection serves the next request


async def test_a_cancelled_request_leaves_the_pool_usable(http_server: LoopbackServer) -> None:
    slow = http_server.serve("/slow", b"late", latency=0.5)
    fast = http_server.serve("/fast", b"ok")
    transport = PerHostTransport(1)
    async with httpx.AsyncClient(transport=transport, timeout=5.0) as client:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await client.get(slow)
        response = await client.get(fast)
        assert response.text == "ok"


async def test_many_requests_share_a_hosts_connections(http_server: LoopbackServer) -> None:
    urls = [http_server.serve(f"/f{i}", f"body {i}".encode(), latency=0.01) for i in range(12)]
    async with httpx.AsyncClient(transport=PerHostTransport(2), timeout=5.0) as client:
        bodies = await asyncio.gather(*(client.get(u) for u in urls))
    assert [r.text for r in bodies] == [f"body {i}" for i in range(12)]
    assert http_server.max_concurrency() <= 2
