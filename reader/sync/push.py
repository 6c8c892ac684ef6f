"""Push: send the outbox to the server, oldest first, in batches; each row is forgotten once the server took it.

`edit-tag` set/unset and `mark-all-as-read` are idempotent, so a push cut short (network, 401, 500) is simply
sent again next time. Rows a person changed meanwhile are new rows, so a sent row never hides a newer change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.store.feeds import Store
from reader.store.outbox import READ, OutboxEntry
from reader.sync.client import READ_TAG, STARRED_TAG, GReaderClient, SyncHttpError


@dataclass
class PushResult:
    sent: int = 0  # changes the server took (a "mark view read" is one)
    refused: list[str] = field(default_factory=list)  # one line each: what the server would not do


def push(store: Store, client: GReaderClient) -> PushResult:
    result = PushResult()
    entries = store.outbox()
    carried: set[str] = set()
    listed: set[str] = set()  # the server's subscription ids as last seen
    if any(e.kind == "subscribe" for e in entries):  # e.g. an OPML exported from this very server
        subs = client.subscriptions()
        carried = {s.url for s in subs}
        listed = {s.server_id for s in subs}
    for e in entries:
        if e.kind == "subscribe" and e.url in carried:
            store.drop_outbox([e.id])  # already there: the pull links it
        elif e.kind == "subscribe" and e.url:
            try:
                client.subscribe(e.url, e.title, e.label)
                listed = _link_new_subscription(store, client, e.url, listed)
            except SyncHttpError as exc:
                if exc.status != 400:
                    raise
                result.refused.append(
                    f"the server would not subscribe to {e.url} (it may not be able to fetch it); "
                    "the reader keeps polling it itself"
                )
            store.drop_outbox([e.id])
            result.sent += 1
        elif e.kind == "edit" and e.stream:
            try:
                client.edit_subscription(e.stream, e.title, e.label, e.field)
            except SyncHttpError as exc:
                if exc.status != 400:
                    raise
                result.refused.append(f"the server would not rename or move {e.url or e.stream}")
            store.drop_outbox([e.id])
            result.sent += 1
        elif e.kind == "unsubscribe" and e.stream:
            try:
                client.unsubscribe(e.stream)
            except SyncHttpError as exc:
                if exc.status != 400:  # 400: the server no longer carries it, which is what we wanted
                    raise
            store.drop_outbox([e.id])
            result.sent += 1
    for e in entries:
        if e.kind != "mark-all" or not e.stream or e.ts is None:
            continue
        if store.via_count(e.id) == 0:  # every item it covered was changed again since: nothing to send
            store.drop_outbox([e.id])
            continue
        try:
            client.mark_all_as_read(e.stream, e.ts)
        except SyncHttpError as exc:
            if exc.status != 400:
                raise
            store.detach_via(e.id)  # e.g. a tag the server does not know: send the items one by one
            continue
        store.drop_outbox([e.id], with_via=True)
        result.sent += 1
    groups: dict[tuple[str, bool], list[OutboxEntry]] = {}
    for e in store.outbox():
        if e.kind == "item" and e.via is None and e.server_id is not None and e.field:
            groups.setdefault((e.field, e.value), []).append(e)
    for (field_name, value), rows in groups.items():
        tag = READ_TAG if field_name == READ else STARRED_TAG
        step = 500
        for start in range(0, len(rows), step):
            batch = rows[start : start + step]
            ids = [r.server_id for r in batch if r.server_id is not None]
            client.edit_tag(ids, add=tag if value else None, remove=None if value else tag)
            store.drop_outbox([r.id for r in batch])
            result.sent += len(batch)
    return result


def _link_new_subscription(store: Store, client: GReaderClient, url: str, listed: set[str]) -> set[str]:
    """Link the feed at `url` to the subscription the server just made for it, by the id that appeared: a
    server that followed a redirect lists the feed under its new address, which the pull could not match
    by URL (the feed would show twice). Returns the ids now listed."""
    subs = client.subscriptions()
    new = [s for s in subs if s.server_id not in listed]
    same = [s for s in new if s.url == url]
    chosen = same[0] if same else (new[0] if len(new) == 1 else None)
    if chosen is not None:
        store.link_feed_to_server(url, chosen.server_id)
    return {s.server_id for s in subs}
