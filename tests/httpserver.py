"""A real HTTP/1.1 server on loopback for tests: a route table of canned (and hostile) responses, a request log.

Usage (the `http_server` fixture in conftest.py builds and stops one per test):

    url = http_server.serve("/feed.xml", body, etag='"v1"', last_modified="Mon, 01 Jan 2024 00:00:00 GMT")
    url = http_server.serve("/slow", body, latency=0.2)
    url = http_server.serve("/bomb", gzip_bomb(64 * MiB, layers=2), headers={"Content-Encoding": "gzip, gzip"})
    url = http_server.serve("/drip", b"x" * 100, drip=0.05)        # one byte every 50 ms
    url = http_server.serve("/driph", b"x", drip_headers=0.05)       # the headers one byte every 50 ms
    url = http_server.serve("/endless", b"", endless=True)           # never-ending body
    url = http_server.serve("/reset", b"x" * 10_000, reset_after=100)  # RST after 100 body bytes
    url = http_server.redirect("/old", "/new", status=301)
    url = http_server.serve("/busy", b"", status=503, headers={"Retry-After": "120"})
    http_server.route("/dyn", lambda req: Route(body=...))           # computed per request
    url = http_server.refused_url()                                  # nothing listens there
    http_server.add_host("127.0.0.7"); http_server.url("/x", host="127.0.0.7")

    http_server.requests("/feed.xml")[0].headers["if-none-match"]   # what the client sent, verbatim
    http_server.count("/feed.xml"); http_server.max_concurrency("127.0.0.7")

Routes match the path with its query first, then without. Unknown paths get 404. Validators: a route with
`etag`/`last_modified` answers 304 when the request carries exactly that value (string equality, as a strict
server would). Every response handler runs in its own thread; `latency` is slept before answering.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import struct
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MiB = 2**20


@dataclass
class Route:
    """A canned response."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/rss+xml; charset=utf-8"
    etag: str | None = None  # answer 304 to If-None-Match with exactly this value
    last_modified: str | None = None  # answer 304 to If-Modified-Since with exactly this value
    headers_304: dict[str, str] = field(default_factory=dict)  # extra headers on a 304
    latency: float = 0.0  # seconds to wait before answering
    drip: float | None = None  # send the body one byte per `drip` seconds
    drip_headers: float | None = None  # send the status line and headers one byte per `drip_headers` seconds
    endless: bool = False  # send body chunks forever (until the client hangs up)
    reset_after: int | None = None  # send this many body bytes, then reset the connection (RST)
    gzip_layers: int = 0  # gzip the body this many times and say so in Content-Encoding


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    host: str  # the loopback address that took the connection
    headers: dict[str, str]  # lower-case names, values verbatim
    at: float
    peer_port: int = 0  # the client's port: the same for requests sent over one kept-alive connection


Handler = Route | Callable[[RequestRecord], Route]


class LoopbackServer:
    """One ThreadingHTTPServer per loopback address (127.0.0.1 first), sharing a route table and a log."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls  # a server context with a certificate: serve https
        self.routes: dict[str, Handler] = {}
        self.log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._active: dict[str, int] = defaultdict(int)
        self._max_active: dict[str, int] = defaultdict(int)
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self._threads: list[threading.Thread] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> LoopbackServer:
        self.add_host("127.0.0.1")
        return self

    def add_host(self, host: str) -> str:
        """Listen on another loopback address too (127.0.0.x are distinct hosts on Linux); returns its base URL."""
        if not host.startswith("127."):
            raise ValueError("tests may only use loopback addresses")
        if host not in self._servers:
            server = _Server((host, 0), _RequestHandler)
            server.owner = self
            if self.tls is not None:
                server.socket = self.tls.wrap_socket(server.socket, server_side=True)
            self._servers[host] = server
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self.base_url(host)

    def add_tls_host(self, host: str, certfile: str, keyfile: str) -> str:
        """Listen on another loopback address with TLS (the handshake runs in each request's thread)."""
        import ssl

        base = self.add_host(host)
        server = self._servers[host]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.tls = True
        return base.replace("http://", "https://", 1)

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- URLs and routes

    def port(self, host: str = "127.0.0.1") -> int:
        return int(self._servers[host].server_address[1])

    def base_url(self, host: str = "127.0.0.1") -> str:
        tls = self.tls is not None or getattr(self._servers[host], "tls", False)
        scheme = "https" if tls else "http"
        return f"{scheme}://{host}:{self.port(host)}"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return self.base_url(host) + path

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def serve(self, path: str, body: bytes | str = b"", **kw: Any) -> str:
        """Serve `body` at `path` (any Route field as a keyword); returns the URL on 127.0.0.1."""
        data = body.encode() if isinstance(body, str) else body
        return self.route(path, Route(body=data, **kw))

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.route(path, Route(status=status, headers={"Location": location}, content_type=None))

    def refused_url(self, path: str = "/") -> str:
        """A URL on a loopback port where nothing listens: connecting is refused."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}{path}"

    # ---------------------------------------------------------------- what happened

    def requests(self, path: str | None = None) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def count(self, path: str) -> int:
        return len(self.requests(path))

    def max_concurrency(self, host: str = "127.0.0.1") -> int:
        """The most requests this address was handling at one time."""
        with self._lock:
            return self._max_active[host]

    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()
            self._max_active.clear()

    # ---------------------------------------------------------------- internals

    def _enter(self, record: RequestRecord) -> None:
        with self._lock:
            self.log.append(record)
            self._active[record.host] += 1
            self._max_active[record.host] = max(self._max_active[record.host], self._active[record.host])

    def _leave(self, host: str) -> None:
        with self._lock:
            self._active[host] -= 1

    def _lookup(self, path: str) -> Handler | None:
        return self.routes.get(path) or self.routes.get(path.split("?", 1)[0])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    owner: LoopbackServer
    tls = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-response (deadlines, size caps, killed processes) are what the tests
        # are about; their ConnectionResetError/BrokenPipeError is expected, not worth a traceback.
        pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        host = self.server.server_address[0]
        record = RequestRecord(
            "GET",
            self.path,
            str(host),
            {k.lower(): v for k, v in self.headers.items()},
            time.monotonic(),
            int(self.client_address[1]),
        )
        owner._enter(record)
        try:
            self._respond(owner, record)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            owner._leave(record.host)

    def _respond(self, owner: LoopbackServer, record: RequestRecord) -> None:
        handler = owner._lookup(record.path)
        if handler is None:
            self._simple(404, b"not found")
            return
        route = handler if isinstance(handler, Route) else handler(record)
        if route.latency:
            time.sleep(route.latency)
        validators = {}
        if route.etag:
            validators["ETag"] = route.etag
        if route.last_modified:
            validators["Last-Modified"] = route.last_modified
        inm = record.headers.get("if-none-match")
        ims = record.headers.get("if-modified-since")
        if (route.etag and inm == route.etag) or (
            route.last_modified and inm is None and ims == route.last_modified
        ):
            self.send_response(304)
            for k, v in {**validators, **route.headers_304}.items():
                self.send_header(k, v)
            self.end_headers()
            return
        body = route.body
        for _ in range(route.gzip_layers):
            body = gzip.compress(body)
        if route.drip_headers is not None:
            head = f"HTTP/1.1 {route.status} OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n"
            for k, v in {**validators, **route.headers}.items():
                head += f"{k}: {v}\r\n"
            for byte in (head + "\r\n").encode("latin-1"):
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(route.drip_headers)
            self.wfile.write(body)
            self.close_connection = True
            return
        self.send_response(route.status)
        if route.content_type:
            self.send_header("Content-Type", route.content_type)
        if route.gzip_layers and not any(k.lower() == "content-encoding" for k in route.headers):
            self.send_header("Content-Encoding", ", ".join(["gzip"] * route.gzip_layers))
        for k, v in {**validators, **route.headers}.items():
            self.send_header(k, v)
        if route.endless:
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = body or b"<item>" * 8192
            while True:
                self.wfile.write(chunk)
                self.wfile.flush()
        if route.drip is not None:
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(route.drip)
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        if route.reset_after is not None:
            self.end_headers()
            self.wfile.write(body[: route.reset_after])
            self.wfile.flush()
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.end_headers()
        self.wfile.write(body)

    def _simple(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def gzip_bomb(decoded_size: int, layers: int = 1) -> bytes:
    """`decoded_size` zero bytes, gzipped `layers` times (serve with Content-Encoding: gzip[, gzip ...])."""
    data = _gzip_zeros(decoded_size)
    for _ in range(layers - 1):
        data = gzip.compress(data, compresslevel=9)
    return data


_bomb_cache: dict[int, bytes] = {}


def _gzip_zeros(size: int) -> bytes:
    if size not in _bomb_cache:
        comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        block = bytes(MiB)
        parts = []
        left = size
        while left > 0:
            parts.append(comp.compress(block[: min(left, MiB)]))
            left -= MiB
        parts.append(comp.flush())
        _bomb_cache[size] = b"".join(parts)
    return _bomb_cache[size]
