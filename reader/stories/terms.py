"""The words of a headline that can tell one story from another (pure: no database, no I/O).

Lower-cased, stop words and generic news words dropped, a light plural stemmer, numbers such as 7.1 or 25,000 kept
whole, and text in scripts written without spaces (Chinese, Japanese, Thai...) cut into overlapping character
pairs so it still has terms. At most `MAX_TERMS` distinct terms per title, so a pathological title costs no more
than a normal one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection

from reader.patterns import lazy_pattern

MAX_TERMS = 24
MAX_TITLE_CHARS = 400
# From an item's summary or text, grouping takes the lead (its first sentence, or two when the first is
# short: where news writing says what happened), at most this long, and at most this many terms its title
# does not already have.
LEAD_CHARS = 300
MAX_TEXT_TERMS = 10

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
# The same on lower-case ASCII text with no digit after a "." or "," (no number like 7.1 in it), three times
# as fast: every byte but a-z and 0-9 becomes a space, then split.
_ASCII_WORDS = bytes(
    c if chr(c).isascii() and chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256)
)
_SEPARATED_DIGIT = re.compile(r"[.,][0-9]")
# Scripts written without spaces between words: CJK ideographs, kana, Hangul syllables, Thai, Lao, Khmer.
_UNSPACED_CHARS = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
    "\uac00-\ud7af\u0e00-\u0eff\u1780-\u17ff"
)
# Compiled when first needed: the character class takes ~8 ms to compile, which every process importing
# this module (the parse workers, the writer thread that groups) would otherwise pay, though only non-ASCII
# text uses it.
_unspaced = lazy_pattern(f"[{_UNSPACED_CHARS}]")
_runs = lazy_pattern(f"[{_UNSPACED_CHARS}]+|[^{_UNSPACED_CHARS}]+")


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
    unspaced = _unspaced()
    for run in _runs().findall(token):
        if unspaced.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            out.append(run)
    return out


def _term(token: str) -> str | None:
    """The term a token stands for, or None for a stop word or a lone letter."""
    if token in STOP_WORDS or (len(token) < 2 and (token.isascii() or not _unspaced().match(token))):
        return None
    return _stem(token)


# token -> term (None: dropped), so a word costs one lookup after its first time. Bounded: cleared when full.
_TERM_CACHE: dict[str, str | None] = {}
_TERM_CACHE_MAX = 200_000


def title_terms(title: str | None) -> list[str]:
    """The distinct distinctive terms of a headline, in order of appearance (empty for boilerplate-free nothing)."""
    if not title:
        return []
    # `_terms(tokens, MAX_TERMS, ())`, for a headline (every item's, in the parse workers): no terms to skip,
    # and the limit applied once at the end rather than tested at every token (the same first MAX_TERMS).
    cache = _TERM_CACHE
    found: dict[str, None] = {}
    for token in _tokens(title[:MAX_TITLE_CHARS]):
        term = cache.get(token, "")  # "": not looked at yet (no term is empty)
        if term == "":
            if len(cache) >= _TERM_CACHE_MAX:
                cache.clear()
            term = cache[token] = _term(token)
        if term is not None:
            found[term] = None
    terms = list(found)
    return terms if len(terms) <= MAX_TERMS else terms[:MAX_TERMS]


def _tokens(text: str) -> list[str]:
    if text.isascii():  # most headlines: lower() is casefold() here, and "'s" leaves only a lone "s"
        text = text.lower()
        if ("." in text or "," in text) and _SEPARATED_DIGIT.search(text):
            return _TOKEN.findall(text)
        return text.encode().translate(_ASCII_WORDS).decode().split()
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'").replace("'s ", " ")
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if _unspaced().search(token):
            tokens.extend(_split_unspaced(token))
        else:
            tokens.append(token)
    return tokens


def _terms(tokens: list[str], limit: int, skip: Collection[str]) -> list[str]:
    """The first `limit` distinct terms of `tokens` not in `skip`."""
    cache = _TERM_CACHE
    out: dict[str, None] = {}
    for token in tokens:
        term = cache.get(token, "")  # "": not looked at yet (no term is empty)
        if term == "":
            if len(cache) >= _TERM_CACHE_MAX:
                cache.clear()
            term = cache[token] = _term(token)
        if term is not None and term not in skip:
            out[term] = None
            if len(out) >= limit:
                break
    return list(out)


_SENTENCE_END = re.compile(r"[.!?。！？][\"'”’)]*(?:\s|$)")


def lead(text: str | None) -> str:
    """The lead of a plain text: up to the end of the first sentence that ends after 60 characters (at most
    LEAD_CHARS, cut at a space)."""
    if not text:
        return ""
    head = text[:LEAD_CHARS]
    m = _SENTENCE_END.search(head, 60)
    if m is not None:
        return head[: m.start() + 1]
    if len(head) == LEAD_CHARS and " " in head[LEAD_CHARS // 2 :]:
        head = head[: head.rindex(" ")]
    return head


# A headline with fewer terms than this says too little to group by ("Live updates", "What we know"): the
# lead of its summary or text is read too.
MIN_TITLE_TERMS = 3


def story_terms(title: str | None, text: str | Callable[[], str | None] | None = None) -> str:
    """What story grouping compares, as stored with the item: the title's terms, space-separated, then (when
    the title has under MIN_TITLE_TERMS terms and the item a summary or text whose lead adds any) "|" and the
    lead's other terms. Otherwise the title's terms and nothing else: a headline that says what happened is
    grouped by itself (measured on the development set, reading the lead too gained nothing there, cost a
    little precision with unrelated leads, and doubled the parse workers' work for story terms).

    `text` may be a function giving it, called only when the lead is read (most headlines never need it)."""
    terms = title_terms(title)
    out = " ".join(terms)
    if text is not None and len(terms) < MIN_TITLE_TERMS:
        if callable(text):
            text = text()
        if not text:
            return out
        extra = _terms(_tokens(lead(text)), MAX_TEXT_TERMS, frozenset(terms))
        if extra:
            out += "|" + " ".join(extra)
    return out


def split_story_terms(value: str | None) -> tuple[list[str], int]:
    """(terms, how many of them are title terms) from what `story_terms` made."""
    if not value:
        return [], 0
    title, _, text = value.partition("|")
    terms = title.split()
    ntitle = len(terms)
    if text:
        terms += text.split()
    return terms, ntitle
