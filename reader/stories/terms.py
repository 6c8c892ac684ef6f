"""The words of a headline that can tell one story from another (pure: no database, no I/O).

Lower-cased, stop words and generic news words dropped, a light plural stemmer, numbers such as 7.1 or 25,000 kept
whole, and text in scripts written without spaces (Chinese, Japanese, Thai...) cut into overlapping character
pairs so it still has terms. At most `MAX_TERMS` distinct terms per title, so a pathological title costs no more
than a normal one.
"""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 24
MAX_TITLE_CHARS = 400

# Function words (English, plus the commonest French/German/Spanish ones) and words any headline may carry
# whatever it reports ("update", "video"): they say nothing about which story a headline belongs to.
_STOP_TEXT = """
    a an the and or but nor of to in on at for with by from as is are was were be been being am it its it's this
    that these those has have had having will would shall can could should may might must do does did done not no
    yes new says say said saying after before over under up down out off about into onto than then more most less
    least how why what when who whom whose which where while vs versus via his her hers he she him they them their
    theirs our ours we you your yours i me my mine us so if just also too very all any some each every other
    another such only own same again still yet now here there amid among against between through during without
    within upon per just get gets got make makes made one two first last next back way ways
    update updated updates video videos watch photo photos pictures picture live report reports reported news
    breaking exclusive analysis opinion review today
    le la les un une des du de et en au aux pour sur par est dans que qui
    der die das und ist im den dem ein eine zu mit von auf für nicht
    el los las y en por para con del al es se una
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())

_TOKEN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+", re.UNICODE)


def _is_unspaced_script(ch: str) -> bool:
    """Scripts written without spaces between words: CJK ideographs, kana, Hangul syllables, Thai, Lao, Khmer."""
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF  # CJK ideographs
        or 0xF900 <= o <= 0xFAFF
        or 0x20000 <= o <= 0x2FA1F
        or 0xAC00 <= o <= 0xD7AF  # Hangul syllables
        or 0x0E00 <= o <= 0x0EFF  # Thai, Lao
        or 0x1780 <= o <= 0x17FF  # Khmer
    )


def _stem(word: str) -> str:
    if word.isdigit() or not word.isascii():
        return word
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _split_unspaced(token: str) -> list[str]:
    """Cut runs of unspaced-script characters into overlapping pairs; keep other runs whole."""
    out: list[str] = []
    run = ""
    other = ""
    for ch in token:
        if _is_unspaced_script(ch):
            if other:
                out.append(other)
                other = ""
            run += ch
        else:
            if run:
                out.extend(_pairs(run))
                run = ""
            other += ch
    if run:
        out.extend(_pairs(run))
    if other:
        out.append(other)
    return out


def _pairs(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def title_terms(title: str | None) -> list[str]:
    """The distinct distinctive terms of a headline, in order of appearance (empty for boilerplate-free nothing)."""
    if not title:
        return []
    text = unicodedata.normalize("NFKC", title[:MAX_TITLE_CHARS]).casefold()
    text = text.replace("\u2019", "'").replace("'s ", " ")
    out: dict[str, None] = {}
    for token in _TOKEN.findall(text):
        parts = _split_unspaced(token) if any(_is_unspaced_script(c) for c in token) else [token]
        for part in parts:
            if part in STOP_WORDS:
                continue
            if len(part) < 2 and not _is_unspaced_script(part[0]):
                continue
            out.setdefault(_stem(part), None)
            if len(out) >= MAX_TERMS:
                return list(out)
    return list(out)
