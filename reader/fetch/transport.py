"""HTTP/1.1 over asyncio streams: a small connection pool per host, proxies from the environment.

Feeds need one method (GET), one response at a time per connection, and the raw body bytes (the client decodes
them itself, with a cap). httpx + httpcore + anyio + h11 cost about a millisecond of CPU per request and 100 ms of
imports: on a poll where 200 feeds answer 304 that was most of the run. This module speaks the protocol
directly: it writes the request line and headers, reads the head (bounded), then hands out the body in chunks,
framed by Content-Length, chunked encoding or the end of the connection. A connection goes back to its host's
pool only when its response was read to the end and the server allows keep-alive; a pooled connection that
the server closed meanwhile is retried once on a fresh one.

Every failure is a TransportError whose text is one line for the user.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD = 64 * 1024  # status line + headers
MAX_LINE = 8 * 1024  # one chunk-size line
_CHUNK = 64 * 1024
_NO_BODY = frozenset({204, 304})


class TransportError(Exception):
    """A request failed below HTTP: connecting, TLS, a broken or malformed response, a timeout."""


@dataclass(frozen=True)
class Target:
    """Where a URL's request goes: scheme, host, port, and the request target (path and query)."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def target_of(url: str) -> Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TransportError(f"invalid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise TransportError("invalid URL: not an http(s) URL")
    host = parts.hostname
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise TransportError("invalid URL: bad host name") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    if any(c in path for c in "\r\n\x00 ") or not path.isascii():
        from reader.textsafe import quote_url

        path = quote_url(path)
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.reused = False

    def usable(self) -> bool:
        return not self.writer.is_closing() and not self.reader.at_eof() and not self.reader._buffer  # type: ignore[attr-defined]

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:  # closing must never raise
            pass


class Response:
    """A response head; `body()` yields the raw body, and `close()` returns or closes the connection."""

    def __init__(
        self,
        pool: Pool,
        key: tuple[str, str, int],
        conn: Connection,
        status: int,
        headers: dict[str, str],
        keep_alive: bool,
        read_timeout: float,
    ) -> None:
        self.status = status
        self.headers = headers
        self._pool = pool
        self._key = key
        self._conn: Connection | None = conn
        self._keep_alive = keep_alive
        self._timeout = read_timeout
        self._complete = status in _NO_BODY  # a 304 is complete with its head: the connection can be reused

    async def body(self) -> AsyncIterator[bytes]:
        conn = self._conn
        assert conn is not None
        if self.status in _NO_BODY or 100 <= self.status < 200:
            self._complete = True
            return
        encoding = self.headers.get("transfer-encoding", "").lower()
        if "chunked" in encoding:
            async for piece in self._chunked(conn.reader):
                yield piece
        elif "content-length" in self.headers:
            length = self.headers["content-length"].strip()
            if not length.isdigit():
                raise TransportError("server broke the connection: bad Content-Length")
            left = int(length)
            while left > 0:
                data = await self._read(conn.reader.read(min(left, _CHUNK)))
                if not data:
                    raise TransportError("server broke the connection: the body ended early")
                left -= len(data)
                yield data
        else:
            self._keep_alive = False  # the body runs to the end of the connection
            while data := await self._read(conn.reader.read(_CHUNK)):
                yield data
        self._complete = True

    async def _chunked(self, reader: asyncio.StreamReader) -> AsyncIterator[bytes]:
        while True:
            line = await self._line(reader)
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise TransportError("server broke the connection: bad chunk size") from None
            if size < 0:
                raise TransportError("server broke the connection: bad chunk size")
            if size == 0:
                while (await self._line(reader)).strip():  # trailers, then the blank line
                    pass
                return
            left = size
            while left > 0:
                data = await self._read(reader.read(min(left, _CHUNK)))
                if not data:
                    raise TransportError("server broke the connection: the body ended early")
                left -= len(data)
                yield data
            if (await self._line(reader)).strip():
                raise TransportError("server broke the connection: bad chunk framing")

    async def _line(self, reader: asyncio.StreamReader) -> bytes:
        try:
            line = await self._read(reader.readuntil(b"\n"))
        except asyncio.IncompleteReadError:
            raise TransportError("server broke the connection: the body ended early") from None
        except asyncio.LimitOverrunError:
            raise TransportError("server broke the connection: a chunk line too long") from None
        if len(line) > MAX_LINE:
            raise TransportError("server broke the connection: a chunk line too long")
        return line

    async def _read(self, op: object) -> bytes:
        try:
            async with asyncio.timeout(self._timeout):
                return await op  # type: ignore[misc,no-any-return]
        except TimeoutError:
            raise TransportError("server stopped responding (read timeout)") from None
        except (ConnectionError, OSError) as exc:
            raise TransportError(_lost(exc)) from None

    async def drain(self, limit: int = 64 * 1024) -> None:
        """Read a small body we do not need (a redirect's, an error page's), so the connection can be reused."""
        length = self.headers.get("content-length", "").strip()
        if (
            self._complete
            or "transfer-encoding" in self.headers
            or not length.isdigit()
            or int(length) > limit
        ):
            return
        async for _ in self.body():
            pass

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._complete and self._keep_alive and conn.usable():
            self._pool.release(self._key, conn)
        else:
            conn.close()


class Pool:
    """Idle keep-alive connections per (scheme, host, port); proxies as the environment says."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, per_host: int) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.per_host = per_host
        self._idle: dict[tuple[str, str, int], list[Connection]] = {}
        self._ssl: ssl.SSLContext | None = None
        self._proxies: dict[str, str] = {}
        if any(name.lower().endswith("_proxy") for name in os.environ):  # urllib.request costs an import
            import urllib.request

            self._proxies = {k.lower(): v for k, v in urllib.request.getproxies_environment().items()}

    async def get(self, url: str, headers: Mapping[str, str]) -> Response:
        """Send GET `url` and read the response head. Close the Response when done with it."""
        target = target_of(url)
        for _attempt in range(2):
            conn = self._take(target.key)
            fresh = conn is None
            if conn is None:
                conn = await self._connect(target)
            try:
                return await self._exchange(target, conn, headers)
            except _Stale:
                conn.close()
                if fresh:
                    raise TransportError("server broke the connection: no response") from None
            except BaseException:
                conn.close()
                raise
        raise TransportError("server broke the connection: no response")

    def release(self, key: tuple[str, str, int], conn: Connection) -> None:
        idle = self._idle.setdefault(key, [])
        if len(idle) >= self.per_host:
            conn.close()
            return
        conn.reused = True
        idle.append(conn)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def _take(self, key: tuple[str, str, int]) -> Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if conn.usable():
                return conn
            conn.close()
        return None

    async def _exchange(self, target: Target, conn: Connection, headers: Mapping[str, str]) -> Response:
        proxy = self._proxy_for(target) if target.scheme == "http" else None
        line_target = f"http://{target.authority}{target.path}" if proxy is not None else target.path
        lines = [f"GET {line_target} HTTP/1.1", f"Host: {target.authority}"]
        if proxy is not None and proxy[2]:
            lines.append(f"Proxy-Authorization: {proxy[2]}")
        for name, value in headers.items():
            if any(c in value for c in "\r\n\x00"):
                continue  # a value that would break (or inject into) the request is not sent
            lines.append(f"{name}: {value}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        try:
            conn.writer.write(request)
            await conn.writer.drain()
        except (ConnectionError, OSError) as exc:
            if conn.reused:
                raise _Stale from None
            raise TransportError(_lost(exc)) from None
        while True:
            head = await self._head(conn)
            status, resp_headers, version = _parse_head(head)
            if 100 <= status < 200 and status != 101:
                continue  # 100 Continue and friends: the real response follows
            break
        connection = resp_headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (version == "HTTP/1.1" or "keep-alive" in connection)
        return Response(self, target.key, conn, status, resp_headers, keep_alive, self.read_timeout)

    async def _head(self, conn: Connection) -> bytes:
        try:
            async with asyncio.timeout(self.read_timeout):
                head = await conn.reader.readuntil(b"\n")
                while head in (b"\r\n", b"\n"):  # stray blank lines before a status line are ignored
                    head = await conn.reader.readuntil(b"\n")
                while not head.endswith((b"\n\r\n", b"\n\n")):  # to the blank line (bare LF ends lines too)
                    head += await conn.reader.readuntil(b"\n")
                    if len(head) > MAX_HEAD:
                        raise asyncio.LimitOverrunError("head too long", len(head))
                return head
        except TimeoutError:
            raise TransportError("server stopped responding (read timeout)") from None
        except asyncio.IncompleteReadError as exc:
            if conn.reused and not exc.partial:
                raise _Stale from None
            raise TransportError(
                "server broke the connection: it closed without a complete response"
            ) from None
        except asyncio.LimitOverrunError:
            raise TransportError(
                f"server broke the connection: response headers over {MAX_HEAD} bytes"
            ) from None
        except (ConnectionError, OSError) as exc:
            if conn.reused:
                raise _Stale from None
            raise TransportError(_lost(exc)) from None

    async def _connect(self, target: Target) -> Connection:
        proxy = self._proxy_for(target)
        host, port = target.host, target.port
        if proxy is not None:
            host, port, _ = proxy
        try:
            async with asyncio.timeout(self.connect_timeout):
                return await self._open(target, host, port, proxy)
        except TimeoutError:
            raise TransportError("connection timed out") from None
        except TransportError:
            raise
        except ssl.SSLError as exc:
            raise TransportError(f"TLS failed: {exc.reason or exc}") from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            raise TransportError(f"could not connect: {reason}") from None

    async def _open(
        self, target: Target, host: str, port: int, proxy: tuple[str, int, str | None] | None
    ) -> Connection:
        reader, writer = await asyncio.open_connection(host, port, limit=MAX_HEAD)
        conn = Connection(reader, writer)
        try:
            if proxy is not None and target.scheme == "https":
                await self._tunnel(conn, target, proxy[2])
            if target.scheme == "https":
                await writer.start_tls(self._ssl_context(), server_hostname=target.host)
        except BaseException:  # TLS or the proxy failed, or we were cancelled: no socket left open
            conn.close()
            raise
        return conn

    async def _tunnel(self, conn: Connection, target: Target, auth: str | None) -> None:
        extra = f"Proxy-Authorization: {auth}\r\n" if auth else ""
        conn.writer.write(
            f"CONNECT {target.authority} HTTP/1.1\r\nHost: {target.authority}\r\n{extra}\r\n".encode(
                "latin-1"
            )
        )
        await conn.writer.drain()
        status, _, _ = _parse_head(await self._head(conn))
        if status != 200:
            conn.close()
            raise TransportError(f"could not connect: the proxy answered {status} to CONNECT")

    def _proxy_for(self, target: Target) -> tuple[str, int, str | None] | None:
        """(host, port, Proxy-Authorization value) of the proxy the environment names for `target`."""
        if not self._proxies:
            return None
        import urllib.request

        url = self._proxies.get(target.scheme) or self._proxies.get("all")
        if not url or urllib.request.proxy_bypass_environment(target.host, self._proxies):  # type: ignore[attr-defined]
            return None
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
            if parts.hostname is None:
                return None
            auth = None
            if parts.username is not None:
                import base64
                from urllib.parse import unquote

                pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
                auth = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
            return parts.hostname, parts.port or 80, auth
        except ValueError:
            return None

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:  # made once (loading the CA bundle costs ~20 ms), shared by every connection
            import certifi

            self._ssl = ssl.create_default_context(cafile=certifi.where())
        return self._ssl


class _Stale(Exception):
    """A pooled connection the server had closed: retry on a fresh one."""


def _parse_head(head: bytes) -> tuple[int, dict[str, str], str]:
    text = _decode(head)
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise TransportError("server broke the connection: not an HTTP/1.x response")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise TransportError("server broke the connection: a malformed header line")
        key = name.lower()
        value = value.strip(" \t")
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return int(parts[1]), headers, parts[0]


def _decode(head: bytes) -> str:
    # As httpx does: ASCII, else UTF-8, else Latin-1 (which never fails).
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError:
        return head.decode("latin-1")


def _lost(exc: BaseException) -> str:
    if isinstance(exc, ConnectionResetError):
        return "connection lost: the server reset the connection"
    if isinstance(exc, BrokenPipeError):
        return "connection lost: the server closed the connection"
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"connection lost: {reason}"
