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
# Scripts written without spaces between words: CJK ideographs, kana, Hangul syllables, Thai, Lao, Khmer.
_UNSPACED_CHARS = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
    "\uac00-\ud7af\u0e00-\u0eff\u1780-\u17ff"
)
_UNSPACED = re.compile(f"[{_UNSPACED_CHARS}]")
_RUNS = re.compile(f"[{_UNSPACED_CHARS}]+|[^{_UNSPACED_CHARS}]+")


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
    for run in _RUNS.findall(token):
        if _UNSPACED.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            out.append(run)
    return out


def title_terms(title: str | None) -> list[str]:
    """The distinct distinctive terms of a headline, in order of appearance (empty for boilerplate-free nothing)."""
    if not title:
        return []
    text = title[:MAX_TITLE_CHARS]
    ascii_only = text.isascii()
    if not ascii_only:
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold().replace("\u2019", "'").replace("'s ", " ")
    out: dict[str, None] = {}
    for token in _TOKEN.findall(text):
        parts = [token] if ascii_only or not _UNSPACED.search(token) else _split_unspaced(token)
        for part in parts:
            if part in STOP_WORDS:
                continue
            if len(part) < 2 and not _UNSPACED.match(part):
                continue
            out.setdefault(_stem(part), None)
            if len(out) >= MAX_TERMS:
                return list(out)
    return list(out)
