"""PoliteClient against a real loopback server: validators, redirects, caps, deadlines and error reporting."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from pathlib import Path

import pytest
from httpserver import LoopbackServer, MiB, Route, gzip_bomb

from reader import USER_AGENT
from reader.errors import FetchError
from reader.fetch.client import HttpStatusError, PoliteClient, _DecoderChain, local_path, read_local
from reader.fetch.settings import ClientSettings


def client(**kw: object) -> PoliteClient:
    kw.setdefault("host_jitter", 0.0)
    return PoliteClient(ClientSettings(**kw))  # type: ignore[arg-type]


async def test_user_agent_and_accept_are_sent(http_server: LoopbackServer) -> None:
    url = http_server.serve("/f", b"<rss/>")
    async with client() as c:
        r = await c.get(url)
    assert r.status == 200 and r.body == b"<rss/>"
    sent = http_server.requests("/f")[0].headers
    assert sent["user-agent"] == USER_AGENT
    assert "application/rss+xml" in sent["accept"]
    assert "if-none-match" not in sent


async def test_validators_are_sent_verbatim_and_304_returned(http_server: LoopbackServer) -> None:
    etag = 'W/"abc, def"'  # a weak ETag with a comma: must go back exactly as received
    lm = "Mon, 01 Jan 2024 00:00:00 GMT"
    url = http_server.serve("/f", b"<rss/>", etag=etag, last_modified=lm)
    async with client() as c:
        first = await c.get(url)
        assert first.headers["etag"] == etag and first.headers["last-modified"] == lm
        second = await c.get(url, etag=first.headers["etag"], last_modified=first.headers["last-modified"])
    assert second.status == 304 and second.body == b"" and second.conditional
    sent = http_server.requests("/f")[1].headers
    assert sent["if-none-match"] == etag
    assert sent["if-modified-since"] == lm
    assert c.stats.requests == 2 and c.stats.conditional_requests == 1 and c.stats.not_modified == 1


async def test_permanent_redirects_are_reported_temporary_ones_not(http_server: LoopbackServer) -> None:
    http_server.serve("/new", b"<rss/>")
    http_server.redirect("/p301", "/new", 301)
    http_server.redirect("/p308", "/new", 308)
    http_server.redirect("/t302", "/new", 302)
    http_server.redirect("/t307", "/new", 307)
    http_server.redirect("/mixed", "/t302", 301)  # 301 then 302: the URL moved to /t302, not to /new
    async with client() as c:
        for path in ("/p301", "/p308"):
            r = await c.get(http_server.url(path))
            assert r.permanent_redirect == http_server.url("/new") and r.redirects == 1
        for path in ("/t302", "/t307"):
            r = await c.get(http_server.url(path))
            assert r.permanent_redirect is None and r.final_url == http_server.url("/new")
        r = await c.get(http_server.url("/mixed"))
    assert r.permanent_redirect == http_server.url("/t302") and r.redirects == 2


async def test_redirect_loop_and_too_many_hops(http_server: LoopbackServer) -> None:
    http_server.redirect("/a", "/b")
    http_server.redirect("/b", "/a")
    for i in range(10):
        http_server.redirect(f"/chain{i}", f"/chain{i + 1}")
    async with client() as c:
        with pytest.raises(FetchError, match="redirect loop"):
            await c.get(http_server.url("/a"))
        with pytest.raises(FetchError, match="too many redirects"):
            await c.get(http_server.url("/chain0"))
    assert http_server.count("/chain6") == 0  # we stopped following after 5 hops


async def test_javascript_redirect_is_a_fetch_error(http_server: LoopbackServer) -> None:
    http_server.redirect("/js", "javascript:alert(1)")
    http_server.redirect("/data", "data:text/html,hi", 301)
    async with client() as c:
        for path in ("/js", "/data"):
            # httpx itself raises InvalidURL (not an HTTPError) while reading such a response: httpx#3706.
            with pytest.raises(FetchError, match=r"invalid URL|non-http"):
                await c.get(http_server.url(path))


async def test_url_filter_is_checked_on_every_hop(http_server: LoopbackServer) -> None:
    http_server.serve("/private", b"secret")
    http_server.redirect("/public", "/private")
    async with client() as c:
        with pytest.raises(FetchError, match="not allowed"):
            await c.get(http_server.url("/public"), url_filter=lambda u: "private" not in u)
    assert http_server.count("/private") == 0


@pytest.mark.parametrize("status", [404, 410, 500])
async def test_http_errors_carry_status(http_server: LoopbackServer, status: int) -> None:
    url = http_server.serve("/e", b"oops", status=status)
    async with client() as c:
        with pytest.raises(HttpStatusError) as info:
            await c.get(url)
    assert info.value.status == status
    assert str(info.value).startswith(f"HTTP {status}")


async def test_gzip_is_decoded(http_server: LoopbackServer) -> None:
    body = b"<rss>" + b"x" * 5000 + b"</rss>"
    url = http_server.serve("/gz", body, gzip_layers=1)
    url2 = http_server.serve("/gz2", body, gzip_layers=2)
    async with client() as c:
        assert (await c.get(url)).body == body
        assert (await c.get(url2)).body == body


@pytest.mark.parametrize("layers", [1, 2])
async def test_gzip_bomb_is_capped_on_decoded_size(http_server: LoopbackServer, layers: int) -> None:
    bomb = gzip_bomb(64 * MiB, layers=layers)
    assert len(bomb) < MiB  # small on the wire ...
    url = http_server.serve("/bomb", bomb, headers={"Content-Encoding": ", ".join(["gzip"] * layers)})
    async with client(max_body_bytes=MiB) as c:
        with pytest.raises(FetchError, match="once decompressed"):
            await c.get(url)


def test_decoder_never_returns_a_huge_piece() -> None:
    # `gzip, gzip` of 64 MiB: the inner layer must be decoded in bounded pieces, not in one chunk.
    bomb = gzip_bomb(64 * MiB, layers=2)
    chain = _DecoderChain("gzip, gzip")
    total = 0
    for piece in chain.feed(bomb):
        assert len(piece) <= 64 * 1024
        total += len(piece)
        if total > 4 * MiB:
            break
    assert total > 4 * MiB


def test_deflate_raw_and_wrapped() -> None:
    data = b"hello " * 1000
    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    for encoded in (zlib.compress(data), raw.compress(data) + raw.flush()):
        chain = _DecoderChain("deflate")
        assert b"".join([*chain.feed(encoded), *chain.flush()]) == data
    concatenated = gzip.compress(b"one ") + gzip.compress(b"two")
    chain = _DecoderChain("gzip")
    assert b"".join(chain.feed(concatenated)) == b"one two"


async def test_unsupported_encoding_is_an_error(http_server: LoopbackServer) -> None:
    url = http_server.serve("/br", b"xx", headers={"Content-Encoding": "br"})
    async with client() as c:
        with pytest.raises(FetchError, match="unsupported content encoding"):
            await c.get(url)


async def test_body_cap_plain_and_endless(http_server: LoopbackServer) -> None:
    big = http_server.serve("/big", b"x" * (2 * MiB))
    endless = http_server.serve("/endless", endless=True)
    async with client(max_body_bytes=MiB) as c:
        with pytest.raises(FetchError, match="too large"):
            await c.get(big)
        with pytest.raises(FetchError, match="too large"):
            await c.get(endless)


async def test_drip_hits_the_total_deadline(http_server: LoopbackServer) -> None:
    url = http_server.serve("/drip", b"x" * 1000, drip=0.02)  # each byte well inside the read timeout
    loop = asyncio.get_running_loop()
    start = loop.time()
    async with client(deadline=0.4, read_timeout=5) as c:
        with pytest.raises(FetchError, match=r"no complete response within 0\.4 s"):
            await c.get(url)
    assert loop.time() - start < 3


async def test_connection_refused_and_reset(http_server: LoopbackServer) -> None:
    reset = http_server.serve("/reset", b"x" * 100_000, reset_after=1000)
    async with client() as c:
        with pytest.raises(FetchError, match="could not connect: connection refused"):
            await c.get(http_server.refused_url())
        with pytest.raises(FetchError) as info:
            await c.get(reset)
    assert "\n" not in str(info.value) and str(info.value)


async def test_read_timeout(http_server: LoopbackServer) -> None:
    url = http_server.serve("/slow", b"<rss/>", latency=1.0)
    async with client(read_timeout=0.2) as c:
        with pytest.raises(FetchError, match="read timeout"):
            await c.get(url)


async def test_non_http_urls_are_refused() -> None:
    async with client() as c:
        for url in ("ftp://example.org/feed", "file:///etc/passwd", "javascript:alert(1)", "http:///nohost"):
            with pytest.raises(FetchError):
                await c.get(url)


async def test_per_host_limit_is_respected(http_server: LoopbackServer) -> None:
    hosts = ["127.0.0.1", "127.0.0.3"]
    http_server.add_host("127.0.0.3")
    http_server.route("/slow", Route(body=b"<rss/>", latency=0.15))
    urls = [http_server.url("/slow", host=hosts[i % 2]) for i in range(8)]
    async with client(per_host=2, max_connections=32) as c:
        results = await asyncio.gather(*(c.get(u) for u in urls))
    assert all(r.status == 200 for r in results)
    assert http_server.max_concurrency("127.0.0.1") == 2
    assert http_server.max_concurrency("127.0.0.3") == 2


async def test_global_limit_is_respected(http_server: LoopbackServer) -> None:
    http_server.route("/slow", Route(body=b"<rss/>", latency=0.15))
    async with client(per_host=10, max_connections=3) as c:
        await asyncio.gather(*(c.get(http_server.url(f"/slow?{i}")) for i in range(7)))
    assert http_server.max_concurrency("127.0.0.1") == 3


def test_local_paths(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    f = tmp_path / "feed.xml"
    f.write_bytes(b"<rss/>")
    assert local_path(f.as_uri()) == f
    assert local_path(str(f)) == f
    assert local_path("http://example.org/") is None
    assert local_path("file://otherhost/x") is None
    assert read_local(f, 100) == b"<rss/>"
    with pytest.raises(FetchError, match="too large"):
        read_local(f, 3)
    with pytest.raises(FetchError, match="cannot read"):
        read_local(tmp_path / "missing.xml", 100)


async def test_a_304_leaves_its_connection_open_for_the_next_request(http_server: LoopbackServer) -> None:
    lm = "Mon, 01 Jan 2024 00:00:00 GMT"
    url = http_server.serve("/f", b"<rss/>", last_modified=lm)
    gone = http_server.serve("/gone", b"not here", status=404)
    async with client(per_host=1) as c:
        for _ in range(3):
            assert (await c.get(url, last_modified=lm)).status == 304
        with pytest.raises(HttpStatusError):
            await c.get(gone)  # a short error page is read to its end: the connection stays usable too
        assert (await c.get(url, last_modified=lm)).status == 304
    ports = {r.peer_port for r in http_server.requests()}
    assert len(http_server.requests()) == 5 and len(ports) == 1, ports


async def test_https_is_verified_against_the_trusted_authorities(
    http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tls = Path(__file__).resolve().parents[1] / "data" / "tls"
    base = http_server.add_tls_host("127.0.0.9", str(tls / "loopback.pem"), str(tls / "loopback.key"))
    http_server.serve("/secure.xml", b"<rss/>")
    big = b"<rss>" + b"x" * (3 * MiB) + b"</rss>"  # far more than is buffered before reading pauses
    http_server.serve("/big.xml", big)
    url = base + "/secure.xml"
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    async with client() as c:
        with pytest.raises(
            FetchError,
            match=r"could not connect: the server.s TLS certificate is not trusted \(self-signed certificate\)",
        ):
            await c.get(url)  # self-signed: not trusted by the default authorities
    monkeypatch.setenv("SSL_CERT_FILE", str(tls / "loopback.pem"))
    async with client() as c:
        first = await c.get(url)
        second = await c.get(url)
        large = await c.get(base + "/big.xml")
    assert first.status == second.status == 200 and second.body == b"<rss/>"
    assert large.body == big
    served = http_server.requests("/secure.xml")
    assert len(served) == 2 and served[0].peer_port == served[1].peer_port  # one TLS connection, kept alive
