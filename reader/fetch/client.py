"""The polite HTTP client: one httpx.AsyncClient, bounded concurrency, deadlines, size caps, our own redirects.

httpx alone has no total deadline, no body cap, and decodes `Content-Encoding: gzip, gzip` into one huge chunk;
so this module reads the raw bytes and decodes them itself, incrementally, with a cap on the *decoded* size,
runs every request under `asyncio.timeout`, and follows redirects itself (loop detection, a hop limit, a URL
filter on every hop, and "was every hop so far permanent?" for updating stored feed URLs). Every failure is a
FetchError with one line of text for the user; HTTP error statuses are HttpStatusError (with the headers, for
Retry-After).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import random
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from reader import USER_AGENT
from reader.errors import FetchError, TLSSetupError
from reader.fetch.settings import ClientSettings
from reader.fetch.transport import PerHostTransport
from reader.frozen import Frozen, value_type
from reader.textsafe import clean_text, quote_url

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, "
    "text/xml;q=0.8, text/html;q=0.5, */*;q=0.1"
)
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
_CHUNK = 64 * 1024


@value_type
class HttpResult(Frozen):
    """A 2xx or 304 response, its body read and decoded."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case keys
    body: bytes
    permanent_redirect: str | None = None  # where the URL moved to, when every hop so far was 301/308
    redirects: int = 0
    conditional: bool = False  # validators were sent


class HttpStatusError(FetchError):
    """The server answered with an error status (4xx/5xx or an unusable 3xx)."""

    def __init__(self, reason: str, status: int, headers: Mapping[str, str], final_url: str) -> None:
        super().__init__(reason)
        self.status = status
        self.headers = headers
        self.final_url = final_url


class Budget:
    """What is left of one feed's total deadline: only time spent holding a connection slot counts, so a
    feed waiting its turn behind other feeds of the same host is not charged for their slowness."""

    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.remaining = seconds


@dataclass
class ClientStats:
    requests: int = 0  # network requests, redirect hops included
    conditional_requests: int = 0
    not_modified: int = 0


class PoliteClient:
    """GET with global and per-host limits, connect/read timeouts, a total deadline and a decoded-size cap."""

    def __init__(
        self, settings: ClientSettings | None = None, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = s = settings or ClientSettings()
        self.stats = ClientStats()
        self._global = asyncio.Semaphore(s.max_connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._client = httpx.AsyncClient(
            # We decode ourselves, so we only offer what we can decode with a cap.
            headers={"User-Agent": s.user_agent or USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            ),
            # A pool per host: httpcore checks every pooled connection on every request (see PerHostTransport).
            follow_redirects=False,
            transport=transport or PerHostTransport(s.per_host),
        )

    async def __aenter__(self) -> PoliteClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        url_filter: Callable[[str], bool] | None = None,
        budget: Budget | None = None,
        max_bytes: int | None = None,
    ) -> HttpResult:
        """Fetch `url`; raise FetchError (one line) for anything but a 2xx or 304.

        Every hop runs against `budget` (a fresh one of `settings.deadline` seconds when not given; pass one
        to make several requests share a total deadline). `max_bytes`: this request's body cap, when it is
        not the settings' `max_body_bytes`."""
        headers = {"Accept": accept}
        # Validators go back exactly as the server sent them (no quoting, no parsing).
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        budget = budget or Budget(self.settings.deadline)
        current, seen, hops = url, {url}, 0
        permanent: str | None = None
        all_permanent = True
        while True:
            _check_url(current, url_filter)
            status, resp_headers, body = await self._one(current, headers, budget, max_bytes)
            if status in REDIRECTS and "location" in resp_headers:
                target = _redirect_target(current, resp_headers["location"])
                hops += 1
                if status in PERMANENT and all_permanent:
                    permanent = target
                else:
                    all_permanent = False
                if target in seen:
                    raise FetchError(f"redirect loop ({status} back to {clean_text(target, 200)})")
                if hops > self.settings.max_redirects:
                    raise FetchError(f"too many redirects (more than {self.settings.max_redirects})")
                seen.add(target)
                current = target
                continue
            if status == 304 or 200 <= status < 300:
                return HttpResult(
                    url=url,
                    final_url=current,
                    status=status,
                    headers=resp_headers,
                    body=body,
                    permanent_redirect=permanent,
                    redirects=hops,
                    conditional=bool(etag or last_modified),
                )
            raise HttpStatusError(_status_reason(status), status, resp_headers, current)

    async def _one(
        self, url: str, headers: dict[str, str], budget: Budget, max_bytes: int | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        host = (urlsplit(url).hostname or "").lower()
        sem = self._hosts.get(host)
        if sem is None:
            sem = self._hosts[host] = asyncio.Semaphore(self.settings.per_host)
        contended = sem.locked()
        async with sem:
            if contended and self.settings.host_jitter > 0:
                # Space out back-to-back requests to one host, so we do not arrive in lockstep bursts.
                await asyncio.sleep(random.uniform(0, self.settings.host_jitter))
            async with self._global:
                self.stats.requests += 1
                if "If-None-Match" in headers or "If-Modified-Since" in headers:
                    self.stats.conditional_requests += 1
                started = time.monotonic()
                try:
                    async with asyncio.timeout(max(budget.remaining, 0.001)):
                        return await self._exchange(url, headers, max_bytes)
                except FetchError:
                    raise
                except TimeoutError:
                    raise FetchError(f"no complete response within {budget.total:g} s") from None
                except Exception as exc:  # httpx.InvalidURL is not an HTTPError; nothing may escape a feed
                    raise FetchError(describe_error(exc)) from exc
                finally:
                    budget.remaining -= time.monotonic() - started

    async def _exchange(
        self, url: str, headers: dict[str, str], max_bytes: int | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        request = self._client.build_request("GET", url, headers=headers)
        response = await self._client.send(request, stream=True)
        try:
            resp_headers = {k.lower(): v for k, v in response.headers.items()}
            status = response.status_code
            if status == 304:
                self.stats.not_modified += 1
            if not 200 <= status < 300:
                await _drain(response, resp_headers)
                return status, resp_headers, b""
            return status, resp_headers, await self._read_body(response, resp_headers, max_bytes)
        finally:
            await response.aclose()

    async def _read_body(
        self, response: httpx.Response, headers: Mapping[str, str], max_bytes: int | None = None
    ) -> bytes:
        cap = self.settings.max_body_bytes if max_bytes is None else max_bytes
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise FetchError(f"body too large ({int(length)} bytes, limit {cap})")
        decoder = _DecoderChain(headers.get("content-encoding", ""))
        parts: list[bytes] = []
        raw_size = size = 0
        async for chunk in response.aiter_raw():
            raw_size += len(chunk)
            if raw_size > cap:
                raise FetchError(f"body too large (over {cap} bytes)")
            for piece in decoder.feed(chunk):
                size += len(piece)
                if size > cap:
                    raise FetchError(f"body too large (over {cap} bytes once decompressed)")
                parts.append(piece)
        for piece in decoder.flush():
            size += len(piece)
            if size > cap:
                raise FetchError(f"body too large (over {cap} bytes once decompressed)")
            parts.append(piece)
        return b"".join(parts)


_DRAIN_LIMIT = 64 * 1024  # bytes
_DRAIN_SECONDS = 1.0


async def _drain(response: httpx.Response, headers: Mapping[str, str]) -> None:
    """Read the rest of a response we do not use (a 304, a redirect, an error page) when it is small.

    httpcore returns a connection to the pool only once its response was read to the end; closed early, the
    connection is closed too, and the next request to that host (every 304 after the first) connects anew.
    A body of unknown or large size, or one slow to come, is not waited for: that connection is dropped."""
    length = headers.get("content-length")
    if length is None:
        if response.status_code not in (204, 304):  # those have no body, whatever the headers say
            return
    elif not (length.isdigit() and int(length) <= _DRAIN_LIMIT):
        return
    with contextlib.suppress(Exception):
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for _chunk in response.aiter_raw():
                pass


class _Decoder:
    """One Content-Encoding layer, decoded in bounded pieces (max_length), never all at once."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._obj: zlib._Decompress | None = None
        if coding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._obj is None:  # deflate: zlib-wrapped per the RFC, raw in practice; decide on the first bytes
            wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        obj = self._obj
        while data:
            try:
                out = obj.decompress(data, _CHUNK)
            except zlib.error as exc:
                raise FetchError(f"corrupt {self.coding} body: {exc}") from None
            if out:
                yield out
            data = obj.unconsumed_tail
            if obj.eof:
                rest = obj.unused_data
                if rest and self.coding != "deflate" and rest.lstrip(b"\x00"):
                    # Another gzip member follows (concatenated gzip is valid).
                    obj = self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    data = rest
                    continue
                return
            if not data and len(out) == _CHUNK:
                data = b""  # output was cut at max_length: drain what zlib still holds
                while True:
                    out = obj.decompress(b"", _CHUNK)
                    if out:
                        yield out
                    if len(out) < _CHUNK:
                        break

    def flush(self) -> Iterator[bytes]:
        if self._obj is not None and not self._obj.eof:
            out = self._obj.flush(_CHUNK)
            if out:
                yield out


class _DecoderChain:
    """Content-Encoding layers, undone in reverse order, each piece passed on as soon as it is out."""

    def __init__(self, header: str) -> None:
        codings = [c.strip().lower() for c in header.split(",") if c.strip()]
        self.layers: list[_Decoder] = []
        for coding in reversed(codings):
            if coding == "identity":
                continue
            if coding not in ("gzip", "x-gzip", "deflate"):
                raise FetchError(f"unsupported content encoding {clean_text(coding, 40)!r}")
            self.layers.append(_Decoder(coding))

    def feed(self, data: bytes) -> Iterator[bytes]:
        if not self.layers:
            if data:
                yield data
            return
        yield from self._push(0, data)

    def _push(self, i: int, data: bytes) -> Iterator[bytes]:
        for piece in self.layers[i].feed(data):
            if i + 1 == len(self.layers):
                yield piece
            else:
                yield from self._push(i + 1, piece)

    def flush(self) -> Iterator[bytes]:
        for i, layer in enumerate(self.layers):
            for piece in layer.flush():
                if i + 1 == len(self.layers):
                    yield piece
                else:
                    yield from self._push(i + 1, piece)


def _check_url(url: str, url_filter: Callable[[str], bool] | None) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise FetchError(f"invalid URL {clean_text(url, 200)!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {clean_text(url, 200)!r}")
    if url_filter is not None and not url_filter(url):
        raise FetchError(f"URL not allowed: {clean_text(url, 200)}")


def _redirect_target(current: str, location: str) -> str:
    try:
        target = urljoin(current, location.strip())
    except ValueError:
        raise FetchError(f"invalid redirect target {clean_text(location, 200)!r}") from None
    scheme = urlsplit(target).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"redirect to a non-http(s) URL: {clean_text(location, 200)!r}")
    # Percent-encode what a URL may not hold raw (controls, bidi overrides, spaces): httpx sends it so
    # anyway, and a permanent redirect's target becomes the feed URL we store and show.
    return quote_url(target)


def _status_reason(status: int) -> str:
    text = {
        400: "bad request",
        401: "authentication required",
        403: "forbidden",
        404: "not found",
        410: "gone (the feed was removed)",
        429: "too many requests",
        500: "server error",
        502: "bad gateway",
        503: "service unavailable",
        504: "gateway timeout",
    }.get(status)
    if text is None and 300 <= status < 400:
        text = "redirect without a Location"
    return f"HTTP {status}" + (f" {text}" if text else "")


def describe_error(exc: BaseException) -> str:
    """One line for the user naming what went wrong with a request."""
    msg = clean_text(str(exc), 200)
    if isinstance(exc, httpx.ConnectTimeout):
        text = "connection timed out"
    elif isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout):
        text = "server stopped responding (read timeout)"
    elif isinstance(exc, httpx.ConnectError):
        cause = _os_error(exc)
        reason = connect_reason(cause) if cause is not None else msg
        if cause is None and "Connection refused" in msg:
            reason = _CONNECT_REASONS[errno.ECONNREFUSED]
        text = f"could not connect: {reason}" if reason else "could not connect"
    elif isinstance(exc, httpx.RemoteProtocolError):
        text = f"server broke the connection: {msg}"
    elif isinstance(exc, httpx.ReadError | httpx.WriteError | httpx.CloseError):
        text = f"connection lost: {msg}" if msg else "connection lost"
    elif isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        text = f"invalid URL: {msg}"
    elif isinstance(exc, httpx.HTTPError):
        text = f"{type(exc).__name__}: {msg}"
    elif isinstance(exc, TLSSetupError):
        text = msg
    else:
        text = f"unexpected error: {type(exc).__name__}: {msg}"
    return clean_text(text, 300)


# What a failed connection means, in words (the OS says "[Errno 111] Connection refused").
_CONNECT_REASONS = {
    errno.ECONNREFUSED: "connection refused (nothing is listening at that address and port)",
    errno.ECONNRESET: "connection reset by the server",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable (offline?)",
    errno.ETIMEDOUT: "connection timed out",
}


def _os_error(exc: BaseException) -> OSError | None:
    """The operating system's error under an httpx/httpcore exception, if there is one."""
    found: OSError | None = None
    seen: BaseException | None = exc
    for _ in range(8):  # the most specific one: anyio wraps "Connection refused" in "All attempts failed"
        if seen is None:
            break
        if isinstance(seen, OSError):
            found = seen
            if seen.errno is not None:
                break
        seen = seen.__cause__ or seen.__context__
    return found


def connect_reason(exc: OSError) -> str:
    """One phrase for a connection that could not be made."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = clean_text(exc.verify_message or "", 80)
        return "the server's TLS certificate is not trusted" + (f" ({why})" if why else "")
    if isinstance(exc, socket.gaierror):
        if exc.errno == socket.EAI_NONAME:
            return "host name not found (DNS)"
        return f"DNS lookup failed: {exc.strerror or exc}"
    known = _CONNECT_REASONS.get(exc.errno or 0)
    if known:
        return known
    text = str(exc)
    if exc.errno is None and "Connection refused" in text:  # every address of the host refused
        return _CONNECT_REASONS[errno.ECONNREFUSED]
    return clean_text(exc.strerror or text or type(exc).__name__, 200)


# --- local files -----------------------------------------------------------------------------------------


def local_path(url: str) -> Path | None:
    """The path of a `file://` URL or a local path given as a feed URL; None for anything else."""
    if url.startswith("file://"):
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        return Path(unquote(parts.path))
    if url.startswith(("/", "./", "../", "~")):
        return Path(url).expanduser()
    return None


def read_local(path: Path, max_bytes: int) -> bytes:
    """Read a local feed file, refusing one larger than `max_bytes`. Blocking: call it in a thread."""
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise FetchError(clean_text(f"cannot read {path}: {exc.strerror or exc}", 300)) from None
    if len(data) > max_bytes:
        raise FetchError(f"file too large (over {max_bytes} bytes)")
    return data
