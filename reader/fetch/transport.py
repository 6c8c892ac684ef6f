"""The HTTP transport under the polite client: a small connection pool per host, cheap liveness checks.

httpcore checks every pooled connection on every request, and through anyio each check rebuilt a dict of socket
attributes and called getpeername(): with one shared pool and a hundred hosts that was a third of a poll's CPU.
Here each host gets its own pool (behind the one AsyncClient), and streams answer "is_readable" by polling the
raw socket directly.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import certifi
import httpcore
import httpx


class _Stream(httpcore.AsyncNetworkStream):
    """anyio's stream with a cheap "is the connection still good?" check.

    httpcore asks every pooled connection `get_extra_info("is_readable")` on every request; through anyio
    that rebuilds a dict of socket attributes and calls getpeername() each time, which was a third of the
    poller's CPU. Here the raw socket is looked up once and polled directly.
    """

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._sock: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            fd = -1 if self._sock is None else self._sock.fileno()
            if fd < 0:
                return True  # gone: the next read returns b"" at once
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            return bool(poller.poll(0))
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, handing out `_Stream`s."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


_BACKEND = _Backend()


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per host (scheme, host, port), behind the one AsyncClient.

    httpcore checks every pooled connection on every request; with one shared pool and a hundred hosts that
    scan was about a third of the CPU of a poll. A pool per host keeps the scan to that host's few
    connections. The TLS context is made once and shared.
    """

    def __init__(self, per_host: int) -> None:
        self._limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        self._ssl: ssl.SSLContext | None = None

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            if self._ssl is None:  # made once (loading the CA bundle costs ~20 ms), shared by every pool
                self._ssl = ssl.create_default_context(cafile=certifi.where())
            pool = httpx.AsyncHTTPTransport(verify=self._ssl, limits=self._limits)
            inner = getattr(pool, "_pool", None)
            if hasattr(inner, "_network_backend"):
                inner._network_backend = _BACKEND  # type: ignore[union-attr]
            self._pools[key] = pool
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self._pool(request.url).handle_async_request(request)

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            await pool.aclose()
