"""Desktop notifications through a command of the user's ([general] notify_command), e.g. notify-send.

The command gets a title and a body as two more arguments; it is never run by a shell, and the text (from feeds)
is cleaned of control and escape characters first. It runs detached: a slow or hanging command never holds up a
poll, and it is reaped in the background. A command that cannot start is one line for the caller to show.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Sequence

from reader.stories.topics import TopicMatches
from reader.textsafe import clean_text

TITLE_LIMIT = 120
BODY_LINES = 5


def topic_message(matches: Sequence[TopicMatches]) -> tuple[str, str]:
    """(title, body) announcing new matches of tracked topics."""
    total = sum(m.count for m in matches)
    names = ", ".join(clean_text(m.name, limit=40) for m in matches)
    title = f"reader: {total} new in {names}"
    lines = [clean_text(t, limit=TITLE_LIMIT) for m in matches for t in m.titles][:BODY_LINES]
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more")
    return clean_text(title, limit=TITLE_LIMIT), "\n".join(lines)


def run_notify(command: Sequence[str], title: str, body: str) -> str | None:
    """Start `command title body`; None when it started, else why it could not (one line)."""
    try:
        proc = subprocess.Popen(
            [*command, title, body],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a terminal's Ctrl-C is not its business
        )
    except OSError as exc:
        return f"notify_command {clean_text(command[0], limit=80)} could not run: {exc.strerror or exc}"
    threading.Thread(target=proc.wait, name="notify-reaper", daemon=True).start()
    return None
