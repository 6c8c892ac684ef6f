"""The HTTP/1.1 layer under PoliteClient against raw loopback servers: framing, keep-alive, stale connections,
proxies, broken responses."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from reader.errors import FetchError
from reader.fetch.client import PoliteClient
from reader.fetch.settings import ClientSettings

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback server running `handler` per connection; yields its base URL and the request heads seen."""
    heads: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def logged(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(b"<connection>")
        await serve(reader, writer)

    server = await asyncio.start_server(logged, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", heads
    finally:
        server.close()


async def read_head(reader: asyncio.StreamReader, heads: list[bytes] | None = None) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    if heads is not None:
        heads.append(head)
    return head


def client() -> PoliteClient:
    return PoliteClient(ClientSettings(host_jitter=0.0, deadline=5, read_timeout=2, connect_timeout=2))


async def test_chunked_body_with_extensions_and_trailers_gzip_decoded() -> None:
    body = gzip.compress(b"<rss>" + b"x" * 100_000 + b"</rss>")

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n")
        for i in range(0, len(body), 7000):
            piece = body[i : i + 7000]
            writer.write(f"{len(piece):x};ext=1\r\n".encode() + piece + b"\r\n")
        writer.write(b"0\r\nX-Trailer: yes\r\n\r\n")
        await writer.drain()

    async with raw_server(handler) as (url, _), client() as c:
        r = await c.get(url + "/feed")
    assert r.body == b"<rss>" + b"x" * 100_000 + b"</rss>"


async def test_keep_alive_reuses_the_connection_and_a_stale_one_is_retried() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):  # two responses on this connection, then it is closed without saying so
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
            await writer.drain()

    async with raw_server(handler) as (url, heads), client() as c:
        for _ in range(3):
            assert (await c.get(url + "/f")).body == b"hello"
    # Requests 1 and 2 shared a connection; the third found it closed and went out on a fresh one.
    assert heads.count(b"<connection>") == 2


async def test_an_http_proxy_from_the_environment_gets_the_absolute_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader, seen)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied")
        await writer.drain()

    async with raw_server(proxy) as (proxy_url, _):
        monkeypatch.setenv("http_proxy", proxy_url.replace("http://", "http://me:s%40cret@"))
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        async with client() as c:
            r = await c.get("http://feeds.example.org/feed.xml?x=1")
    assert r.body == b"proxied"
    assert seen[0].startswith(b"GET http://feeds.example.org/feed.xml?x=1 HTTP/1.1\r\n")
    assert b"\r\nHost: feeds.example.org\r\n" in seen[0]
    assert b"\r\nProxy-Authorization: Basic bWU6c0BjcmV0\r\n" in seen[0]  # me:s@cret


@pytest.mark.parametrize(
    ("response", "words"),
    [
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not an HTTP/1.x response"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", "ended early"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n", "headers over"),
        (b"", "without a complete response"),
    ],
)
async def test_a_broken_response_is_one_clear_error(response: bytes, words: str) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(response)
        await writer.drain()

    async with raw_server(handler) as (url, _), client() as c:
        with pytest.raises(FetchError, match=words) as info:
            await c.get(url + "/f")
    assert "\n" not in str(info.value)


async def test_a_validator_that_would_inject_a_header_is_not_sent() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader, seen)
        writer.write(b"HTTP/1.1 304 Not Modified\r\n\r\n")
        await writer.drain()

    async with raw_server(handler) as (url, _), client() as c:
        r = await c.get(
            url + "/f", etag='"a"\r\nX-Injected: 1', last_modified="Mon, 01 Jan 2024 00:00:00 GMT"
        )
    assert r.status == 304
    assert b"X-Injected" not in seen[0] and b"If-Modified-Since: Mon, 01 Jan 2024" in seen[0]


async def test_https_verifies_the_certificate(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subject = ["-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"]
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            *subject,
        ],
        check=True,
        capture_output=True,
    )
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=server_ctx)
    url = f"https://localhost:{server.sockets[0].getsockname()[1]}/feed"
    try:
        async with client() as c:
            with pytest.raises(FetchError, match="TLS failed: CERTIFICATE_VERIFY_FAILED"):
                await c.get(url)  # a self-signed certificate: refused
            c._pool._ssl = ssl.create_default_context(cafile=str(cert))  # as if a CA we trust signed it
            r = await c.get(url)
        assert r.body == b"<rss/>"
    finally:
        server.close()


async def test_a_304_leaves_the_connection_reusable() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await read_head(reader)
            writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
            await writer.drain()

    async with raw_server(handler) as (url, heads), client() as c:
        for _ in range(3):
            assert (await c.get(url + "/f", etag='"v1"')).status == 304
    assert heads.count(b"<connection>") == 1


async def test_a_head_with_bare_line_feeds_and_a_stray_blank_line_is_read() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"\r\nHTTP/1.0 200 OK\nContent-Type: application/rss+xml\nContent-Length: 6\n\n<rss/>")
        await writer.drain()

    async with raw_server(handler) as (url, _), client() as c:
        r = await c.get(url + "/f")
    assert r.body == b"<rss/>" and r.headers["content-type"] == "application/rss+xml"
