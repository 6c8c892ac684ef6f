"""The HTTP transport under the polite client: a small httpx connection pool per host, on asyncio sockets.

httpcore checks every pooled connection on every request: with one shared pool and a hundred hosts that scan
was a third of a poll's CPU. Here each host gets its own pool (behind the one AsyncClient), and every pool
runs on `reader.fetch.network`'s asyncio backend and `reader.fetch.primitives`' asyncio locks instead of anyio's.
"""

from __future__ import annotations

import os
import ssl

import httpx

from reader.errors import TLSSetupError
from reader.fetch.network import AsyncioBackend
from reader.fetch.primitives import use_asyncio_primitives

_BACKEND = AsyncioBackend()


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per host (scheme, host, port), behind the one AsyncClient.

    httpcore checks every pooled connection on every request; with one shared pool and a hundred hosts that
    scan was about a third of the CPU of a poll. A pool per host keeps the scan to that host's few
    connections. No TLS context is made for plain http; the one for https is made once and shared.
    """

    def __init__(self, per_host: int) -> None:
        use_asyncio_primitives()
        self._limits = httpx.Limits(max_connections=per_host, max_keepalive_connections=per_host)
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}
        self._ssl: ssl.SSLContext | None = None
        self._plain: ssl.SSLContext | None = None

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:  # loading the CA bundle costs ~20 ms: only when an https URL comes
            # As httpx does by default: SSL_CERT_FILE / SSL_CERT_DIR when set (a corporate CA), else certifi's.
            for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
                where = os.environ.get(name)
                if where:
                    try:
                        if name == "SSL_CERT_FILE":
                            self._ssl = ssl.create_default_context(cafile=where)
                        else:
                            self._ssl = ssl.create_default_context(capath=where)
                    except (OSError, ssl.SSLError) as exc:
                        reason = getattr(exc, "strerror", None) or type(exc).__name__
                        raise TLSSetupError(
                            f"{name}={where} holds no usable certificates ({reason})"
                        ) from None
                    return self._ssl
            import certifi

            self._ssl = ssl.create_default_context(cafile=certifi.where())
        return self._ssl

    def _unused(self) -> ssl.SSLContext:
        if self._plain is None:
            self._plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no CA: fails closed
        return self._plain

    def _pool(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pools.get(key)
        if pool is None:
            # httpx makes a TLS context (loading the CA bundle) per transport unless given one; a plain-http
            # pool never uses it, so it gets one with no CA loaded: it could verify nothing, so it never could
            # be used to trust anything by mistake.
            verify = self._tls() if url.raw_scheme == b"https" else self._unused()
            pool = httpx.AsyncHTTPTransport(verify=verify, limits=self._limits)
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
