"""A Google Reader API server on loopback for tests, behaving as FreshRSS 1.24.3 was observed to behave.

See ../shared/research/greader-api.md: `ClientLogin` answers `SID=`/`LSID=null`/`Auth=user/<hash>` (401 on a
wrong password); every other call needs exactly `Authorization: GoogleLogin auth=<Auth>`; lists need
`output=json` (else 501); `stream/items/ids` answers decimal ids newest first with `Content-Type: text/html`,
default `n` 20, continuation = the last id sent; `stream/items/contents` is POST-only (GET: 400) and takes
decimal or long-form ids; `edit-tag` applies one `a` and one `r` (the last of each); `mark-all-as-read` marks
items whose id <= `ts` (microseconds, like the ids); a wrong write token `T` is 401, a missing one is fine;
`subscription/edit` subscribing to a feed it already has is 400; ids are insertion times in microseconds.

Misbehaviour on demand: `server.fault("stream/items/ids", "500")` makes the next matching request fail:
"401", "500", "html" (a login page with status 200), "malformed", "deep", "wrong-shape", "huge" (an endless JSON body), "stall"
(headers, then nothing), "drip" (a byte every 50 ms), "drop" (close without answering); `after=N` lets N matching requests through first.
"""

from __future__ import annotations

import hashlib
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

LONG = "tag:google.com,2005:reader/item/"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"


@dataclass
class SFeed:
    id: int
    url: str
    title: str
    label: str = "Tests"
    html_url: str = ""


@dataclass
class SItem:
    id: int  # microseconds, like FreshRSS
    feed: int
    title: str
    link: str
    published: int  # seconds
    content: str = ""
    read: bool = False
    starred: bool = False
    enclosures: list[dict[str, Any]] = field(default_factory=list)  # as FreshRSS lists them


@dataclass
class Fault:
    path: str
    kind: str
    times: int = 1
    after: int = 0


@dataclass
class Request:
    method: str
    path: str  # after the endpoint, e.g. "reader/api/0/edit-tag"
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str] = field(default_factory=dict)


class GReaderServer:
    def __init__(
        self, user: str = "reader", password: str = "reader-api-pw", *, small_ids: bool = False
    ) -> None:
        self.user = user
        self.password = password
        self.auth = f"{user}/" + hashlib.sha1(f"salt{user}{password}".encode()).hexdigest()
        self.token = hashlib.sha1(f"token{user}".encode()).hexdigest().ljust(57, "Z")
        self.feeds: dict[int, SFeed] = {}
        self.items: dict[int, SItem] = {}
        self.log: list[Request] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self._clock = 0 if small_ids else int(time.time() * 1_000_000)  # Miniflux-like ids, or FreshRSS's
        self._step = 1 if small_ids else 1000
        self._httpd: ThreadingHTTPServer | None = None
        self._scheme = "http"
        self._thread: threading.Thread | None = None
        self.on_subscribe: Any = (
            None  # callable(feed) run when a client subscribes (FreshRSS fetches at once)
        )

    # ------------------------------------------------------------ set-up

    def start(self, port: int = 0, *, tls: ssl.SSLContext | None = None) -> GReaderServer:
        """Serve (again, after `stop`, on the same `port` and with the same state, when given one); over
        https with `tls` (a server context holding the certificate)."""
        server = self

        class Handler(_Handler):
            owner = server

        self.stop_event.clear()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self.port}/api/greader.php"

    def next_id(self) -> int:
        with self.lock:
            self._clock += self._step + (self._clock % 7 if self._step > 1 else 0)
            return self._clock

    def add_feed(self, url: str, title: str = "", label: str = "Tests") -> int:
        with self.lock:
            fid = max(self.feeds, default=0) + 1
            self.feeds[fid] = SFeed(fid, url, title or url, label, url.rsplit("/", 1)[0] + "/")
        return fid

    def add_item(
        self,
        feed: int,
        title: str,
        link: str,
        *,
        read: bool = False,
        starred: bool = False,
        content: str = "",
        enclosures: list[dict[str, Any]] | None = None,
    ) -> int:
        iid = self.next_id()
        with self.lock:
            self.items[iid] = SItem(
                iid,
                feed,
                title,
                link,
                iid // 1_000_000,
                content or f"<p>{title}</p>",
                read,
                starred,
                enclosures or [],
            )
        return iid

    def item_by_link(self, link: str) -> SItem:
        return next(i for i in self.items.values() if i.link == link)

    def fault(self, path: str, kind: str, *, times: int = 1, after: int = 0) -> None:
        with self.lock:
            self.faults.append(Fault(path, kind, times, after))

    def requests(self, path: str) -> list[Request]:
        return [r for r in self.log if r.path.rstrip("/").endswith(path)]

    # ------------------------------------------------------------ the API

    def take_fault(self, path: str) -> str | None:
        with self.lock:
            for f in self.faults:
                if f.path in path and f.times > 0:
                    if f.after > 0:
                        f.after -= 1
                        return None
                    f.times -= 1
                    return f.kind
        return None

    def handle(self, req: Request, auth_header: str | None) -> tuple[int, str, bytes]:
        path = "/".join(p for p in req.path.split("/") if p)  # FreshRSS tolerates // and a trailing /
        q = {**req.query, **req.form}

        def one(name: str, default: str = "") -> str:
            values = q.get(name)
            return values[-1] if values else default

        if path == "accounts/ClientLogin":
            if one("Email") == self.user and one("Passwd") == self.password:
                body = f"SID={self.auth}\nLSID=null\nAuth={self.auth}\n"
                return 200, "text/plain; charset=UTF-8", body.encode()
            return 401, "text/plain; charset=UTF-8", b"Unauthorized!"
        if not path.startswith("reader/api/0/"):
            return 400, "text/plain; charset=UTF-8", b"Bad Request!"
        if auth_header != f"GoogleLogin auth={self.auth}":
            return 401, "text/plain; charset=UTF-8", b"Unauthorized!"
        call = path[len("reader/api/0/") :]
        writes = ("edit-tag", "mark-all-as-read", "subscription/edit")
        if call in writes and "T" in req.form and one("T") != self.token:
            return 401, "text/plain; charset=UTF-8", b"Unauthorized!"
        with self.lock:
            return self._call(call, req, q, one)

    def _call(self, call: str, req: Request, q: dict[str, list[str]], one: Any) -> tuple[int, str, bytes]:
        text = "text/plain; charset=UTF-8"
        js = "application/json; charset=UTF-8"
        if call == "token":
            return 200, text, (self.token + "\n").encode()
        if call == "subscription/list":
            if one("output") != "json":
                return 501, text, b"Not Implemented!"
            subs = [
                {
                    "id": f"feed/{f.id}",
                    "title": f.title,
                    "categories": [{"id": f"user/-/label/{f.label}", "label": f.label}],
                    "url": f.url,
                    "htmlUrl": f.html_url,
                    "iconUrl": "",
                }
                for f in self.feeds.values()
            ]
            return 200, js, _dump({"subscriptions": subs})
        if call == "stream/items/ids":
            items = self._stream(one("s"), one("xt"), one("it"))
            items.sort(key=lambda i: i.id, reverse=one("r", "d") != "o")
            n = int(one("n", "20") or 20)
            c = one("c")
            if c.isdigit():
                pos = next((k for k, i in enumerate(items) if i.id == int(c)), None)
                items = items[pos + 1 :] if pos is not None else items
            page = items[:n]
            out: dict[str, Any] = {"itemRefs": [{"id": str(i.id)} for i in page]}
            if len(page) >= n and page:
                out["continuation"] = str(page[-1].id)
            return 200, "text/html; charset=UTF-8", _dump(out)  # FreshRSS really says text/html
        if call == "stream/items/contents":
            if req.method != "POST":
                return 400, text, b"Bad Request!"
            found = []
            for raw in req.form.get("i", []):
                iid = int(raw[len(LONG) :], 16) if raw.startswith(LONG) else int(raw)
                if iid in self.items and self.items[iid].feed in self.feeds:  # FreshRSS skips orphans
                    found.append(self.items[iid])
            found.sort(key=lambda i: i.id, reverse=True)
            body = {"id": READING_LIST, "updated": int(time.time()), "items": [self._item(i) for i in found]}
            return 200, js, _dump(body)
        if call == "edit-tag":
            if req.method != "POST":
                return 400, text, b"Bad Request!"
            ids = [int(r[len(LONG) :], 16) if r.startswith(LONG) else int(r) for r in req.form.get("i", [])]
            for tag, value in ((one("a"), True), (one("r"), False)):
                for iid in ids:
                    item = self.items.get(iid)
                    if item is None:
                        continue
                    if tag == READ:
                        item.read = value
                    elif tag == STARRED:
                        item.starred = value
            return 200, text, b"OK"
        if call == "mark-all-as-read":
            ts = one("ts", "0")
            if not ts.isdigit():
                return 400, text, b"Bad Request!"
            stream = one("s")
            if not (stream == READING_LIST or stream.startswith(("feed/", "user/-/label/"))):
                return 400, text, b"Bad Request!"
            if stream.startswith("user/-/label/") and not any(
                f.label == stream[13:] for f in self.feeds.values()
            ):
                return 400, text, b"Bad Request!"
            for item in self._stream(stream, "", ""):
                if item.id <= int(ts):
                    item.read = True
            return 200, text, b"OK"
        if call == "subscription/edit":
            ac = one("ac")
            s = one("s")
            if ac == "subscribe":
                url = s[5:] if s.startswith("feed/") else s
                if any(f.url == url for f in self.feeds.values()):
                    return 400, text, b"Bad Request!"
                label = one("a")[13:] if one("a").startswith("user/-/label/") else "Uncategorized"
                fid = max(self.feeds, default=0) + 1
                self.feeds[fid] = SFeed(fid, url, one("t") or url, label, url)
                if self.on_subscribe is not None:
                    self.lock.release()
                    try:
                        self.on_subscribe(self.feeds[fid])
                    finally:
                        self.lock.acquire()
                return 200, text, b"OK"
            target = s[5:]  # feed/<id> or feed/<url>
            fid = (
                int(target)
                if target.isdigit()
                else next((f.id for f in self.feeds.values() if f.url == target), -1)
            )
            if ac in ("edit", "unsubscribe") and fid not in self.feeds:
                return 400, text, b"Bad Request!"
            if ac == "edit":  # as FreshRSS: `a` moves to a folder, `r` to the default one, `t` renames
                if one("a").startswith("user/-/label/"):
                    self.feeds[fid].label = one("a")[13:]
                elif one("r").startswith("user/-/label/"):
                    self.feeds[fid].label = "Uncategorized"
                if one("t"):
                    self.feeds[fid].title = one("t")
                return 200, text, b"OK"
            if ac == "unsubscribe":
                del self.feeds[fid]
                for iid in [i.id for i in self.items.values() if i.feed == fid]:
                    del self.items[iid]
                return 200, text, b"OK"
            return 400, text, b"Bad Request!"
        return 400, text, b"Bad Request!"

    def _stream(self, stream: str, xt: str, it: str) -> list[SItem]:
        items = [i for i in self.items.values() if i.feed in self.feeds]
        if stream == STARRED:
            items = [i for i in items if i.starred]
        elif stream.startswith("feed/"):
            items = [i for i in items if str(i.feed) == stream[5:]]
        elif stream.startswith("user/-/label/"):
            items = [i for i in items if self.feeds[i.feed].label == stream[13:]]
        for target, keep in ((xt, False), (it, True)):
            if target == READ:
                items = [i for i in items if i.read == keep]
            elif target == STARRED:
                items = [i for i in items if i.starred == keep]
        return items

    def _item(self, i: SItem) -> dict[str, Any]:
        feed = self.feeds[i.feed]
        cats = [READING_LIST, f"user/-/label/{feed.label}"]
        if i.read:
            cats.append(READ)
        if i.starred:
            cats.append(STARRED)
        return {
            "id": f"{LONG}{i.id:016x}",
            "crawlTimeMsec": str(i.id // 1000),
            "timestampUsec": str(i.id),
            "published": i.published,
            "title": i.title,
            "canonical": [{"href": i.link}],
            "alternate": [{"href": i.link}],
            "categories": cats,
            "origin": {"streamId": f"feed/{feed.id}", "htmlUrl": feed.html_url, "title": feed.title},
            "summary": {"content": i.content},
            **({"enclosure": i.enclosures} if i.enclosures else {}),
        }


def _dump(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


class _Handler(BaseHTTPRequestHandler):
    owner: GReaderServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        owner = self.owner
        parts = urlsplit(self.path)
        prefix = "/api/greader.php/"
        path = unquote(parts.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not path.startswith(prefix):
            self._send(404, "text/html", b"<html><body>Not found</body></html>")
            return
        req = Request(
            method,
            path[len(prefix) :],
            parse_qs(parts.query, keep_blank_values=True),
            parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True) if method == "POST" else {},
            {k.lower(): v for k, v in self.headers.items()},
        )
        with owner.lock:
            owner.log.append(req)
        fault = owner.take_fault(req.path)
        if fault == "401":
            self._send(401, "text/plain", b"Unauthorized!")
        elif fault == "500":
            self._send(500, "text/plain", b"Internal Server Error!")
        elif fault == "html":
            self._send(200, "text/html", b"<!DOCTYPE html><html><body><form>Login</form></body></html>")
        elif fault == "malformed":
            self._send(200, "application/json", b'{"itemRefs": [{"id": "1"}, {"id": ')
        elif fault == "deep":  # valid-looking JSON nested past any parser's recursion limit
            self._send(200, "application/json", b'{"items":' + b"[" * 200_000 + b"]" * 200_000 + b"}")
        elif fault == "wrong-shape":  # JSON, but not the API's
            self._send(
                200, "application/json", b'{"items": "none", "itemRefs": {"id": 1}, "subscriptions": 3}'
            )
        elif fault == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b'{"itemRefs":[' + b'{"id":"1"},' * 100_000
            try:
                while not owner.stop_event.is_set():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
            self.close_connection = True
        elif fault == "stall":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"itemRefs":[')
            self.wfile.flush()
            owner.stop_event.wait(30)
            self.close_connection = True
        elif fault == "drip":  # a byte every 50 ms: no read ever times out, only a total deadline helps
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                while not owner.stop_event.wait(0.05):
                    self.wfile.write(b" ")
                    self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
        elif fault == "drop":
            self.close_connection = True
        else:
            status, ctype, body = owner.handle(req, self.headers.get("Authorization"))
            self._send(status, ctype, body)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
