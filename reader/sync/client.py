"""A Google Reader API client (FreshRSS, Miniflux, Inoreader, BazQux, The Old Reader) over httpx.

What servers actually do (see ../shared/research/greader-api.md): `ClientLogin` answers `Auth=user/hash`, sent
back as exactly `Authorization: GoogleLogin auth=<value>`; lists need `output=json`; `stream/items/contents` is
POST-only; `edit-tag` takes one `a` and/or one `r` per call; `mark-all-as-read`'s `ts` is compared with item ids
(microseconds on FreshRSS); item ids come decimal in `itemRefs` and as `tag:google.com,2005:reader/item/<hex>`
in items. Every failure is a SyncError with one line for the user: never the password or the auth token.
Every request has a total deadline and a size cap, so a stalling or flooding server cannot hang the reader.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator, Sequence
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import httpx

from reader import USER_AGENT
from reader.errors import SyncAuthError, SyncError
from reader.store.sync import ServerItem, Subscription
from reader.sync.answers import item_id, looks_html, parse_json, ref_ids, server_item, subscription, wire_id
from reader.textsafe import clean_text, is_safe

API = "reader/api/0/"
READ_TAG = "user/-/state/com.google/read"
STARRED_TAG = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
STARRED = "user/-/state/com.google/starred"
LABEL_PREFIX = "user/-/label/"
MiB = 2**20
MAX_BODY = 64 * MiB  # one answer; a contents page of 250 full items is a few MB
IDS_PAGE = 20_000  # ids per stream/items/ids call
MAX_IDS = 2_000_000  # per stream: a server that never stops paging is broken
CONTENTS_BATCH = 250  # items per stream/items/contents call
EDIT_BATCH = 500  # ids per edit-tag call (FreshRSS caps a POST body at 1 MiB)


class SyncHttpError(SyncError):
    """The server answered with an error status."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.status = status


class GReaderClient:
    """One account on one server. Use as a context manager; `login()` first."""

    def __init__(
        self,
        url: str,
        user: str,
        password: str,
        *,
        timeout: float = 30.0,
        user_agent: str = USER_AGENT,
        max_body: int = MAX_BODY,
        transport: httpx.BaseTransport | None = None,
        ca_file: str | None = None,
    ) -> None:
        self.base = url.rstrip("/") + "/"
        self.host = urlsplit(url).netloc.rpartition("@")[2] or url
        self.user = user
        self._password = password
        self.timeout = timeout
        self.max_body = max_body
        self._auth: str | None = None
        self._token: str | None = None
        self.requests = 0
        self._http = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(connect=min(10.0, timeout), read=timeout, write=timeout, pool=timeout),
            follow_redirects=False,
            # Plain http (allowed to loopback only) needs no TLS context: building one loads the CA bundle.
            verify=_tls(ca_file) if not url.lower().startswith("http://") else False,
            transport=transport,
        )

    def __repr__(self) -> str:  # never the password or the auth token
        return f"GReaderClient({self.base!r}, user={self.user!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------ transport

    def _send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        form: Sequence[tuple[str, str]] | None = None,
        auth: bool = True,
    ) -> tuple[int, str, bytes]:
        """One request: (status, content type, body), with a total deadline and a size cap."""
        headers = {}
        if auth:
            if self._auth is None:
                self.login()
            headers["Authorization"] = f"GoogleLogin auth={self._auth}"
        content = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = urlencode(list(form)).encode("ascii")
        url = self.base + path
        deadline = time.monotonic() + self.timeout
        self.requests += 1
        try:
            with self._http.stream(
                method, url, params=list(params), content=content, headers=headers
            ) as resp:
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_bytes():
                    size += len(chunk)
                    if size > self.max_body:
                        raise SyncError(
                            f"the server's answer to {what} is larger than {self.max_body // MiB} MB"
                        )
                    if time.monotonic() > deadline:
                        raise SyncError(f"the server took longer than {self.timeout:g} s to answer {what}")
                    chunks.append(chunk)
                return resp.status_code, resp.headers.get("content-type", ""), b"".join(chunks)
        except httpx.ConnectTimeout:
            raise SyncError(f"cannot connect to {self.host} (timed out)") from None
        except httpx.ConnectError as exc:
            raise SyncError(f"cannot connect to {self.host} ({_reason(exc)})") from None
        except httpx.TimeoutException:
            raise SyncError(f"the server did not answer {what} within {self.timeout:g} s") from None
        except httpx.DecodingError:
            raise SyncError(f"the server's answer to {what} is garbled (bad compression)") from None
        except httpx.HTTPError as exc:
            raise SyncError(f"the connection to {self.host} failed during {what} ({_reason(exc)})") from None

    def _call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        form: Sequence[tuple[str, str]] | None = None,
        write: bool = False,
    ) -> bytes:
        """An authenticated call; on 401 logs in again once (a login or write token may have expired)."""
        for attempt in (1, 2):
            send_form = form
            if write:
                send_form = [*(form or ()), ("T", self.token())]
            status, _ctype, body = self._send(method, path, what, params=params, form=send_form)
            if status in (401, 403) and attempt == 1:
                self._auth = None
                self._token = None
                continue
            if status in (401, 403):
                raise SyncAuthError(
                    f"the server refused our login during {what} (HTTP {status}); check [sync] user and the "
                    "password (the API password, for FreshRSS)"
                )
            _check_status(status, what, body)
            return body
        raise AssertionError("unreachable")

    def _json(self, path: str, what: str, params: Sequence[tuple[str, str]] = (), **kw: Any) -> Any:
        method = "POST" if "form" in kw else "GET"
        return parse_json(self._call(method, path, what, params=params, **kw), what)

    # ------------------------------------------------------------ auth

    def login(self) -> None:
        what = "the login"
        status, _ctype, body = self._send(
            "POST",
            "accounts/ClientLogin",
            what,
            form=[("Email", self.user), ("Passwd", self._password)],
            auth=False,
        )
        if status in (400, 401, 403):
            raise SyncAuthError(
                f"the server refused the login for user {clean_text(self.user, limit=80)!r} "
                f"(HTTP {status}): wrong user or password? (FreshRSS wants its API password)"
            )
        _check_status(status, what, body)
        auth = None
        for line in body.decode("utf-8", "replace").splitlines():
            if line.startswith("Auth="):
                auth = line[5:].strip()
        if looks_html(body) or not auth or not is_safe(auth) or any(c in auth for c in "\r\n"):
            raise SyncError(
                "the server's login answer holds no Auth token: is [sync] url the Google Reader API endpoint "
                "(for FreshRSS, https://host/api/greader.php)?"
            )
        self._auth = auth

    def token(self) -> str:
        """The write token (`T`); FreshRSS ignores a missing one, other servers do not."""
        if self._token is None:
            body = self._call("GET", API + "token", "the write token")
            token = body.decode("utf-8", "replace").strip()
            if not token or len(token) > 512 or looks_html(body) or not token.isprintable():
                raise SyncError("the server's write token is unusable (is [sync] url the API endpoint?)")
            self._token = token
        return self._token

    # ------------------------------------------------------------ reading

    def subscriptions(self) -> list[Subscription]:
        data = self._json(API + "subscription/list", "the subscription list", [("output", "json")])
        subs = data.get("subscriptions") if isinstance(data, dict) else None
        if not isinstance(subs, list):
            raise SyncError("the server's subscription list is not what the API describes")
        out: list[Subscription] = []
        for sub in subs:
            parsed = subscription(sub)
            if parsed is not None:
                out.append(parsed)
        return out

    def item_ids(
        self,
        stream: str,
        *,
        exclude: str | None = None,
        page: int = IDS_PAGE,
        stop_at_known: set[int] | None = None,
    ) -> list[int]:
        """Every item id in `stream` (newest first), following continuations; with `stop_at_known`, only
        until a page brings no id outside that set (the newest items are the new ones)."""
        ids: list[int] = []
        continuation: str | None = None
        seen: set[str] = set()
        what = f"the item ids of {stream}"
        while True:
            params = [("s", stream), ("n", str(page)), ("output", "json")]
            if exclude:
                params.append(("xt", exclude))
            if continuation:
                params.append(("c", continuation))
            data = self._json(API + "stream/items/ids", what, params)
            refs = data.get("itemRefs") if isinstance(data, dict) else None
            if refs is None and isinstance(data, dict) and "continuation" not in data:
                refs = []  # some servers leave out an empty list
            if not isinstance(refs, list):
                raise SyncError(f"the server's answer to {what} is not what the API describes")
            batch = ref_ids(refs)
            ids.extend(batch)
            nxt = data.get("continuation")
            if not nxt or not isinstance(nxt, str | int) or not refs:
                return ids
            if stop_at_known is not None and all(i in stop_at_known for i in batch):
                return ids
            continuation = str(nxt)
            if continuation in seen or len(ids) > MAX_IDS:
                raise SyncError(f"the server keeps paging {what} (continuation repeats or never ends)")
            seen.add(continuation)

    def items(self, ids: Sequence[int]) -> Iterator[list[ServerItem]]:
        """The items with these ids, one batch per request."""
        for start in range(0, len(ids), CONTENTS_BATCH):
            batch = ids[start : start + CONTENTS_BATCH]
            data = self._json(
                API + "stream/items/contents",
                "the item contents",
                [("output", "json")],
                form=[("i", wire_id(i)) for i in batch],
            )
            items = data.get("items") if isinstance(data, dict) else None
            if not isinstance(items, list):
                raise SyncError("the server's item contents are not what the API describes")
            yield [parsed for raw in items if (parsed := server_item(raw)) is not None]

    # ------------------------------------------------------------ writing

    def edit_tag(self, ids: Sequence[int], *, add: str | None = None, remove: str | None = None) -> None:
        for start in range(0, len(ids), EDIT_BATCH):
            form = [("i", wire_id(i)) for i in ids[start : start + EDIT_BATCH]]
            if add:
                form.append(("a", add))
            if remove:
                form.append(("r", remove))
            self._call("POST", API + "edit-tag", "a read/starred change", form=form, write=True)

    def mark_all_as_read(self, stream: str, ts: int) -> None:
        self._call(
            "POST",
            API + "mark-all-as-read",
            "mark all as read",
            form=[("s", stream), ("ts", str(ts))],
            write=True,
        )

    def subscribe(self, url: str, title: str | None, label: str | None) -> None:
        form = [("ac", "subscribe"), ("s", "feed/" + url)]
        if title:
            form.append(("t", title))
        if label:
            form.append(("a", LABEL_PREFIX + label))
        self._call("POST", API + "subscription/edit", "a subscription", form=form, write=True)

    def edit_subscription(
        self, stream: str, title: str | None, label: str | None, old_label: str | None
    ) -> None:
        """Rename a feed and/or move it to folder `label` (None and `old_label`: out of its folder)."""
        form = [("ac", "edit"), ("s", stream)]
        if title:
            form.append(("t", title))
        if label:
            form.append(("a", LABEL_PREFIX + label))
        elif old_label:
            form.append(("r", LABEL_PREFIX + old_label))
        if len(form) > 2:
            self._call("POST", API + "subscription/edit", "a feed's title or folder", form=form, write=True)

    def unsubscribe(self, stream: str) -> None:
        self._call(
            "POST",
            API + "subscription/edit",
            "an unsubscription",
            form=[("ac", "unsubscribe"), ("s", stream)],
            write=True,
        )


# ---------------------------------------------------------------------- answers


def _tls(ca_file: str | None) -> ssl.SSLContext | bool:
    """The system's trust, plus the certificates in `ca_file` ([sync] ca_file: a self-signed server)."""
    if ca_file is None:
        return True
    context = ssl.create_default_context()
    try:
        context.load_verify_locations(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SyncError(
            f"[sync] ca_file {ca_file} holds no usable certificate ({exc.__class__.__name__})"
        ) from None
    return context


def _check_status(status: int, what: str, body: bytes) -> None:
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise SyncHttpError(
            f"the server redirected {what} (HTTP {status}): set [sync] url to the API endpoint itself", status
        )
    if status in (404, 405, 501):
        raise SyncHttpError(
            f"the server does not offer {what} (HTTP {status}): is [sync] url the Google Reader API endpoint?",
            status,
        )
    if status == 429 or status >= 500:
        raise SyncHttpError(f"the server failed on {what} (HTTP {status}); try again later", status)
    raise SyncHttpError(f"the server refused {what} (HTTP {status})", status)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused: is the server running?"
    if "name or service" in lowered or "nodename" in lowered or "resolution" in lowered:
        return "unknown host"
    if "self-signed" in lowered or "self signed" in lowered or "unable to get local issuer" in lowered:
        return "its TLS certificate is not trusted here; for a self-signed server set ca_file in [sync]"
    if "certificate" in lowered or "ssl" in lowered:
        return "TLS certificate problem"
    return clean_text(text, limit=120) or type(exc).__name__


__all__ = ["GReaderClient", "SyncHttpError", "item_id", "wire_id"]
