"""Remember the last view and selection between launches in a small JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from reader.models import View, ViewKind


@dataclass(frozen=True)
class UIState:
    view: View = field(default_factory=View)
    item_id: int | None = None
    folded: tuple[str, ...] = ()  # tag groups folded in the feed pane ("" is Untagged)


def load_state(path: Path | None) -> UIState:
    """The saved state, or the default one when there is none or it cannot be read (never an error)."""
    if path is None:
        return UIState()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        v = raw.get("view", {})
        view = View(
            kind=ViewKind(v.get("kind", "all")),
            feed_id=int(v["feed_id"]) if v.get("feed_id") is not None else None,
            tag=str(v["tag"]) if v.get("tag") is not None else None,
            unread_only=bool(v.get("unread_only", False)),
        )
        item_id = raw.get("item_id")
        folded = tuple(str(t) for t in raw.get("folded", ()) if isinstance(t, str))
        return UIState(view, int(item_id) if item_id is not None else None, folded)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return UIState()


def save_state(path: Path | None, state: UIState) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a file; failures are ignored
    on purpose: losing the last position is harmless and must not stop the app from quitting."""
    if path is None:
        return
    v = state.view
    data = {
        "view": {"kind": v.kind.value, "feed_id": v.feed_id, "tag": v.tag, "unread_only": v.unread_only},
        "item_id": state.item_id,
        "folded": list(state.folded),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return
