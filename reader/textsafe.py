"""Make text from the network safe to show: no control bytes, escape sequences or bidi overrides.

Every string that comes from a feed or a page passes through `clean_text` (one line) or `clean_block`
(keeps newlines and tabs) where it enters the models, so nothing downstream can write an escape sequence
to the terminal. Markup safety is the UI's job: it never hands these strings to a markup parser.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC (ESC P/X/^/_ ... ST),
# and two-byte escapes. Their C1 single-byte forms (0x9b CSI, 0x9d OSC, 0x90 DCS, ...) too.
_ESCAPE_SEQ = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]            # CSI
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])      # OSC, DCS, SOS, PM, APC ...
        .*?(?:\x07|\x1b\\|\x9c|$)                #   ... up to BEL or ST (or the end)
  | \x1b[ -/]*[0-~]                              # other two-byte escapes
    """,
    re.VERBOSE | re.DOTALL,
)
# C0 controls except tab/newline, DEL, C1 controls; bidi embeddings/overrides/isolates; zero-width and
# other invisible format characters that can hide or reorder text; line/paragraph separators.
_CONTROLS_BLOCK = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029\x85]")
_WS = re.compile(r"\s+")


def clean_block(text: str | None) -> str:
    """Strip escape sequences and control/format characters; keep newlines and tabs."""
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", text)
    if "\x1b" in text or any("\x80" <= ch <= "\x9f" for ch in text):
        text = _ESCAPE_SEQ.sub("", text)
    return _CONTROLS_BLOCK.sub("", text)


def clean_text(text: str | None, limit: int | None = None) -> str:
    """One line of safe text: as `clean_block`, with all whitespace runs folded to one space.

    `limit` caps the length (a 5 MB title is cut, with an ellipsis) before the regexes run on all of it.
    """
    if not text:
        return ""
    if limit is not None and len(text) > limit * 4:
        text = text[: limit * 4]
    text = _WS.sub(" ", clean_block(text)).strip()
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def is_safe(text: str) -> bool:
    """True when `text` holds nothing `clean_block` would remove."""
    return clean_block(text) == _LINE_BREAKS.sub("\n", text)
