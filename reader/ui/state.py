"""Remember the last view and selection between launches in a small JSON file."""

from __future__ import annotations

import json
import os
from dataclasses import field
from pathlib import Path

from reader.frozen import Frozen, value_type
from reader.models import View, ViewKind


def first_view() -> View:
    """The view a first launch opens: everything, one row per story (the other outlets' versions of a story
    fold under its newest item; `F` shows every item, `x` unfolds one story)."""
    return View(fold_stories=True)


@value_type
class UIState(Frozen):
    view: View = field(default_factory=first_view)
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
            fold_stories=bool(v.get("fold_stories", True)),
            topic=str(v["topic"]) if v.get("topic") is not None else None,
            topic_query=str(v["topic_query"]) if v.get("topic_query") is not None else None,
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
        "view": {
            "kind": v.kind.value,
            "feed_id": v.feed_id,
            "tag": v.tag,
            "unread_only": v.unread_only,
            "fold_stories": v.fold_stories,
            "topic": v.topic,
            "topic_query": v.topic_query,
        },
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


def pending_path(state_path: Path | None) -> Path | None:
    """Where marks the writer could not store before exit wait for the next launch."""
    return state_path.with_name("pending-marks.json") if state_path is not None else None


def save_pending(path: Path | None, marks: list[tuple[str, list[int], bool]]) -> bool:
    """Keep marks that could not be stored (the database stayed locked past the quit); True when kept."""
    if path is None or not marks:
        return False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([{"field": f, "ids": ids, "value": v} for f, ids, v in marks]), "utf-8")
        os.replace(tmp, path)
    except OSError:
        return False
    return True


def take_pending(path: Path | None) -> list[tuple[str, list[int], bool]]:
    """The marks left by the last run (the file is removed: the writer owns them now)."""
    if path is None or not path.exists():
        return []
    out: list[tuple[str, list[int], bool]] = []
    try:
        for entry in json.loads(path.read_text(encoding="utf-8")):
            field_name = entry["field"]
            if field_name in ("read", "saved"):
                out.append((field_name, [int(i) for i in entry["ids"]], bool(entry["value"])))
        path.unlink()
    except (OSError, ValueError, TypeError, KeyError):
        return out
    return out
