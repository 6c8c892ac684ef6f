"""Make text from the network safe to show: no control bytes, escape sequences or bidi overrides.

Every string that comes from a feed or a page passes through `clean_text` (one line) or `clean_block`
(keeps newlines and tabs) where it enters the models, so nothing downstream can write an escape sequence
to the terminal. Markup safety is the UI's job: it never hands these strings to a markup parser.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from reader.patterns import lazy_pattern

# Each pattern is compiled on its first use (reader/patterns.py), not at import: start-up needs few of them.


# Escape sequences, removed whole so their payload (an OSC 52 clipboard text, a window title) goes too:
# CSI (ESC [ or C1 0x9b, parameters, final byte); OSC/DCS/SOS/PM/APC (ESC ] P X ^ _ or C1 0x9d 0x90 0x98 0x9e
# 0x9f) with a payload up to BEL or ST, only when terminated within a bounded length (an unterminated one
# loses just its introducer: a lone C1 byte in mis-decoded text must not eat the rest of the page);
# and other two-byte ESC sequences. Whatever is left of a broken sequence is harmless printable text once
# every control character is gone.
_escape_seq = lazy_pattern(
    r"""
    (?:\x1b\[|\x9b)[0-?]{0,64}[ -/]{0,8}[@-~]
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,2048}(?:\x07|\x1b\\|\x9c)
  | \x1b[ -/]{0,8}[0-~]
    """,
    re.VERBOSE,
)


# Anything that may start an escape sequence: the cheap test before the full pattern runs.
_esc_start = lazy_pattern("[\x1b\x90\x98\x9b\x9d\x9e\x9f]")


# C0 controls except tab/newline, DEL, C1 controls; bidi embeddings/overrides/isolates; zero-width and
# other invisible format characters that can hide or reorder text; line/paragraph separators.
# The zero-width joiner is kept only inside emoji sequences (👩‍💻), where it is part of the picture.
_controls_block = lazy_pattern(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


# Emoji (and what may follow one inside a sequence: a variation selector, a skin tone, a keycap).
_EMOJI = "\u00a9\u00ae\u203c-\u3299\ufe0f\u20e3\U0001f000-\U0001faff"


_stray_zwj = lazy_pattern(f"(?<![{_EMOJI}])\u200d|\u200d(?![{_EMOJI}])")


# For one line of text (titles, names): invisible fillers that render as nothing or as blanks of unknown width
# (Hangul fillers, Khmer inherent vowels, the combining grapheme joiner), tag characters, and runs of
# variation selectors.
_invisible = lazy_pattern("[\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0\U000e0000-\U000e007f]")


_selector_run = lazy_pattern("(?<=[\ufe00-\ufe0f])[\ufe00-\ufe0f]+")


_line_breaks = lazy_pattern("\r\n?|[\u2028\u2029\x85]")


_ws = lazy_pattern(r"\s+")


def clean_block(text: str | None) -> str:
    """Strip escape sequences and control/format characters; keep newlines and tabs."""
    if not text:
        return ""
    text = _line_breaks().sub("\n", text)
    if _esc_start().search(text):
        text = _escape_seq().sub("", text)
    text = _controls_block().sub("", text)
    if "\u200d" in text:
        text = _stray_zwj().sub("", text)
    return text


def clean_text(text: str | None, limit: int | None = None) -> str:
    """One line of safe text: as `clean_block`, with all whitespace runs folded to one space.

    `limit` caps the length (a 5 MB title is cut, with an ellipsis) before the regexes run on all of it.
    """
    if not text:
        return ""
    if text.isascii() and text.isprintable():
        # Nothing to remove or tame (no control, escape, format or mark character): only spaces to fold.
        if limit is not None and len(text) > limit * 4:
            text = text[: limit * 4]
        text = " ".join(text.split())
    else:
        text = _clean_line(text, limit)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _clean_line(text: str, limit: int | None) -> str:
    """clean_text's work on any text, before the length cap."""
    if limit is not None and len(text) > limit * 4:
        # Cut before the regexes run on all of it, but only after piles of marks are gone: a title of
        # letters under hundreds of marks each still shows its words.
        text = _tame_line(clean_block(text[: limit * 64]))[: limit * 4]
    return _ws().sub(" ", _tame_line(clean_block(text))).strip()


_beyond_latin = lazy_pattern("[\u0300-\U0010ffff]")


MAX_MARKS = 4  # Hebrew with points and cantillation, or Vedic accents, stack up to this many on a letter


def _tame_line(text: str) -> str:
    """One line without piles of combining marks of any script (more than MAX_MARKS on one letter), marks
    with no letter to sit on, invisible fillers or runs of selectors: headline rows stay one row and show
    their words."""
    if _beyond_latin().search(text) is None:
        return text
    text = _selector_run().sub("", _invisible().sub("", text))
    out: list[str] = []
    run: list[str] = []
    for ch in text:
        if unicodedata.category(ch) in ("Mn", "Me"):
            run.append(ch)
            continue
        if run:
            if len(run) <= MAX_MARKS and out and not out[-1].isspace():
                out.extend(run)
            run = []
        out.append(ch)
    if run and len(run) <= MAX_MARKS and out and not out[-1].isspace():
        out.extend(run)
    return "".join(out)


_tag = lazy_pattern(r"<[^>]*>")


def plain_text(fragment: str | None) -> str:
    """A cheap, safe HTML-to-text for the search index (not for display): tags dropped, entities decoded."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    # Unescaping can produce control or bidi characters (`&#x202e;`): clean after it.
    from html import unescape  # (html.entities: imported when first needed)

    return clean_text(unescape(_tag().sub(" ", fragment)))


def is_safe(text: str) -> bool:
    """True when `text` holds nothing `clean_block` would remove."""
    if text.isascii() and text.isprintable():
        return True
    return clean_block(text) == _line_breaks().sub("\n", text)


# Characters kept as they are when a URL is percent-encoded (the reserved and unreserved sets, and "%").
URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def quote_url(url: str) -> str:
    """Percent-encode what a URL may not hold raw (controls, bidi overrides, spaces, non-ASCII).

    Servers see the same request (HTTP clients send URLs so encoded), and a URL we store and show can no
    longer carry an escape sequence or reorder text.
    """
    return quote(url, safe=URL_SAFE)


_md_special = lazy_pattern(r"([\\`*_{}\[\]()<>#+!|~])")


def escape_markdown(text: str) -> str:
    """`text` with Markdown's special characters escaped, to show as written (a link's text, a file name)."""
    return _md_special().sub(r"\\\1", text)
